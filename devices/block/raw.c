// SPDX-License-Identifier: MIT
/*
 * Raw images: guest sector N is file byte N * 512. Reads, writes and
 * flushes go through devices/block/aio.h (io_uring); discard and write-zeroes are
 * single fallocate()/ioctl() calls done in place on the I/O thread.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "devices/block/aio.h"
#include "devices/block/disk.h"
#include "vmm/base/err.h"
#include "vmm/base/iov.h"
#include "vmm/base/log.h"

/*
 * In-flight requests at most: at least one full virtqueue
 * (VQ_MAX_SIZE), since virtio-blk keeps one request per chain head.
 */
#define RAW_DEPTH 1024
/* O_DIRECT memory alignment we require; sectors are 512 bytes anyway. */
#define RAW_DIO_MEM_ALIGN 512

struct raw {
	struct aio *aio;
};

/* A cache=none request whose guest buffers are not aligned. */
struct raw_bounce {
	struct disk_req *req;
	void *buf;
	struct iovec iov;
};

static int raw_size(struct disk *d, const struct disk_options *c,
		    struct err *err)
{
	struct stat st;
	int bs = 512;

	if (fstat(d->fd, &st) < 0)
		return err_input(err, -errno, "disk %s: %s", c->path,
				 strerror(errno));
	if (!d->blockdev) {
		d->size = st.st_size;
		d->block_size = 512;
		return 0;
	}
	if (ioctl(d->fd, BLKGETSIZE64, &d->size) < 0)
		return err_input(err, -errno,
				 "disk %s: cannot get the device size: %s",
				 c->path, strerror(errno));
	if (ioctl(d->fd, BLKSSZGET, &bs) < 0 || bs < 512 || bs > 65536 ||
	    (bs & (bs - 1)))
		bs = 512;
	d->block_size = bs;
	return 0;
}

static int raw_open(struct disk *d, const struct disk_options *c,
		    struct err *err)
{
	struct raw *r;
	int ret;

	ret = raw_size(d, c, err);
	if (ret)
		return ret;
	r = calloc(1, sizeof(*r));
	if (!r)
		return err_host(err, -ENOMEM, "disk %s: out of memory",
				c->path);
	r->aio = aio_create(RAW_DEPTH, d->aio_sync);
	if (!r->aio) {
		free(r);
		return err_host(err, -ENOMEM,
				"disk %s: cannot set up asynchronous I/O",
				c->path);
	}
	d->priv = r;
	d->event_fd = aio_event_fd(r->aio);
	d->can_discard = !d->readonly;
	d->can_write_zeroes = !d->readonly;
	return 0;
}

static int raw_block_status(struct disk *d, u64 off, u64 len, u64 *run,
			    u32 *flags)
{
	if (d->blockdev) {
		*run = len;
		*flags = 0;
		return 0;
	}
	return disk_file_status(d->fd, d->size, off, len, run, flags);
}

static void raw_close(struct disk *d)
{
	struct raw *r = d->priv;

	if (!r)
		return;
	aio_destroy(r->aio); /* drains what is in flight */
	free(r);
	d->priv = NULL;
	d->event_fd = -1;
}

static int raw_status(const struct disk_req *req, s64 res)
{
	if (res < 0)
		return (int)res;
	return (u64)res == req->len ? 0 : -EIO; /* short: file shrank */
}

static void raw_rw_done(void *opaque, s64 res)
{
	struct disk_req *req = opaque;

	req->done(req, raw_status(req, res));
}

static void raw_flush_done(void *opaque, s64 res)
{
	struct disk_req *req = opaque;

	req->done(req, res < 0 ? (int)res : 0);
}

static void raw_bounce_done(void *opaque, s64 res)
{
	struct raw_bounce *b = opaque;
	struct disk_req *req = b->req;
	int ret = raw_status(req, res);

	if (!ret && req->op == DISK_OP_READ)
		iov_from_buf(req->iov, req->iovcnt, 0, b->buf, req->len);
	free(b->buf);
	free(b);
	req->done(req, ret);
}

/* O_DIRECT wants aligned memory: copy through an aligned buffer. */
static int raw_submit_bounce(struct disk *d, struct raw *r,
			     struct disk_req *req)
{
	struct raw_bounce *b = malloc(sizeof(*b));
	int ret;

