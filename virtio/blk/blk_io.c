// SPDX-License-Identifier: MIT
/*
 * What virtio-blk's I/O thread (vmm/core/iothread.h) does between activate
 * and reset. It watches the queue's doorbell eventfd and the disk's
 * completion eventfd. A doorbell drains the avail ring with further
 * doorbells suppressed (re-enabled and re-checked at the end), each chain
 * is parsed (blk_req.c) and handed to the disk (to the kernel at once for
 * direct I/O, else with one disk kick per batch); completions are pushed
 * as they come, with one interrupt per batch. In flight at most one
 * request per chain head, so the queue size bounds it.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "virtio/blk/blk_priv.h"
#include "vmm/base/clock.h"
#include "vmm/base/log.h"

static void stat_add(u64 *counter, u64 v)
{
	__atomic_store_n(counter, *counter + v, __ATOMIC_RELAXED);
}

/* One finished request in the counters (--stats, the control socket). */
static void blk_count(struct virtio_blk *blk, const struct blk_io *io,
		      u8 status)
{
	struct virtio_blk_stats *s = &blk->stats;

	if (status != VIRTIO_BLK_S_OK) {
		stat_add(&s->errors, 1);
		return;
	}
	switch (io->type) {
	case VIRTIO_BLK_T_IN:
		stat_add(&s->reads, 1);
		stat_add(&s->read_bytes, io->len);
		break;
	case VIRTIO_BLK_T_OUT:
		stat_add(&s->writes, 1);
		stat_add(&s->write_bytes, io->len);
		break;
	case VIRTIO_BLK_T_FLUSH:
		stat_add(&s->flushes, 1);
		break;
	default:
		stat_add(&s->other, 1);
		break;
	}
}

/*
 * Request @io is done: counted, timed, traced, then its status byte and
 * its used entry (used.len counts the status byte too, section 5.2.6).
 */
static void blk_finish(struct blk_queue *q, struct blk_io *io, u8 status,
		       u32 written)
{
	struct virtio_blk *blk = q->blk;
	u64 ns = io->start_ns ? clock_ns() - io->start_ns : 0;

	blk_count(blk, io, status);
	if (io->start_ns)
		hist_add(&blk->stats.latency, ns);
	if (blk->vdev.trace)
		blk_trace_done(blk, io, status, written + 1, ns, true);
	*io->status_ptr = status;
	vq_push(q->vq, io->head, written + 1);
	q->pushed = true;
}

static void blk_disk_done(struct disk_req *req, int ret)
{
	struct blk_io *io = container_of(req, struct blk_io, dreq);
	struct blk_queue *q = io->q;
	u32 written = 0;

	io->busy = false;
	q->inflight--;
	if (q->blk->stopping) {
		/* reset: the rings are forgotten */
		if (q->blk->vdev.trace)
			blk_trace_done(q->blk, io, VIRTIO_BLK_S_IOERR, 0, 0,
				       false);
		return;
	}
	if (ret && warn_once(&q->blk->vdev.warned, VIRTIO_WARN_BACKEND_IO))
		pr_warn("virtio-blk: disk request failed: %s", strerror(-ret));
	if (!ret && req->op == DISK_OP_READ)
		written = req->len;
	blk_finish(q, io, ret ? VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_OK, written);
}

static int blk_io_iov(struct blk_io *io, const struct vq_chain *c,
		      const struct blk_req *r)
{
	int need = MIN(r->data_in ? c->nr_in : c->nr_out, BLK_SEG_MAX);

	if (need > io->iov_cap) {
		struct iovec *v = realloc(io->iov, need * sizeof(*v));

		if (!v)
			return -ENOMEM;
		io->iov = v;
		io->iov_cap = need;
	}
	return blk_req_data_iov(c, r, io->iov, need);
}

/* Submit a parsed disk request; returns a status when it failed at once. */
static int blk_submit(struct blk_queue *q, struct blk_io *io,
		      const struct vq_chain *c, const struct blk_req *r)
{
	struct disk *d = &q->blk->disk;
	int n = 0;

	if (r->op == DISK_OP_READ || r->op == DISK_OP_WRITE) {
		n = blk_io_iov(io, c, r);
		if (n < 0)
			return VIRTIO_BLK_S_IOERR;
	}
	io->dreq = (struct disk_req){
		.op = r->op,
		.offset = r->offset,
		.len = r->len,
		.iov = n ? io->iov : NULL,
		.iovcnt = n,
		.unmap = r->unmap,
		.done = blk_disk_done,
	};
	io->busy = true;
	q->inflight++;
	if (q->blk->vdev.trace)
		blk_trace_submit(q->blk, io);
	if (disk_submit(d, &io->dreq) == 0)
		return VIRTIO_BLK_S_OK; /* done() reports */
	io->busy = false;
	q->inflight--;
	return VIRTIO_BLK_S_IOERR;
}

