// SPDX-License-Identifier: MIT
/*
 * qcow2 behind struct disk_ops. Guest data in private allocated clusters
 * goes through the same io_uring loop as raw (devices/block/aio.h), with runs of
 * host-contiguous clusters merged into one request, and so do writes of
 * whole clusters that need new ones (alloc.c). What needs
 * synthesized content (partial writes with copy-on-write, zeroes,
 * compressed or backing clusters) is done synchronously in submit(). A
 * flush drains the ring first, so no write is in flight while metadata is
 * written back or freed clusters become reusable.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "devices/block/qcow2/qcow2_disk.h"
#include "vmm/base/err.h"
#include "vmm/base/iov.h"
#include "vmm/base/log.h"

#define QCOW2_AIO_DEPTH 128
/* Deferred refcount decrements that force a flush. */
#define QCOW2_MAX_FREES 4096

/* One piece handed to the ring. */
struct qop {
	struct qreq *r;
	u64 len;
	bool write;
	int iovcnt;
	struct iovec iov[];
};

void qcow2_qreq_put(struct qreq *r, int ret)
{
	if (ret && !r->ret)
		r->ret = ret;
	if (--r->pending)
		return;
	r->req->done(r->req, r->ret);
	free(r);
}

/* A short write failed; a short read ran past the end of the file. */
static int io_status(const struct iovec *iov, int cnt, u64 len, bool write,
		     s64 res)
{
	if (res < 0)
		return res;
	if ((u64)res < len && write)
		return -EIO;
	if ((u64)res < len)
		iov_zero(iov, cnt, res, len - res);
	return 0;
}

static void op_done(void *opaque, s64 res)
{
	struct qop *op = opaque;

	qcow2_qreq_put(op->r,
		       io_status(op->iov, op->iovcnt, op->len, op->write, res));
	free(op);
}

int qcow2_disk_rw(struct qcow2_disk *qd, u64 host, const struct iovec *iov,
		  int cnt, bool write, aio_cb cb, void *opaque)
{
	int fd = qd->q->fd, ret;
	ssize_t n;

	if (write)
		ret = aio_writev(qd->aio, fd, host, iov, cnt, cb, opaque);
	else
		ret = aio_readv(qd->aio, fd, host, iov, cnt, cb, opaque);
	if (ret != -EBUSY)
		return ret;
	/* Ring full: do this piece now rather than fail the guest. */
	if (write)
		n = pwritev(fd, iov, cnt, host);
	else
		n = preadv(fd, iov, cnt, host);
	cb(opaque, n < 0 ? -errno : n);
	return 0;
}

/* Hand [host, host + len) <-> request bytes [pos, pos + len) to the ring. */
static int queue_io(struct qcow2_disk *qd, struct qreq *r, u64 host, u64 pos,
		    u64 len, bool write)
{
	const struct disk_req *req = r->req;
	struct qop *op;
	int ret;

	op = malloc(sizeof(*op) + req->iovcnt * sizeof(struct iovec));
	if (!op)
		return -ENOMEM;
	op->r = r;
	op->len = len;
	op->write = write;
	op->iovcnt = iov_slice(req->iov, req->iovcnt, pos, len, op->iov,
			       req->iovcnt);
	if (op->iovcnt < 0) {
		free(op);
		return -EINVAL;
	}
	r->pending++;
	ret = qcow2_disk_rw(qd, host, op->iov, op->iovcnt, write, op_done, op);
	if (ret) {
		r->pending--;
		free(op);
	}
	return ret;
}

/* How many bytes from @voff on continue host-contiguously from @m. */
static int run_len(struct qcow2 *q, u64 voff, u64 len,
		   const struct qcow2_map *m, bool write, u64 *run)
{
	u64 cs = q->cluster_size, n = MIN(len, cs - (voff & (cs - 1)));
	u64 next = m->host + cs;
	struct qcow2_map nm;
	int ret;

	*run = n;
	while (*run < len) {
		ret = qcow2_map(q, voff + *run, &nm);
		if (ret)
			return ret;
		if (nm.kind != QCOW2_NORMAL || nm.host != next ||
		    (write && !(nm.l2e & QCOW2_COPIED)))
			break;
		*run += MIN(len - *run, cs);
		next += cs;
	}
	return 0;
}

