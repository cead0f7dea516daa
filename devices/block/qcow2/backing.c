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

#include "devices/block/qcow2/qcow2.h"
#include "vmm/base/err.h"
#include "vmm/base/log.h"

struct qcow2_backing {
	int fd;				/* raw only; -1 for qcow2 */
	struct qcow2 *q;		/* qcow2 only */
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

static int open_raw(struct qcow2_backing *b, const char *path,
		    const struct stat *chain, unsigned int nchain, struct err *err)
{
	struct stat st;
	int ret;

	b->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (b->fd < 0)
		return err_input(err, -errno,
				 "qcow2: cannot open backing file %s: %s", path,
				 strerror(errno));
	if (fstat(b->fd, &st))
		return err_input(err, -errno, "qcow2: stat %s: %s", path,
				 strerror(errno));
	ret = qcow2_check_chain(&st, chain, nchain, path, err);
	if (ret)
		return ret;
	b->size = st.st_size;
	return 0;
}

/* No recorded format: raw, unless it would have to be guessed as qcow2. */
static int refuse_qcow2_magic(int fd, const char *path, struct err *err)
{
	u8 magic[4];

	if (pread(fd, magic, 4, 0) == 4 && qcow2_get32(magic) == QCOW2_MAGIC)
		return err_input(err, -EINVAL,
				 "qcow2: backing file %s looks like qcow2 but the image records no backing format; record it with qemu-img rebase -u -F qcow2 -b %s",
				 path, path);
	return 0;
}

int qcow2_backing_open(struct qcow2 *q, const char *image,
		       unsigned int depth, const struct stat *chain,
		       unsigned int nchain, struct err *err)
{
	const char *fmt = q->h.backing_fmt;
	struct qcow2_backing *b;
	char path[PATH_MAX];
	int ret;

	if (depth + 1 >= QCOW2_MAX_CHAIN)
		return err_input(err, -ELOOP,
				 "qcow2: backing chain longer than %d",
				 QCOW2_MAX_CHAIN);
	if (qcow2_backing_path(image, q->h.backing_name, path, sizeof(path)))
		return err_input(err, -ENAMETOOLONG,
				 "qcow2: backing file name too long");
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->fd = -1;
	if (!strcmp(fmt, "qcow2")) {
		ret = qcow2_open_image(&b->q, path, false, false, depth + 1,
				       chain, nchain, err);
		if (!ret)
			b->size = b->q->h.size;
	} else if (!strcmp(fmt, "raw") || !fmt[0]) {
		ret = open_raw(b, path, chain, nchain, err);
		if (!ret && !fmt[0])
			ret = refuse_qcow2_magic(b->fd, path, err);
	} else {
		ret = err_input(err, -ENOTSUP,
				"qcow2: backing format '%s' not supported", fmt);
	}
	if (ret) {
		qcow2_backing_close(b);
		return ret;
	}
	q->backing = b;
	return 0;
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
