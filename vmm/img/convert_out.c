// SPDX-License-Identifier: MIT
/*
 * Writers for `img convert` (convert.h): a sparse raw file written with
 * pwrite(); a qcow2 image made by the engine's create and filled through
 * the disk layer (clusters allocated in host-contiguous runs, written by
 * io_uring); or, with -c, filled cluster by cluster through the engine's
 * compressed-write path.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "devices/block/qcow2/qcow2.h"
#include "vmm/base/fileio.h"
#include "vmm/img/convert.h"

#define RAW_GRAIN (4 * KiB)

struct cv_writer {
	struct cv_target t;
	int fd;		  /* raw */
	struct disk disk; /* qcow2 */
	bool disk_open;
	struct qcow2 *q; /* qcow2 -c */
	struct qcow2_packer *packer;
	u8 *pad; /* -c: the last, partial cluster */
};

static int open_qcow2(struct cv_writer *w, int fd, const char *path,
		      struct err *err)
{
	struct qcow2_create_opts o = {
		.size = w->t.size,
		.cluster_bits = __builtin_ctzll(w->t.cluster_size),
		.version = w->t.version,
		.no_sync = w->t.no_sync,
	};
	struct disk_options dopt = {
		.path = path,
		.format = DISK_FMT_QCOW2,
		.cache =
			w->t.no_sync ? DISK_CACHE_UNSAFE : DISK_CACHE_WRITEBACK,
		.sync_io = true, /* the copy loop writes one run at a time */
	};
	struct qcow2_policy no_backing = { .backing_off = true,
					   .no_sync = w->t.no_sync };
	int ret;

	ret = qcow2_create_fd(fd, &o, err);
	if (ret)
		return ret;
	if (!w->t.compress) {
		ret = disk_open(&w->disk, &dopt, err);
		w->disk_open = !ret;
		return ret;
	}
	ret = qcow2_open_image(&w->q, path, true, &no_backing, 0, NULL, 0, err);
	if (!ret)
		ret = qcow2_packer_new(w->q, &w->packer);
	if (!ret && !(w->pad = malloc(w->t.cluster_size)))
		ret = -ENOMEM;
	if (ret == -ENOMEM)
		return err_host(err, ret, "out of memory");
	return ret;
}

int cv_writer_open(struct cv_writer **out, int fd, const char *path,
		   const struct cv_target *t, struct err *err)
{
	struct cv_writer *w = calloc(1, sizeof(*w));
	int ret = 0;

	if (!w)
		return err_host(err, -ENOMEM, "out of memory");
	w->t = *t;
	w->fd = fd;
	if (t->fmt == CV_QCOW2)
		ret = open_qcow2(w, fd, path, err);
	else if (ftruncate(fd, t->size))
		ret = err_host(err, -errno, "cannot size %s: %s", path,
			       strerror(errno));
	if (ret) {
		cv_writer_close(w);
		return ret;
	}
	*out = w;
	return 0;
}

u64 cv_writer_grain(const struct cv_writer *w)
{
	return w->t.fmt == CV_QCOW2 ? w->t.cluster_size : RAW_GRAIN;
}

static int write_compressed(struct cv_writer *w, u64 off, const u8 *buf,
			    u64 len)
{
	u64 cs = w->t.cluster_size, n;
	int ret;

	for (; len; off += n, buf += n, len -= n) {
		n = MIN(len, cs);
		if (n < cs) { /* the end of the disk */
			memcpy(w->pad, buf, n);
			memset(w->pad + n, 0, cs - n);
		}
		ret = qcow2_write_compressed(w->packer, off,
					     n < cs ? w->pad : buf);
		if (ret)
			return ret;
	}
	return 0;
}

int cv_writer_write(struct cv_writer *w, u64 off, const void *buf, u64 len)
{
	if (w->t.fmt == CV_RAW)
		return pwrite_full(w->fd, buf, len, off);
	if (w->t.compress)
		return write_compressed(w, off, buf, len);
	return disk_rw_sync(&w->disk, DISK_OP_WRITE, off, (void *)buf, len);
}

int cv_writer_finish(struct cv_writer *w)
{
	if (w->t.fmt == CV_RAW)
		return 0; /* img_target_commit() syncs the file */
	if (w->t.compress)
		return qcow2_flush(w->q);
	return disk_flush_sync(&w->disk);
}

void cv_writer_close(struct cv_writer *w)
{
	if (!w)
		return;
	if (w->disk_open)
		disk_close(&w->disk);
	qcow2_packer_free(w->packer);
	if (w->q)
		qcow2_close_image(w->q);
	free(w->pad);
	free(w);
}
