/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_IMG_UTIL_H
#define SQUEEZE_IMG_UTIL_H

#include <stdio.h>

#include "devices/block/disk.h"
#include "vmm/base/err.h"
#include "vmm/base/types.h"

/* What the `squeeze img` commands share: options, JSON, opening files. */

/* "    \"key\": \"value\"," with JSON escaping; no comma when @last. */
void img_json_str(FILE *f, const char *key, const char *s, bool last);

/* -o cluster_size=N,compat=0.10|1.1 (strtok'ed in place): 0 or 2. */
int img_parse_qcow2_opts(char *opts, u64 *cluster_size, u32 *version);

/* "squeeze img: " + the message, on stderr; returns @status. */
int img_fail(int status, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Open @path (a regular file or block device, never blocking on a FIFO)
 * and take the OFD lock a running VM takes: a read lock when @readonly,
 * else a write lock. -EBUSY in @err says "in use by a running VM".
 * Returns the fd or -errno with one line in @err.
 */
int img_open_locked(const char *path, bool readonly, struct err *err);

/* 1 when @fd's file starts with the qcow2 magic, 0 when not, or -errno. */
int img_has_qcow2_magic(int fd);

/*
 * disk_open() for the img commands with @o's path, format, read-only and
 * backing-dir: the format is never guessed, and a file whose first bytes
 * claim one (qcow2, vmdk) without -f is refused with a line naming -f;
 * a vmdk image only read-only. 0 or -errno with one line in @err.
 */
int img_disk_open(struct disk *d, const struct disk_options *o,
		  struct err *err);

#endif
