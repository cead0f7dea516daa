/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_IMG_OUT_H
#define SQUEEZE_IMG_OUT_H

#include <limits.h>

#include "vmm/base/err.h"

/*
 * The file an img command writes, all or nothing: a temporary file beside
 * the target, renamed over it only once complete and durable. A failure
 * (or a signal) leaves no file behind and an existing target untouched.
 * An existing target that a running VM has open (it holds the OFD lock)
 * is refused before anything is written, and stays locked until the
 * rename, so no VM can open it in between.
 */
struct img_out {
	char path[PATH_MAX];		/* the target */
	char tmp[PATH_MAX + 16];	/* the temporary file beside it */
	int fd;				/* open on tmp, or -1 */
	int old_fd;			/* the existing target, locked, or -1 */
};

/* 0 or -errno with one line in @err (class input: nothing made). */
int img_out_open(struct img_out *o, const char *path, struct err *err);
/* Make the temporary file durable and rename it over the target. */
int img_out_commit(struct img_out *o, struct err *err);
/* Remove the temporary file if it is still there; close everything. */
void img_out_close(struct img_out *o);

#endif