	if (!b)
		return -ENOMEM;
	if (posix_memalign(&b->buf, MAX(d->block_size, 4096), req->len)) {
		free(b);
		return -ENOMEM;
	}
	b->req = req;
	b->iov = (struct iovec){ .iov_base = b->buf, .iov_len = req->len };
	if (req->op == DISK_OP_WRITE) {
		iov_to_buf(req->iov, req->iovcnt, 0, b->buf, req->len);
		ret = aio_writev(r->aio, d->fd, req->offset, &b->iov, 1,
				 raw_bounce_done, b);
	} else {
		ret = aio_readv(r->aio, d->fd, req->offset, &b->iov, 1,
				raw_bounce_done, b);
	}
	if (ret) {
		free(b->buf);
		free(b);
	}
	return ret;
}

/* Checked by disk_submit(): the iovecs, the range, read-only. */
static int raw_submit_rw(struct disk *d, struct raw *r, struct disk_req *req)
{
	if (d->direct && (!IS_ALIGNED(req->offset, d->block_size) ||
			  !IS_ALIGNED(req->len, d->block_size)))
		return -EINVAL;
	if (d->direct && !iov_aligned(req->iov, req->iovcnt, RAW_DIO_MEM_ALIGN))
		return raw_submit_bounce(d, r, req);
	if (req->op == DISK_OP_WRITE)
		return aio_writev(r->aio, d->fd, req->offset, req->iov,
				  req->iovcnt, raw_rw_done, req);
	return aio_readv(r->aio, d->fd, req->offset, req->iov, req->iovcnt,
			 raw_rw_done, req);
}

/* Zeroes written the slow way, when the file system has no ZERO_RANGE. */
static int raw_write_zeroes_slow(struct disk *d, u64 off, u64 len)
{
	const size_t chunk = 256 * KiB;
	void *zero;
	int ret = 0;

	if (posix_memalign(&zero, 4096, chunk))
		return -ENOMEM;
	memset(zero, 0, chunk);
	while (len && !ret) {
		size_t n = MIN(len, chunk);
		ssize_t w = pwrite(d->fd, zero, n, off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			ret = w < 0 ? -errno : -EIO;
		else {
			off += w;
			len -= w;
		}
	}
	free(zero);
	return ret;
}

static int raw_discard(struct disk *d, const struct disk_req *req)
{
	u64 range[2] = { req->offset, req->len };

	if (d->blockdev)
		return ioctl(d->fd, BLKDISCARD, range) < 0 ? -errno : 0;
	if (fallocate(d->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		      req->offset, req->len) < 0)
		return -errno;
	return 0;
}

static int raw_write_zeroes(struct disk *d, const struct disk_req *req)
{
	u64 range[2] = { req->offset, req->len };
	int mode = req->unmap ? FALLOC_FL_PUNCH_HOLE : FALLOC_FL_ZERO_RANGE;

	if (d->blockdev)
		return ioctl(d->fd, BLKZEROOUT, range) < 0 ? -errno : 0;
	if (fallocate(d->fd, mode | FALLOC_FL_KEEP_SIZE, req->offset,
		      req->len) == 0)
		return 0;
	if (errno != EOPNOTSUPP)
		return -errno;
	return raw_write_zeroes_slow(d, req->offset, req->len);
}

static int raw_submit(struct disk *d, struct disk_req *req)
{
	struct raw *r = d->priv;
	int ret;

	switch (req->op) {
	case DISK_OP_READ:
	case DISK_OP_WRITE:
		return raw_submit_rw(d, r, req);
	case DISK_OP_FLUSH:
		if (d->no_sync) {
			req->done(req, 0);
			return 0;
		}
		/* cache=none still needs it: the device may cache writes. */
		return aio_fdatasync(r->aio, d->fd, raw_flush_done, req);
	case DISK_OP_DISCARD:
	case DISK_OP_WRITE_ZEROES:
		break;
	default:
		return -EINVAL;
	}
	if (req->op == DISK_OP_DISCARD)
		ret = raw_discard(d, req);
	else
		ret = raw_write_zeroes(d, req);
	req->done(req, ret);
	return 0;
}

static void raw_kick(struct disk *d)
{
	struct raw *r = d->priv;

	aio_kick(r->aio);
}

static void raw_complete(struct disk *d)
{
	struct raw *r = d->priv;

	aio_complete(r->aio);
}

const struct disk_ops disk_raw_ops = {
	.name = "raw",
	.open = raw_open,
	.submit = raw_submit,
	.kick = raw_kick,
	.complete = raw_complete,
	.close = raw_close,
	.block_status = raw_block_status,
};
