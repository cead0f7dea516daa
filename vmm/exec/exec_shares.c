// SPDX-License-Identifier: MIT
/*
 * The directories squeeze exec shares with the guest over virtio-fs, each
 * served by a virtiofsd squeeze starts:
 *   - the root: the host's / (--root host, the default) or --root DIR,
 *     read-only; the init lays a tmpfs overlay on it, so the command can
 *     write anywhere and the host sees none of it;
 *   - the current directory, read-write at the same path, unless --cwd
 *     says otherwise (or it is / or inside a --fs share already);
 *   - every --fs DIR, mounted at DIR's own path (a socket= back-end at
 *     /mnt/TAG).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmm/exec/exec_int.h"

#define ROOT_TAG "squeeze-root"
#define CWD_TAG	 "squeeze-cwd"

static int add_fs(struct exec *x, const char *dir, const char *tag,
		  bool readonly, struct err *err)
{
	struct vm_config *vm = &x->cfg->vm;
	struct fs_options *f;
	unsigned int i;

	if (vm->nr_fs == CONFIG_MAX_FS)
		return err_input(
			err, -EINVAL,
			"exec: at most %d --fs shares besides the root and the current directory",
			CONFIG_MAX_FS - 2);
	for (i = 0; i < vm->nr_fs; i++)
		if (!strcmp(vm->fs[i].tag, tag))
			return err_input(
				err, -EINVAL,
				"exec: --fs tag '%s' is squeeze exec's own; add tag=NAME",
				tag);
	f = &vm->fs[vm->nr_fs++];
	memset(f, 0, sizeof(*f));
	f->dir = dir;
	f->readonly = readonly;
	snprintf(f->tag, sizeof(f->tag), "%s", tag);
	return 0;
}

/* Where a --fs share goes in the guest: its host path, made absolute. */
static int user_mounts(struct exec *x, struct err *err)
{
	struct vm_config *vm = &x->cfg->vm;
	struct exec_mount *m;
	unsigned int i;

	for (i = 0; i < vm->nr_fs; i++) {
		m = &x->mounts[x->nr_mounts];
		m->tag = vm->fs[i].tag;
		m->readonly = vm->fs[i].readonly;
		if (!vm->fs[i].dir)
			snprintf(x->paths[i], PATH_MAX, "/mnt/%s", m->tag);
		else if (!realpath(vm->fs[i].dir, x->paths[i]))
			return err_input(err, -errno, "--fs %s: %s",
					 vm->fs[i].dir, strerror(errno));
		m->path = x->paths[i];
		x->nr_mounts++;
	}
	return 0;
}

/* The current directory is in a --fs share already. */
static bool under_share(const struct exec *x, const char *cwd)
{
	size_t n;
	unsigned int i;

	for (i = 0; i < x->nr_mounts; i++) {
		n = strlen(x->mounts[i].path);
		if (!strncmp(cwd, x->mounts[i].path, n) &&
		    (cwd[n] == '/' || !cwd[n]))
			return true;
	}
	return false;
}

int exec_shares(struct exec *x, struct err *err)
{
	struct exec_config *c = x->cfg;
	const char *root = strcmp(c->root, "host") ? c->root : "/";
	int ret;

	ret = user_mounts(x, err);
	if (!ret)
		ret = add_fs(x, root, ROOT_TAG, true, err);
	if (ret)
		return ret;
	x->root_tag = ROOT_TAG;
	x->cwd = c->cwd;
	if (c->cwd)
		return 0;
	if (!getcwd(x->cwd_buf, sizeof(x->cwd_buf)))
		return err_input(
			err, -errno,
			"exec: the current directory: %s (give --cwd DIR)",
			strerror(errno));
	x->cwd = x->cwd_buf;
	if (!strcmp(x->cwd_buf, "/") || under_share(x, x->cwd_buf))
		return 0;
	ret = add_fs(x, x->cwd_buf, CWD_TAG, false, err);
	if (ret)
		return ret;
	x->mounts[x->nr_mounts++] =
		(struct exec_mount){ CWD_TAG, x->cwd_buf, false };
	return 0;
}
