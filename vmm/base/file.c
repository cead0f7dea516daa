// SPDX-License-Identifier: MIT
/* Non-blocking, type-checked opens and file sizes (see vmm/base/file.h). */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vmm/base/file.h"

static unsigned int file_kind(mode_t mode)
{
	if (S_ISREG(mode))
		return FILE_REG;
	if (S_ISBLK(mode))
		return FILE_BLK;
	if (S_ISCHR(mode))
		return FILE_CHR;
	if (S_ISFIFO(mode))
		return FILE_FIFO;
	return 0;
}

const char *file_kind_name(mode_t mode)
{
	if (S_ISREG(mode))
		return "a regular file";
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISBLK(mode))
		return "a block device";
	if (S_ISCHR(mode))
		return "a character device";
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISSOCK(mode))
		return "a socket";
	return "a special file";
}

int file_open(const char *path, int flags, unsigned int kinds, struct stat *st)
{
	int fd, fl, ret;

	fd = open(path, flags | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, st) < 0) {
		ret = -errno;
		goto close_fd;
	}
	if (!(file_kind(st->st_mode) & kinds)) {
		ret = S_ISDIR(st->st_mode) ? -EISDIR : -FILE_EKIND;
		goto close_fd;
	}
	if (flags & O_NONBLOCK)
		return fd;
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
		ret = -errno;
		goto close_fd;
	}
	return fd;
close_fd:
	close(fd);
	return ret;
}

int file_size(int fd, const struct stat *st, u64 *size)
{
	if (!S_ISBLK(st->st_mode)) {
		*size = st->st_size;
		return 0;
	}
	if (ioctl(fd, BLKGETSIZE64, size) < 0)
		return -errno;
	return 0;
}