/* Returns false when the queue is unusable and the device needs reset. */
static bool blk_handle(struct blk_queue *q, const struct vq_chain *c)
{
	struct virtio_blk *blk = q->blk;
	struct blk_req r;
	struct blk_io *io;
	u8 status;

	if (blk_req_parse(c, &blk->lim, &r) < 0) {
		virtio_dev_needs_reset(
			&blk->vdev,
			"virtio-blk: request without a writable status byte");
		return false;
	}
	if (c->head >= q->nr_io || q->io[c->head].busy) {
		virtio_dev_needs_reset(
			&blk->vdev,
			"virtio-blk: chain head made available twice");
		return false;
	}
	io = &q->io[c->head];
	io->head = c->head;
	io->status_ptr = r.status_ptr;
	io->type = r.type;
	io->offset = r.offset;
	io->len = r.len;
	io->start_ns = blk->vdev.timed ? clock_ns() : 0;
	if (blk->vdev.trace)
		blk_trace_pop(blk, c, io);
	switch (r.action) {
	case BLK_ACT_GET_ID:
		vq_copy_to_in(c, 0, blk->serial, r.len);
		blk_finish(q, io, VIRTIO_BLK_S_OK, r.len);
		break;
	case BLK_ACT_DISK:
		status = blk_submit(q, io, c, &r);
		if (status != VIRTIO_BLK_S_OK)
			blk_finish(q, io, status, 0);
		break;
	case BLK_ACT_STATUS:
		blk_finish(q, io, r.status, 0);
		break;
	}
	return true;
}

/* Handle every available chain; false once the queue is broken. */
static bool blk_pop_all(struct blk_queue *q)
{
	struct vq_chain *c = &q->blk->chain;
	struct disk *d = &q->blk->disk;
	int r;

	while ((r = vq_pop(q->vq, c)) == 1) {
		if (!blk_handle(q, c))
			return false;
		/*
		 * Direct I/O: one syscall per request, as the driver made it
		 * available. Submitted together, a batch is dispatched to the
		 * host disk together, completes together, comes back as one
		 * batch and so on: all requests move in lockstep and a QD32
		 * random read lost about 15% of the host's IOPS that way.
		 * Page-cache I/O completes inside the syscall: it keeps the
		 * one kick per batch, which costs fewer syscalls there.
		 */
		if (d->direct)
			disk_kick(d);
	}
	return r == 0;
}

static void blk_queue_broken(struct blk_queue *q)
{
	q->vq->broken = true;
	virtio_dev_needs_reset(&q->blk->vdev,
			       "virtio-blk: malformed descriptor chain");
}

static void blk_drain_queue(struct blk_queue *q)
{
	struct virtqueue *vq = q->vq;

	if (vq->broken)
		return;
	/* No doorbells while we are looking anyway. */
	vq_set_kick(vq, false);
	do {
		if (!blk_pop_all(q))
			return blk_queue_broken(q);
		/*
		 * Re-enable, then look again: a chain made available just
		 * before would otherwise wait for a kick that never comes.
		 */
		vq_set_kick(vq, true);
	} while (vq_has_avail(vq));
}

/* End of a batch: one disk kick, at most one interrupt. */
static void blk_flush_batch(struct virtio_blk *blk)
{
	struct disk *d = &blk->disk;

	disk_kick(d);
	if (d->event_fd < 0)
		disk_complete(d);
	if (blk->q.pushed) {
		blk->q.pushed = false;
		virtio_vq_notify(&blk->vdev, blk->q.vq);
	}
}

/* Wait for every request in flight; their done() pushes nothing. */
static void blk_quiesce(struct virtio_blk *blk)
{
	struct disk *d = &blk->disk;
	struct pollfd p = { .fd = d->event_fd, .events = POLLIN };

	blk->stopping = true;
	disk_kick(d);
	while (blk->q.inflight) {
		if (p.fd >= 0 && poll(&p, 1, 1000) < 0 && errno != EINTR)
			break;
		disk_complete(d);
	}
}

/*
 * A batch of ready events (n == 0: none, but look for completions). The
 * doorbell is watched only while the device runs; the disk's completions
 * come only while requests are in flight.
 */
