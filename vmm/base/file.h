/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_FILE_H
#define SQUEEZE_FILE_H

#include <sys/stat.h>

#include "vmm/base/types.h"

/*
 * Opening the files a user names (kernels, images, backing files, logs)
 * without ever blocking, and their sizes. A FIFO or a tty named where a
 * file is expected must give an error line, not an open() that waits for
 * a writer forever while signals are blocked.
 */

/* Kinds of file an opener accepts (a mask). */
#define FILE_REG  (1U << 0)
#define FILE_BLK  (1U << 1)
#define FILE_CHR  (1U << 2)
#define FILE_FIFO (1U << 3)

/* file_open() found a file of a kind the caller does not accept. */
#define FILE_EKIND EMEDIUMTYPE

/*
 * open(@path, @flags) with O_NONBLOCK and O_CLOEXEC added, so that it
 * returns at once whatever @path is; then the file must be one of @kinds
 * (its stat in @st), and O_NONBLOCK is cleared again unless @flags asked
 * for it. Returns the fd or -errno: -EISDIR for a directory, -FILE_EKIND
 * for another kind not in @kinds, -ENXIO for a FIFO opened for writing
 * that has no reader.
 */
int file_open(const char *path, int flags, unsigned int kinds, struct stat *st);

/* "a directory", "a FIFO", "a socket", ...: what @mode is, for messages. */
const char *file_kind_name(mode_t mode);

/*
 * The size in bytes of the open file @fd whose stat is @st: st_size, or
 * for a block device (whose st_size is 0) what BLKGETSIZE64 says. The one
 * way squeeze reads the size of a disk, a backing file or an image.
 */
int file_size(int fd, const struct stat *st, u64 *size);

/* Same file: the same (st_dev, st_ino). */
static inline bool file_same(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

#endif
