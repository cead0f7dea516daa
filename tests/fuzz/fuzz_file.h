/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_FUZZ_FILE_H
#define SQUEEZE_FUZZ_FILE_H

/*
 * For targets whose input is a whole file (a kernel, a qcow2 image): the
 * input in a memfd, named by a path the code under test can open.
 */
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vmm/base/types.h"

/* The memfd holding @data, its path in @path; -1 if none could be made. */
static inline int fuzz_memfd(const char *name, const u8 *data, size_t size,
			     char *path, size_t len)
{
	int fd = memfd_create(name, 0);

	if (fd < 0)
		return -1;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return -1;
	}
	snprintf(path, len, "/proc/self/fd/%d", fd);
	return fd;
}

#endif
