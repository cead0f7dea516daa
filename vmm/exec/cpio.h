/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_EXEC_CPIO_H
#define SQUEEZE_EXEC_CPIO_H

#include <sys/stat.h>

#include "vmm/base/membuf.h"

/*
 * An initramfs in memory: the "newc" cpio format the kernel unpacks
 * (Linux Documentation/driver-api/early-userspace/buffer-format.rst):
 * per entry a 110-byte ASCII header of hex fields, the name with its NUL,
 * the data, each padded to 4 bytes; "TRAILER!!!" ends it. Owner root,
 * mtime 0, so the same inputs always give the same bytes.
 */
struct cpio {
	struct membuf buf;
	unsigned int ino;
};

/* @mode carries the type: S_IFREG, S_IFDIR, S_IFCHR (with @rdev). */
int cpio_add(struct cpio *c, const char *name, mode_t mode, const void *data,
	     size_t len, dev_t rdev);
int cpio_finish(struct cpio *c);

#endif
