// SPDX-License-Identifier: MIT
/* All-or-nothing output files for the img commands (img_out.h). */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "devices/block/disk.h"
#include "vmm/img/img_out.h"

static int lock_existing(struct img_out *o, struct err *err)
{
	struct stat st;
	int ret;

	o->old_fd = open(o->path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (o->old_fd < 0 && errno == ENOENT)
		return 0;
	if (o->old_fd < 0)
		return err_input(err, -errno, "cannot write %s: %s", o->path,
				 strerror(errno));
	if (fstat(o->old_fd, &st) || !S_ISREG(st.st_mode))
		return err_input(err, -EINVAL,
				 "%s exists and is not a regular file", o->path);
	ret = disk_lock_fd(o->old_fd, false);
	if (ret == -EBUSY)
		return err_input(err, ret,
				 "%s is in use by a running VM (it holds the image's lock)",
				 o->path);
	return ret ? err_input(err, ret, "cannot lock %s", o->path) : 0;
}

int img_out_open(struct img_out *o, const char *path, struct err *err)
{
	char dir[PATH_MAX];
	mode_t mask;
	int ret;

	memset(o, 0, sizeof(*o));
	o->fd = o->old_fd = -1;
	if (snprintf(o->path, sizeof(o->path), "%s", path) >=
	    (int)sizeof(o->path))
		return err_input(err, -ENAMETOOLONG, "%s: name too long", path);
	ret = lock_existing(o, err);
	if (ret)
		return ret;
	snprintf(dir, sizeof(dir), "%s", o->path);
	snprintf(o->tmp, sizeof(o->tmp), "%s/.img-XXXXXX", dirname(dir));
	o->fd = mkostemp(o->tmp, O_CLOEXEC);
	if (o->fd < 0) {
		ret = -errno;
		o->tmp[0] = '\0';
		return err_input(err, ret, "cannot create %s: %s", o->path,
				 strerror(-ret));
	}
	mask = umask(0);
	umask(mask);
	if (fchmod(o->fd, 0644 & ~mask))
		return err_host(err, -errno, "%s: %s", o->tmp, strerror(errno));
	return 0;
}

int img_out_commit(struct img_out *o, struct err *err)
{
	char dir[PATH_MAX];
	int dfd;

	if (fsync(o->fd))
		return err_host(err, -errno, "%s: %s", o->path,
				strerror(errno));
	if (rename(o->tmp, o->path))
		return err_host(err, -errno, "cannot rename %s to %s: %s",
				o->tmp, o->path, strerror(errno));
	o->tmp[0] = '\0';
	snprintf(dir, sizeof(dir), "%s", o->path);
	dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
}

void img_out_close(struct img_out *o)
{
	if (o->tmp[0])
		unlink(o->tmp);
	o->tmp[0] = '\0';
	if (o->fd >= 0)
		close(o->fd);
	if (o->old_fd >= 0)
		close(o->old_fd);
	o->fd = o->old_fd = -1;
}
