// SPDX-License-Identifier: MIT
/*
 * What every disk format shares: opening and locking the image file,
 * refusing to guess a format, the front door every request comes in
 * through (checked once for all formats), and the synchronous helpers
 * built on the asynchronous interface.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "devices/block/disk.h"
#include "vmm/base/err.h"
#include "vmm/base/file.h"
#include "vmm/base/iov.h"
#include "vmm/base/log.h"

#define QCOW2_MAGIC	  "QFI\xfb"
#define VMDK_SPARSE_MAGIC "KDMV"
#define VMDK_DESC_MAGIC	  "# Disk DescriptorFile"
#define DISK_PROBE_LEN	  4096 /* aligned for O_DIRECT too */

static int disk_open_err(const struct disk_options *c, int e, struct err *err)
{
	switch (e) {
	case ENOENT:
		return err_input(err, -e, "disk %s: no such file", c->path);
	case EACCES:
	case EPERM:
		return err_input(
			err, -e, "disk %s: permission denied%s", c->path,
			c->readonly ? "" : " (readonly=on opens it read-only)");
	case EISDIR:
		return err_input(err, -e, "disk %s: is a directory", c->path);
	case EROFS:
		return err_input(
			err, -e,
			"disk %s: read-only file system (use readonly=on)",
			c->path);
	case EINVAL:
		if (c->cache == DISK_CACHE_NONE)
			return err_input(
				err, -e,
				"disk %s: cache=none: the file system does not support O_DIRECT",
				c->path);
		break;
	}
	return err_input(err, -e, "disk %s: %s", c->path, strerror(e));
}

static int disk_open_fd(struct disk *d, const struct disk_options *c,
			struct err *err)
{
	int flags = c->readonly ? O_RDONLY : O_RDWR;
	struct stat st;
	int fd;

	if (!c->path || !c->path[0])
		return err_input(err, -EINVAL, "disk: empty path");
	if (c->cache == DISK_CACHE_NONE)
		flags |= O_DIRECT;
	/* Never follows into a FIFO or a tty and blocks. */
	fd = file_open(c->path, flags, FILE_REG | FILE_BLK, &st);
	if (fd == -FILE_EKIND)
		return err_input(
			err, -EINVAL,
			"disk %s: is %s, not a regular file or block device",
			c->path, file_kind_name(st.st_mode));
	if (fd < 0)
		return disk_open_err(c, -fd, err);
	d->fd = fd;
	d->direct = c->cache == DISK_CACHE_NONE;
	d->no_sync = c->cache == DISK_CACHE_UNSAFE;
	d->blockdev = S_ISBLK(st.st_mode);
	return 0;
}

static int disk_lock(struct disk *d, const struct disk_options *c,
		     struct err *err)
{
	char who[DISK_HOLDER_LEN];
	int ret = disk_lock_fd(d->fd, c->readonly);

	if (ret == -EBUSY) {
		disk_lock_holder(d->fd, who, sizeof(who));
		return err_input(err, ret, "disk %s: in use%s by %s", c->path,
				 c->readonly ? " read-write" : "", who);
	}
	if (ret)
		return err_input(err, ret, "disk %s: cannot lock: %s", c->path,
				 strerror(-ret));
	return 0;
}

/*
 * The format the image's first bytes claim ("qcow2", "vmdk"), or NULL for
 * none; -errno in *@ret when it cannot be read.
 */
static const char *disk_magic(struct disk *d, const struct disk_options *c,
			      int *ret, struct err *err)
{
	const char *fmt = NULL;
	void *buf;
	ssize_t n;

	*ret = 0;
	if (posix_memalign(&buf, DISK_PROBE_LEN, DISK_PROBE_LEN)) {
		*ret = err_host(err, -ENOMEM, "disk %s: out of memory",
				c->path);
		return NULL;
	}
	n = pread(d->fd, buf, DISK_PROBE_LEN, 0);
	if (n < 0)
		*ret = err_input(err, -errno, "disk %s: cannot read: %s",
				 c->path, strerror(errno));
	else if (n >= 4 && !memcmp(buf, QCOW2_MAGIC, 4))
		fmt = "qcow2";
	else if ((n >= 4 && !memcmp(buf, VMDK_SPARSE_MAGIC, 4)) ||
		 (n >= (ssize_t)strlen(VMDK_DESC_MAGIC) &&
		  !memcmp(buf, VMDK_DESC_MAGIC, strlen(VMDK_DESC_MAGIC))))
		fmt = "vmdk";
	free(buf);
	return fmt;
}

static const struct disk_ops *disk_format_ops(struct disk *d,
					      const struct disk_options *c,
					      struct err *err)
{
	const char *magic;
	int ret;