static void blk_io_events(void *opaque, const struct epoll_event *ev, int n)
{
	struct virtio_blk *blk = opaque;
	struct disk *d = &blk->disk;
	u64 wake = trace_file_on(blk->vdev.trace) ? clock_ns() : 0;
	int i;

	/*
	 * n == 0: io_uring interrupted the wait to run its task work, which
	 * posts our completions: reap them now, not after one more wait.
	 */
	if (!n)
		disk_complete(d);
	for (i = 0; i < n; i++) {
		switch (ev[i].data.u64) {
		case BLK_EV_DISK:
			disk_complete(d);
			break;
		case BLK_EV_QUEUE:
			virtio_eventfd_drain(&blk->vdev, blk->q.vq->kick_fd);
			if (blk->vdev.trace)
				blk_trace_doorbell(blk);
			blk_drain_queue(&blk->q);
			break;
		}
	}
	blk_flush_batch(blk); /* the whole batch in one syscall */
	if (wake)
		trace_span(blk->vdev.trace, "iothread", "wakeup", wake,
			   clock_ns(), NULL);
}

const struct iothread_ops blk_io_ops = { .events = blk_io_events };

static void blk_free_queue(struct blk_queue *q)
{
	unsigned int i;

	if (!q->io)
		return;
	for (i = 0; i < q->nr_io; i++)
		free(q->io[i].iov);
	free(q->io);
	q->io = NULL;
	q->nr_io = 0;
}

struct blk_start {
	struct virtio_blk *blk;
	int ret;
};

/* On the I/O thread: take queue 0 and watch its doorbell. */
static void blk_start(void *arg)
{
	struct blk_start *s = arg;
	struct virtio_blk *blk = s->blk;
	struct blk_queue *q = &blk->q;
	unsigned int i;

	s->ret = -EBUSY;
	if (blk->running)
		return;
	q->vq = &blk->vdev.vq[0];
	q->blk = blk;
	q->inflight = 0;
	q->pushed = false;
	s->ret = -ENOMEM;
	q->io = calloc(q->vq->size, sizeof(*q->io));
	if (!q->io)
		return;
	q->nr_io = q->vq->size;
	for (i = 0; i < q->nr_io; i++)
		q->io[i].q = q;
	blk->lim.discard = virtio_has_feature(&blk->vdev, VIRTIO_BLK_F_DISCARD);
	blk->lim.write_zeroes =
		virtio_has_feature(&blk->vdev, VIRTIO_BLK_F_WRITE_ZEROES);
	blk->stopping = false;
	s->ret = iothread_add(&blk->io, q->vq->kick_fd, EPOLLIN, BLK_EV_QUEUE);
	if (s->ret)
		return blk_free_queue(q);
	blk->running = true;
}

int blk_io_start(struct virtio_blk *blk)
{
	struct blk_start s = { .blk = blk };

	iothread_call(&blk->io, blk_start, &s);
	return s.ret;
}

/* On the I/O thread: finish what is in flight, forget the queue. */
static void blk_stop(void *arg)
{
	struct virtio_blk *blk = arg;

	if (!blk->running)
		return;
	blk_quiesce(blk);
	iothread_del(&blk->io, blk->q.vq->kick_fd);
	blk_free_queue(&blk->q);
	blk->running = false;
}

void blk_io_stop(struct virtio_blk *blk)
{
	iothread_call(&blk->io, blk_stop, blk);
}

struct blk_freeze {
	struct virtio_blk *blk;
	bool on;
	int ret;
};

/*
 * Every request in flight completes into the used ring (unlike a reset's
 * quiesce, which forgets them); then the disk is flushed and the doorbell
 * left unwatched, with kicks on in the ring, until the thaw.
 */
static void blk_freeze(void *arg)
{
	struct blk_freeze *f = arg;
	struct virtio_blk *blk = f->blk;
	struct disk *d = &blk->disk;
	struct pollfd p = { .fd = d->event_fd, .events = POLLIN };

	if (!blk->running || blk->frozen == f->on)
		return;
	blk->frozen = f->on;
	if (!f->on) {
		iothread_mod(&blk->io, blk->q.vq->kick_fd, EPOLLIN,
			     BLK_EV_QUEUE);
		/* What the driver queued meanwhile. */
		virtio_eventfd_signal(
			&blk->vdev, blk->q.vq->kick_fd,
			VIRTIO_WARN_DOORBELL_WRITE,
			"virtio-blk: doorbell eventfd write failed");
		return;
	}
	iothread_mod(&blk->io, blk->q.vq->kick_fd, 0, BLK_EV_QUEUE);
	d->ops->kick(d);
	while (blk->q.inflight) {
		if (p.fd >= 0 && poll(&p, 1, 1000) < 0 && errno != EINTR)
			break;
		d->ops->complete(d);
	}
	blk_flush_batch(blk);
	if (!blk->q.vq->broken)
		vq_set_kick(blk->q.vq, true);
	f->ret = blk->q.inflight ? -EIO : disk_flush_sync(d);
}

int blk_io_quiesce(struct virtio_blk *blk, bool on)
{
	struct blk_freeze f = { .blk = blk, .on = on };

	iothread_call(&blk->io, blk_freeze, &f);
	return f.ret;
}
