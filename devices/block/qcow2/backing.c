// SPDX-License-Identifier: MIT
/*
 * Backing files: qcow2 or raw, always read-only, chains bounded in depth
 * and checked for loops by (device, inode).
 *
 * The format of a backing file is never guessed from its content: it is
 * the one recorded in the image's backing-format extension. Without that
 * extension the backing file is raw, unless it starts with the qcow2
 * magic, in which case the open is refused (the user records the format
 * with `qemu-img rebase -u -F FMT`). Reading the magic can only make us
 * refuse, never make us follow a backing name written into a raw file a
 * guest could control.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "devices/block/disk.h"
#include "devices/block/qcow2/qcow2.h"
#include "vmm/base/err.h"
#include "vmm/base/file.h"
#include "vmm/base/log.h"

struct qcow2_backing {
	int fd;		 /* raw only; -1 for qcow2 */
	struct stat st;	 /* raw only: its identity */
	struct qcow2 *q; /* qcow2 only */
	u64 size;
};

int qcow2_backing_path(const char *image, const char *name, char *out,
		       size_t len)
{
	const char *slash = strrchr(image, '/');
	int n;

	if (name[0] == '/' || !slash)
		n = snprintf(out, len, "%s", name);
	else
		n = snprintf(out, len, "%.*s/%s", (int)(slash - image), image,
			     name);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int qcow2_open_file(const char *path, const char *what, bool writable,
		    struct stat *st, u64 *size, struct err *err)
{
	char who[DISK_HOLDER_LEN];
	int fd, ret;

	fd = file_open(path, writable ? O_RDWR : O_RDONLY, FILE_REG | FILE_BLK,
		       st);
	if (fd == -EISDIR || fd == -FILE_EKIND)
		return err_input(
			err, fd,
			"qcow2 %s: %s is %s, not a regular file or block device",
			path, what, file_kind_name(st->st_mode));
	if (fd < 0)
		return err_input(err, fd, "qcow2 %s: cannot open %s: %s", path,
				 what, strerror(-fd));
	ret = writable ? 0 : disk_lock_fd(fd, true);
	if (ret == -EBUSY) {
		disk_lock_holder(fd, who, sizeof(who));
		ret = err_input(
			err, ret,
			"qcow2 %s: %s in use by %s, which has it open read-write",
			path, what, who);
	} else if (ret) {
		ret = err_input(err, ret, "qcow2 %s: cannot lock %s: %s", path,
				what, strerror(-ret));
	} else {
		ret = file_size(fd, st, size);
		if (ret)
			err_input(err, ret, "qcow2 %s: size of %s: %s", path,
				  what, strerror(-ret));
	}
	if (ret) {
		close(fd);
		return ret;
	}
	return fd;
}

int qcow2_backing_allowed(const char *name, const char *path,
			  const struct qcow2_policy *pol, char *out,
			  struct err *err)
{
	return disk_name_allowed("qcow2", "backing file", name, path,
				 pol ? pol->backing_dir : NULL, out, err);
}

int disk_qcow2_backing(const char *image, struct disk_backing_info *b,
		       struct err *err)
{
	struct qcow2_header h;
	struct stat st;
	u8 magic[4];
	u64 size;
	int fd, ret;

	memset(b, 0, sizeof(*b));
	fd = file_open(image, O_RDONLY, FILE_REG | FILE_BLK, &st);
	if (fd == -EISDIR || fd == -FILE_EKIND)
		return err_input(err, fd, "%s is %s, not an image", image,
				 file_kind_name(st.st_mode));
	if (fd < 0)
		return err_input(err, fd, "cannot open %s: %s", image,
				 strerror(-fd));
	ret = file_size(fd, &st, &size);
	if (!ret && size >= sizeof(magic))
		ret = qcow2_pread_full(fd, magic, sizeof(magic), 0);
	if (ret)
		ret = err_input(err, ret, "cannot read %s: %s", image,
				strerror(-ret));
	else if (size < sizeof(magic) || qcow2_get32(magic) != QCOW2_MAGIC)
		ret = err_input(err, -EINVAL, "%s is not a qcow2 image", image);
	else
		ret = qcow2_read_header(fd, &h, size, err);
	close(fd);
	if (ret)
		return ret;
	snprintf(b->name, sizeof(b->name), "%s", h.backing_name);
	snprintf(b->format, sizeof(b->format), "%s", h.backing_fmt);
	if (h.backing_name[0] &&
	    qcow2_backing_path(image, h.backing_name, b->path, sizeof(b->path)))
		return err_input(err, -ENAMETOOLONG,
				 "%s: backing file name too long", image);
	return 0;
}

static int open_raw(struct qcow2_backing *b, const char *path,
		    const struct stat *chain, unsigned int nchain,
		    struct err *err)
{
	b->fd = qcow2_open_file(path, "backing file", false, &b->st, &b->size,
				err);
	if (b->fd < 0)
		return b->fd;
	return qcow2_check_chain(&b->st, chain, nchain, path, err);
}

/* No recorded format: raw, unless it would have to be guessed as qcow2. */
static int refuse_qcow2_magic(int fd, const char *path, struct err *err)
{
	u8 magic[4];

	if (pread(fd, magic, 4, 0) == 4 && qcow2_get32(magic) == QCOW2_MAGIC)
		return err_input(
			err, -EINVAL,
			"qcow2: backing file %s looks like qcow2 but the image records no backing format; record it with qemu-img rebase -u -F qcow2 -b %s",
			path, path);
	return 0;
}

int qcow2_backing_open(struct qcow2 *q, const char *image,
		       const struct qcow2_policy *pol, unsigned int depth,
		       const struct stat *chain, unsigned int nchain,
		       struct err *err)
{
	const char *fmt = q->h.backing_fmt;
	struct qcow2_backing *b;
	char path[PATH_MAX], real[PATH_MAX];
	int ret;

	if (depth + 1 >= QCOW2_MAX_CHAIN)
		return err_input(err, -ELOOP,
				 "qcow2: backing chain longer than %d",
				 QCOW2_MAX_CHAIN);
	if (qcow2_backing_path(image, q->h.backing_name, path, sizeof(path)))
		return err_input(err, -ENAMETOOLONG,
				 "qcow2: backing file name too long");
	ret = qcow2_backing_allowed(q->h.backing_name, path, pol, real, err);
	if (ret)
		return ret;
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->fd = -1;
	if (!strcmp(fmt, "qcow2")) {
		ret = qcow2_open_image(&b->q, real, false, pol, depth + 1,
				       chain, nchain, err);
		if (!ret)
			b->size = b->q->h.size;
	} else if (!strcmp(fmt, "raw") || !fmt[0]) {
		ret = open_raw(b, real, chain, nchain, err);
		if (!ret && !fmt[0])
			ret = refuse_qcow2_magic(b->fd, real, err);
	} else {
		ret = err_input(err, -ENOTSUP,
				"qcow2: backing format '%s' not supported",
				fmt);
	}
	if (ret) {
		qcow2_backing_close(b);
		return ret;
	}
	q->backing = b;
	return 0;
}

bool qcow2_chain_has(const struct qcow2 *q, const struct stat *st)
{
	const struct qcow2_backing *b;

	for (; q; q = b->q) {
		if (file_same(&q->st, st))
			return true;
		b = q->backing;
		if (!b)
			return false;
		if (!b->q)
			return file_same(&b->st, st);
	}
	return false;
}

int qcow2_backing_read(struct qcow2_backing *b, u64 off, void *buf, u64 len)
{
	u64 n = 0;
	int ret = 0;

	if (off < b->size)
		n = MIN(len, b->size - off);
	if (n && b->q)
		ret = qcow2_read_sync(b->q, off, buf, n);
	else if (n)
		ret = qcow2_pread_full(b->fd, buf, n, off);
	if (ret)
		return ret;
	memset((u8 *)buf + n, 0, len - n);
	return 0;
}

u64 qcow2_backing_size(const struct qcow2_backing *b)
{
	return b->size;
}

int qcow2_backing_status(struct qcow2_backing *b, u64 off, u64 len, u64 *run,
			 u32 *flags)
{
	if (off >= b->size) {
		*run = len;
		*flags = DISK_ST_HOLE | DISK_ST_ZERO;
		return 0;
	}
	len = MIN(len, b->size - off);
	if (b->q)
		return qcow2_block_status(b->q, off, len, run, flags);
	return disk_file_status(b->fd, b->size, off, len, run, flags);
}

void qcow2_backing_close(struct qcow2_backing *b)
{
	if (!b)
		return;
	if (b->q)
		qcow2_close_image(b->q);
	if (b->fd >= 0)
		close(b->fd);
	free(b);
}