static void fast_done(void *opaque, s64 res)
{
	struct disk_req *req = opaque;

	req->done(req, io_status(req->iov, req->iovcnt, req->len,
				 req->op == DISK_OP_WRITE, res));
}

/*
 * The common case without any allocation: the whole request is one
 * host-contiguous run of private clusters, handed to the ring as it is.
 * 1: not that case; 0: queued; -errno: failed.
 */
static int try_fast(struct qcow2_disk *qd, struct disk_req *req)
{
	bool write = req->op == DISK_OP_WRITE;
	struct qcow2 *q = qd->q;
	struct qcow2_map m;
	u64 run, host;
	int ret;

	if (!req->len || (write && q->corrupt))
		return 1;
	ret = qcow2_map(q, req->offset, &m);
	if (ret || m.kind != QCOW2_NORMAL || (write && !(m.l2e & QCOW2_COPIED)))
		return 1; /* the slow path reports errors */
	ret = run_len(q, req->offset, req->len, &m, write, &run);
	if (ret || run != req->len)
		return 1;
	host = m.host + (req->offset & (q->cluster_size - 1));
	return qcow2_disk_rw(qd, host, req->iov, req->iovcnt, write, fast_done,
			     req);
}

/*
 * The piece of @r at @pos, up to its end, that @m and the clusters after
 * it map to one host-contiguous run: handed to the ring. *@n: its length.
 */
static int queue_run(struct qcow2_disk *qd, struct qreq *r,
		     const struct qcow2_map *m, u64 pos, bool write, u64 *n)
{
	const struct disk_req *req = r->req;
	struct qcow2 *q = qd->q;
	u64 voff = req->offset + pos, in = voff & (q->cluster_size - 1);
	int ret;

	ret = run_len(q, voff, req->len - pos, m, write, n);
	if (!ret)
		ret = queue_io(qd, r, m->host + in, pos, *n, write);
	return ret;
}

/* Read what no data cluster of this image holds (zeros, backing, ...). */
static int read_special(struct qcow2_disk *qd, struct qreq *r,
			const struct qcow2_map *m, u64 pos, u64 *n)
{
	const struct disk_req *req = r->req;
	struct qcow2 *q = qd->q;
	u64 voff = req->offset + pos, in = voff & (q->cluster_size - 1);
	int ret;

	*n = MIN(req->len - pos, q->cluster_size - in);
	ret = qcow2_read_special(q, m, voff, q->bounce, *n);
	if (!ret)
		iov_from_buf(req->iov, req->iovcnt, pos, q->bounce, *n);
	return ret;
}

/* Write where no private cluster is: whole clusters, or one in part. */
static int write_alloc(struct qcow2_disk *qd, struct qreq *r, u64 pos, u64 *n)
{
	const struct disk_req *req = r->req;
	struct qcow2 *q = qd->q;
	u64 voff = req->offset + pos, cs = q->cluster_size;
	u64 in = voff & (cs - 1);

	if (!in && req->len - pos >= cs)
		return qcow2_write_alloc(qd, r, voff, pos,
					 ALIGN_DOWN(req->len - pos, cs), n);
	*n = MIN(req->len - pos, cs - in);
	iov_to_buf(req->iov, req->iovcnt, pos, q->wbuf, *n);
	return qcow2_write_cluster(q, voff, q->wbuf, *n);
}

/* @r piece by piece, each a run of clusters mapped alike. */
static int do_rw(struct qcow2_disk *qd, struct qreq *r, bool write)
{
	const struct disk_req *req = r->req;
	struct qcow2 *q = qd->q;
	u64 pos = 0, n;
	int ret;

	while (pos < req->len) {
		struct qcow2_map m;

		if (write && q->corrupt)
			return -EIO;
		ret = qcow2_map(q, req->offset + pos, &m);
		if (ret)
			return ret;
		if (m.kind == QCOW2_NORMAL &&
		    (!write || (m.l2e & QCOW2_COPIED)))
			ret = queue_run(qd, r, &m, pos, write, &n);
		else if (write)
			ret = write_alloc(qd, r, pos, &n);
		else
			ret = read_special(qd, r, &m, pos, &n);
		if (ret)
			return ret;
		pos += n;
	}
	return 0;
}

