// SPDX-License-Identifier: MIT
/* All-or-nothing image files for `squeeze img create` (img_target.h). */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "devices/block/disk.h"
#include "vmm/base/file.h"
#include "vmm/img/img_target.h"

/* The existing target must be a regular file we may write. */
static int check_existing(struct img_target *t, struct err *err)
{
	t->old_fd = file_open(t->path, O_RDWR, FILE_REG, &t->old);
	if (t->old_fd == -EISDIR || t->old_fd == -FILE_EKIND)
		return err_input(
			err, t->old_fd,
			"%s is %s; img create writes regular files only",
			t->path, file_kind_name(t->old.st_mode));
	if (t->old_fd < 0)
		return err_input(err, t->old_fd, "cannot create %s: %s",
				 t->path, strerror(-t->old_fd));
	t->exists = true;
	return 0;
}

int img_target_lock(struct img_target *t, struct err *err)
{
	char who[DISK_HOLDER_LEN];
	int ret;

	if (!t->exists)
		return 0;
	/* Held until the rename: no VM can open it in between. */
	ret = disk_lock_fd(t->old_fd, false);
	if (ret == -EBUSY) {
		disk_lock_holder(t->old_fd, who, sizeof(who));
		return err_input(err, ret, "%s is in use by %s", t->path, who);
	}
	if (ret)
		return err_input(err, ret, "cannot lock %s: %s", t->path,
				 strerror(-ret));
	return 0;
}

static int resolve(struct img_target *t, const char *file, struct err *err)
{
	struct stat st;

	/* Through a symlink, as an open() would: replace what it names. */
	if (lstat(file, &st) == 0 && S_ISLNK(st.st_mode)) {
		if (!realpath(file, t->path))
			return err_input(err, -errno, "cannot create %s: %s",
					 file, strerror(errno));
	} else if (snprintf(t->path, sizeof(t->path), "%s", file) >=
		   (int)sizeof(t->path)) {
		return err_input(err, -ENAMETOOLONG, "%s: name too long", file);
	}
	if (stat(t->path, &st) == 0)
		return check_existing(t, err);
	if (errno != ENOENT)
		return err_input(err, -errno, "cannot create %s: %s", t->path,
				 strerror(errno));
	return 0;
}

int img_target_open(struct img_target *t, const char *file, struct err *err)
{
	char dir[PATH_MAX];
	mode_t mask;
	int ret;

	memset(t, 0, sizeof(*t));
	t->fd = t->old_fd = -1;
	ret = resolve(t, file, err);
	if (ret)
		return ret;
	snprintf(dir, sizeof(dir), "%s", t->path);
	snprintf(t->tmp, sizeof(t->tmp), "%s/.img-XXXXXX", dirname(dir));
	t->fd = mkostemp(t->tmp, O_CLOEXEC);
	if (t->fd < 0) {
		ret = -errno;
		t->tmp[0] = '\0';
		return err_input(err, ret, "cannot create %s: %s", t->path,
				 strerror(-ret));
	}
	/* The mode an open(O_CREAT, 0644) would give, or the old file's. */
	mask = umask(0);
	umask(mask);
	if (fchmod(t->fd, t->exists ? t->old.st_mode & 07777 : 0644 & ~mask))
		return err_host(err, -errno, "%s: chmod: %s", t->tmp,
				strerror(errno));
	if (t->exists && !geteuid() &&
	    fchown(t->fd, t->old.st_uid, t->old.st_gid))
		return err_host(err, -errno, "%s: chown: %s", t->tmp,
				strerror(errno));
	return 0;
}

int img_target_commit(struct img_target *t, struct err *err)
{
	char dir[PATH_MAX];
	int dfd;

	if (!t->no_sync && fsync(t->fd))
		return err_host(err, -errno, "%s: %s", t->path,
				strerror(errno));
	if (rename(t->tmp, t->path))
		return err_host(err, -errno, "cannot rename %s to %s: %s",
				t->tmp, t->path, strerror(errno));
	t->tmp[0] = '\0';
	if (t->no_sync)
		return 0;
	/* The new name durable too. */
	snprintf(dir, sizeof(dir), "%s", t->path);
	dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
}

void img_target_close(struct img_target *t)
{
	if (t->tmp[0])
		unlink(t->tmp);
	t->tmp[0] = '\0';
	if (t->fd >= 0)
		close(t->fd);
	if (t->old_fd >= 0)
		close(t->old_fd);
	t->fd = t->old_fd = -1;
}