	switch (c->format) {
	case DISK_FMT_QCOW2:
		return &disk_qcow2_ops;
	case DISK_FMT_RAW:
		return &disk_raw_ops;
	case DISK_FMT_VMDK:
		return &disk_vmdk_ops;
	case DISK_FMT_UNSPECIFIED:
		break;
	}
	magic = disk_magic(d, c, &ret, err);
	if (ret)
		return NULL;
	if (magic) {
		err_input(
			err, -EINVAL,
			"disk %s: starts with the %s magic but no format was given; pass format=%s or format=raw",
			c->path, magic, magic);
		return NULL;
	}
	return &disk_raw_ops;
}

int disk_open(struct disk *d, const struct disk_options *c, struct err *err)
{
	const struct disk_ops *ops;
	int ret;

	const char *aio = getenv(DISK_AIO_ENV);

	memset(d, 0, sizeof(*d));
	d->fd = -1;
	d->event_fd = -1;
	d->readonly = c->readonly;
	d->aio_sync = c->sync_io || (aio && !strcmp(aio, "sync"));
	ret = disk_open_fd(d, c, err);
	if (ret)
		return ret;
	ret = disk_lock(d, c, err);
	if (ret)
		goto close_fd;
	ops = disk_format_ops(d, c, err);
	if (!ops) {
		ret = -EINVAL;
		goto close_fd;
	}
	ret = ops->open(d, c, err);
	if (ret)
		goto close_fd;
	d->ops = ops;
	return 0;

close_fd:
	close(d->fd); /* drops the OFD lock too */
	d->fd = -1;
	return ret;
}

void disk_close(struct disk *d)
{
	if (d->ops)
		d->ops->close(d);
	d->ops = NULL;
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
	d->event_fd = -1;
}

bool disk_uses_file(const struct disk *d, const struct stat *st)
{
	struct stat own;

	if (d->fd >= 0 && !fstat(d->fd, &own) && file_same(&own, st))
		return true;
	return d->ops && d->ops->uses_file && d->ops->uses_file(d, st);
}

int disk_block_status(struct disk *d, u64 off, u64 len, u64 *run, u32 *flags)
{
	if (off >= d->size || !len)
		return -EINVAL;
	len = MIN(len, d->size - off);
	if (!d->ops->block_status) {
		*run = len;
		*flags = 0;
		return 0;
	}
	return d->ops->block_status(d, off, len, run, flags);
}

static int disk_check(const struct disk *d, const struct disk_req *req)
{
	switch (req->op) {
	case DISK_OP_FLUSH:
		return 0;
	case DISK_OP_READ:
	case DISK_OP_WRITE:
		if (req->iovcnt <= 0 || req->iovcnt > IOV_MAX || !req->iov ||
		    iov_total(req->iov, req->iovcnt) != req->len)
			return -EINVAL;
		break;
	case DISK_OP_DISCARD:
	case DISK_OP_WRITE_ZEROES:
		break;
	default:
		return -EINVAL;
	}
	if (req->offset > d->size || req->len > d->size - req->offset)
		return -EINVAL;
	if (req->op != DISK_OP_READ && d->readonly)
		return -EROFS;
	return 0;
}

int disk_submit(struct disk *d, struct disk_req *req)
{
	int ret = disk_check(d, req);

	return ret ? ret : d->ops->submit(d, req);
}

void disk_kick(struct disk *d)
{
	d->ops->kick(d);
}

void disk_complete(struct disk *d)
{
	d->ops->complete(d);
}

struct disk_wait {
	bool done;
	int ret;
};

static void disk_wait_done(struct disk_req *req, int ret)
{
	struct disk_wait *w = req->opaque;

	w->ret = ret;
	w->done = true;
}

static int disk_submit_wait(struct disk *d, struct disk_req *req)
{
	struct pollfd p = { .fd = d->event_fd, .events = POLLIN };
	struct disk_wait w = { 0 };
	int ret;

	req->done = disk_wait_done;
	req->opaque = &w;
	ret = disk_submit(d, req);
	if (ret)
		return ret;
	disk_kick(d);
	while (!w.done) {
		if (p.fd >= 0 && poll(&p, 1, -1) < 0 && errno != EINTR)
			return -errno;
		disk_complete(d);
	}
	return w.ret;
}

int disk_rw_sync(struct disk *d, enum disk_op op, u64 offset, void *buf,
		 u64 len)
{
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct disk_req req = {
		.op = op,
		.offset = offset,
		.len = len,
		.iov = &iov,
		.iovcnt = 1,
	};

	if (op != DISK_OP_READ && op != DISK_OP_WRITE) {
		req.iov = NULL;
		req.iovcnt = 0;
	}
	return disk_submit_wait(d, &req);
}

int disk_flush_sync(struct disk *d)
{
	struct disk_req req = { .op = DISK_OP_FLUSH };

	return disk_submit_wait(d, &req);
}
