// SPDX-License-Identifier: MIT
/*
 * What PID 1 does in the guest before the command runs: the pseudo file
 * systems, the kernel modules in the order the spec lists them, and the
 * root: a virtio-fs share mounted read-only under a tmpfs overlay, so
 * the command can write anywhere and the host sees none of it, plus the
 * read-write shares (--fs, the working directory) at their paths.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "init.h"

#define NEWROOT "/newroot"

static int fail(char *line, size_t len, const char *what, const char *arg)
{
	snprintf(line, len, "fail %s %s: %s\n", what, arg, strerror(errno));
	return -1;
}

static int mnt(const char *src, const char *dst, const char *type,
	       unsigned long flags, const char *data, char *line, size_t len)
{
	mkdir(dst, 0755);
	if (mount(src, dst, type, flags, data) < 0)
		return fail(line, len, "mount", dst);
	return 0;
}

/* mkdir -p, for a share's mount point inside the overlay. */
static void mkdirs(char *path)
{
	char *s;

	for (s = path + 1; (s = strchr(s, '/')); s++) {
		*s = 0;
		mkdir(path, 0755);
		*s = '/';
	}
	mkdir(path, 0755);
}

static int load_modules(const struct init_spec *s, char *line, size_t len)
{
	unsigned int i;
	int fd, r;

	for (i = 0; i < s->nr_modules; i++) {
		fd = open(s->modules[i], O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return fail(line, len, "open module", s->modules[i]);
		r = syscall(SYS_finit_module, fd, "", 0);
		close(fd);
		if (r < 0 && errno != EEXIST)
			return fail(line, len, "load module", s->modules[i]);
	}
	return 0;
}

static int overlay_root(const struct init_spec *s, char *line, size_t len)
{
	static const char *const moved[] = { "/proc", "/sys", "/dev" };
	char dst[4096];
	unsigned int i;

	if (mnt(s->root_tag, "/lower", "virtiofs", MS_RDONLY, NULL, line,
		len) ||
	    mnt("rw", "/rw", "tmpfs", 0, "mode=0755", line, len))
		return -1;
	mkdir("/rw/upper", 0755);
	mkdir("/rw/work", 0755);
	if (mnt("overlay", NEWROOT, "overlay", 0,
		"lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work", line,
		len))
		return -1;
	for (i = 0; i < 3; i++) {
		snprintf(dst, sizeof(dst), NEWROOT "%s", moved[i]);
		if (mnt(moved[i], dst, NULL, MS_MOVE, NULL, line, len))
			return -1;
	}
	for (i = 0; i < s->nr_mounts; i++) {
		snprintf(dst, sizeof(dst), NEWROOT "%s", s->mounts[i].path);
		mkdirs(dst);
		if (mnt(s->mounts[i].tag, dst, "virtiofs",
			s->mounts[i].readonly ? MS_RDONLY : 0, NULL, line, len))
			return -1;
	}
	/* switch_root: the initramfs cannot be pivoted away, only covered. */
	if (chdir(NEWROOT) < 0 || mount(".", "/", NULL, MS_MOVE, NULL) < 0 ||
	    chroot(".") < 0 || chdir("/") < 0)
		return fail(line, len, "switch to", "the new root");
	return 0;
}

/*
 * Each step says so on the kernel's console: what a post-mortem shows of
 * a guest that hangs on its way to the command.
 */
int guest_setup(const struct init_spec *s, char *line, size_t len)
{
	if (mnt("proc", "/proc", "proc", 0, NULL, line, len) ||
	    mnt("sysfs", "/sys", "sysfs", 0, NULL, line, len) ||
	    mnt("devtmpfs", "/dev", "devtmpfs", 0, NULL, line, len) ||
	    mnt("tmpfs", "/tmp", "tmpfs", 0, "mode=1777", line, len))
		return -1;
	fprintf(stderr, "squeeze-init: loading %u modules\n", s->nr_modules);
	if (load_modules(s, line, len))
		return -1;
	if (!s->root_tag)
		return 0;
	fprintf(stderr, "squeeze-init: mounting the root (virtio-fs %s)\n",
		s->root_tag);
	return overlay_root(s, line, len);
}