static int do_flush(struct qcow2_disk *qd)
{
	aio_drain(qd->aio);
	return qcow2_flush(qd->q);
}

/* Checked by disk_submit(): the iovecs, the range, read-only. */
static int qcow2_submit(struct disk *d, struct disk_req *req)
{
	struct qcow2_disk *qd = d->priv;
	struct qreq *r;
	int ret = 0;

	if (req->op == DISK_OP_READ || req->op == DISK_OP_WRITE) {
		ret = try_fast(qd, req);
		if (ret <= 0)
			return ret;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->req = req;
	r->pending = 1; /* ours, dropped below */
	switch (req->op) {
	case DISK_OP_READ:
		ret = do_rw(qd, r, false);
		break;
	case DISK_OP_WRITE:
		ret = do_rw(qd, r, true);
		break;
	case DISK_OP_FLUSH:
		ret = do_flush(qd);
		break;
	case DISK_OP_DISCARD:
	case DISK_OP_WRITE_ZEROES:
		ret = qcow2_zero_range(qd->q, req->offset, req->len);
		break;
	}
	if (!ret && qd->q->nr_frees > QCOW2_MAX_FREES)
		ret = do_flush(qd);
	qcow2_qreq_put(r, ret);
	return 0;
}

static void qcow2_kick(struct disk *d)
{
	struct qcow2_disk *qd = d->priv;

	aio_kick(qd->aio);
}

static void qcow2_complete(struct disk *d)
{
	struct qcow2_disk *qd = d->priv;

	aio_complete(qd->aio);
}

static int qcow2_disk_open(struct disk *d, const struct disk_options *c,
			   struct err *err)
{
	struct qcow2_disk *qd = calloc(1, sizeof(*qd));
	struct qcow2_policy pol = { .backing_off = c->backing_off,
				    .backing_dir = c->backing_dir,
				    .no_sync = c->cache == DISK_CACHE_UNSAFE };
	int ret;

	if (!qd)
		return err_host(err, -ENOMEM, "qcow2: out of memory");
	ret = qcow2_open_image(&qd->q, c->path, !c->readonly, &pol, 0, NULL, 0,
			       err);
	if (ret) {
		free(qd);
		return ret;
	}
	qd->aio = aio_create(QCOW2_AIO_DEPTH, d->aio_sync);
	if (!qd->aio) {
		qcow2_close_image(qd->q);
		free(qd);
		return err_host(err, -ENOMEM,
				"qcow2: cannot set up asynchronous I/O");
	}
	d->priv = qd;
	d->size = qd->q->h.size;
	d->block_size = 512;
	d->readonly = c->readonly;
	d->can_discard = !c->readonly;
	d->can_write_zeroes = !c->readonly;
	d->event_fd = aio_event_fd(qd->aio);
	return 0;
}

static void qcow2_disk_close(struct disk *d)
{
	struct qcow2_disk *qd = d->priv;

	if (!qd)
		return;
	aio_drain(qd->aio);
	aio_destroy(qd->aio);
	qcow2_close_image(qd->q);
	free(qd);
	d->priv = NULL;
}

static bool qcow2_uses_file(const struct disk *d, const struct stat *st)
{
	const struct qcow2_disk *qd = d->priv;

	return qcow2_chain_has(qd->q, st);
}

static int qcow2_disk_status(struct disk *d, u64 off, u64 len, u64 *run,
			     u32 *flags)
{
	struct qcow2_disk *qd = d->priv;

	return qcow2_block_status(qd->q, off, len, run, flags);
}

const struct disk_ops disk_qcow2_ops = {
	.name = "qcow2",
	.open = qcow2_disk_open,
	.submit = qcow2_submit,
	.kick = qcow2_kick,
	.complete = qcow2_complete,
	.close = qcow2_disk_close,
	.uses_file = qcow2_uses_file,
	.block_status = qcow2_disk_status,
};
