/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_FILEIO_H
#define SQUEEZE_FILEIO_H

#include "vmm/base/types.h"

/*
 * Whole reads and writes at an offset, retried on EINTR and short
 * transfers. A read that reaches the end of the file fills the rest of
 * @buf with zeros (image formats read past the end as zeros); a write
 * that makes no progress is -EIO. 0 or -errno.
 */
int pread_full(int fd, void *buf, u64 len, u64 off);
int pwrite_full(int fd, const void *buf, u64 len, u64 off);

#endif
