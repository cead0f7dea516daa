/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_IMG_TARGET_H
#define SQUEEZE_IMG_TARGET_H

#include <limits.h>
#include <sys/stat.h>

#include "vmm/base/err.h"

/*
 * The file `squeeze img create` makes, written all or nothing: the new
 * image goes to a temporary file beside the target and is renamed over it
 * only once complete and durable. A failure leaves no file behind and an
 * existing target untouched; an existing target that a VM has open (it
 * holds an OFD lock) is refused before anything is written.
 */
struct img_target {
	char path[PATH_MAX];	 /* the target, symlinks resolved */
	char tmp[PATH_MAX + 16]; /* the temporary file beside it */
	int fd;			 /* open on tmp, or -1 */
	int old_fd;		 /* the existing target, locked, or -1 */
	bool exists;
	bool no_sync;	 /* commit without fsync (img convert -t unsafe) */
	struct stat old; /* the existing target's stat */
};

/*
 * Resolve @file, refuse a target that is not a regular file, and create
 * the temporary file (t->fd). 0 or -errno with one line in @err (class
 * input: nothing was created).
 */
int img_target_open(struct img_target *t, const char *file, struct err *err);

/*
 * Write-lock an existing target until img_target_close(): refused (exit
 * 2, naming the holder) while a VM has it open. Take it after reading
 * the backing chain, which read-locks its files.
 */
int img_target_lock(struct img_target *t, struct err *err);

/*
 * Make t->fd durable (unless t->no_sync) and rename it over the target.
 * 0 or -errno.
 */
int img_target_commit(struct img_target *t, struct err *err);

/* Remove the temporary file (if any) and close everything. */
void img_target_close(struct img_target *t);

#endif
