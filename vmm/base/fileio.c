// SPDX-License-Identifier: MIT
/* Whole reads and writes at an offset (vmm/base/fileio.h). */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "vmm/base/fileio.h"

int pread_full(int fd, void *buf, u64 len, u64 off)
{
	u8 *p = buf;

	while (len) {
		ssize_t n = pread(fd, p, len, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0) {
			memset(p, 0, len);
			return 0;
		}
		p += n;
		off += n;
		len -= n;
	}
	return 0;
}

int pwrite_full(int fd, const void *buf, u64 len, u64 off)
{
	const u8 *p = buf;

	while (len) {
		ssize_t n = pwrite(fd, p, len, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		p += n;
		off += n;
		len -= n;
	}
	return 0;
}
