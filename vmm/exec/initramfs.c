// SPDX-License-Identifier: MIT
/* The exec initramfs, in memory (vmm/exec/initramfs.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "vmm/exec/cpio.h"
#include "vmm/exec/initramfs.h"
#include "vmm/exec/modules.h"

#define MODULE_MAX (64 * MiB)

static int add_file(struct cpio *c, const char *name, const char *path,
		    struct err *err)
{
	struct stat st;
	void *data;
	ssize_t n;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_input(err, -errno, "exec: %s: %s", path,
				 strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > (off_t)MODULE_MAX) {
		close(fd);
		return err_input(err, -EINVAL, "exec: %s: not a module file",
				 path);
	}
	data = malloc(st.st_size ? st.st_size : 1);
	n = data ? read(fd, data, st.st_size) : -1;
	close(fd);
	if (n != st.st_size) {
		free(data);
		return err_input(err, -EIO, "exec: %s: cannot read it", path);
	}
	ret = cpio_add(c, name, S_IFREG | 0644, data, st.st_size, 0);
	free(data);
	return ret ? err_host(err, ret, "exec: out of memory") : 0;
}

#define MOD_NAME_MAX 256

/* The modules, as files under lib/modules, and their paths in the guest. */
static int add_modules(struct cpio *c, const struct exec_initramfs *in,
		       struct exec_modules *m, char (*guest)[MOD_NAME_MAX],
		       struct err *err)
{
	char dir[4096];
	const char *base;
	unsigned int i;
	int ret;

	if (in->modules_dir)
		snprintf(dir, sizeof(dir), "%s", in->modules_dir);
	else
		snprintf(dir, sizeof(dir), "/lib/modules/%s", in->release);
	ret = exec_modules_resolve(m, dir, in->modules, in->nr_modules, err);
	if (ret) {
		if (in->modules_dir)
			err_prefix(err, "exec: --modules");
		else
			err_prefix(
				err,
				"exec: no modules for kernel %s (give --modules DIR)",
				in->release);
		return ret;
	}
	for (i = 0; i < m->nr && !ret; i++) {
		base = strrchr(m->path[i], '/') + 1;
		if (snprintf(guest[i], MOD_NAME_MAX, "/lib/modules/%s", base) >=
		    MOD_NAME_MAX)
			return err_input(err, -ENAMETOOLONG,
					 "exec: %s: name too long", base);
		ret = add_file(c, guest[i] + 1, m->path[i], err);
	}
	return ret;
}

static int add_dirs(struct cpio *c)
{
	static const char *const dirs[] = {
		"dev", "proc", "sys", "tmp", "lib", "lib/modules", "squeeze",
	};
	unsigned int i;
	int ret = 0;

	for (i = 0; i < ARRAY_SIZE(dirs) && !ret; i++)
		ret = cpio_add(c, dirs[i], S_IFDIR | 0755, NULL, 0, 0);
	/* The kernel opens it for init's stdio before devtmpfs is there. */
	if (!ret)
		ret = cpio_add(c, "dev/console", S_IFCHR | 0600, NULL, 0,
			       makedev(5, 1));
	return ret;
}

int exec_initramfs_build(struct membuf *out, const struct exec_initramfs *in,
			 struct err *err)
{
	static char guest[EXEC_MAX_MODULES][MOD_NAME_MAX];
	const char *paths[EXEC_MAX_MODULES];
	struct exec_modules m = { 0 };
	struct exec_spec spec = in->spec;
	struct membuf sb = { 0 };
	struct cpio c = { 0 };
	unsigned int i;
	int ret;

	ret = add_dirs(&c);
	if (!ret)
		ret = cpio_add(&c, "init", S_IFREG | 0755, in->init,
			       in->init_len, 0);
	if (ret) {
		ret = err_host(err, ret, "exec: out of memory");
		goto free;
	}
	if (in->release && in->nr_modules) {
		ret = add_modules(&c, in, &m, guest, err);
		if (ret)
			goto free;
		for (i = 0; i < m.nr; i++)
			paths[i] = guest[i];
	}
	spec.modules = paths;
	spec.nr_modules = m.nr;
	ret = exec_spec_build(&sb, &spec, err);
	if (ret)
		goto free;
	ret = cpio_add(&c, EXEC_SPEC_PATH, S_IFREG | 0644, sb.data, sb.len, 0);
	if (!ret)
		ret = cpio_finish(&c);
	if (ret)
		ret = err_host(err, ret, "exec: out of memory");
free:
	membuf_free(&sb);
	exec_modules_free(&m);
	if (ret)
		membuf_free(&c.buf);
	else
		*out = c.buf;
	return ret;
}
