/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_IMG_CONVERT_H
#define SQUEEZE_IMG_CONVERT_H

#include <signal.h>

#include "devices/block/disk.h"
#include "vmm/base/err.h"

/*
 * The two halves of `squeeze img convert`: writers that fill a new image
 * file (convert_out.c) and the copy loop that feeds them only what the
 * source holds (convert_copy.c). The new image starts all zeros, so
 * ranges that read as zeros are never written: they stay holes in a raw
 * file and unallocated clusters in a qcow2 image.
 */

enum cv_format { CV_RAW, CV_QCOW2 };

struct cv_target {
	enum cv_format fmt;
	u64 size;	  /* virtual size, a multiple of 512 */
	u64 cluster_size; /* qcow2 */
	u32 version;	  /* qcow2: 2 or 3 */
	bool compress;	  /* qcow2: -c */
	bool no_sync;	  /* -t unsafe: nothing made durable */
};

struct cv_writer;

/*
 * Make the new image in the file @fd (empty, at @path): a raw file of
 * t->size bytes, or a qcow2 image opened for writing. 0 or -errno.
 */
int cv_writer_open(struct cv_writer **out, int fd, const char *path,
		   const struct cv_target *t, struct err *err);
/* Bytes [off, off + len): aligned to cv_writer_grain() but at the end. */
int cv_writer_write(struct cv_writer *w, u64 off, const void *buf, u64 len);
/* Everything written durable (qcow2: its metadata written back). */
int cv_writer_finish(struct cv_writer *w);
void cv_writer_close(struct cv_writer *w);
/* The unit in which zeros are skipped: 4 KiB for raw, a qcow2 cluster. */
u64 cv_writer_grain(const struct cv_writer *w);

struct cv_copy {
	struct disk *src;
	struct cv_writer *w;
	u64 size;	      /* of the new image */
	bool progress;	      /* -p on a tty: stdout */
	const sigset_t *stop; /* pending signals that stop it */
	u64 written;	      /* out: bytes of data written */
};

/* Copy the source into the writer: 0, -EINTR on a signal, or -errno. */
int cv_copy_run(struct cv_copy *c, struct err *err);

#endif
