// SPDX-License-Identifier: MIT
/* The virtio-fs scenarios' fixture: real virtiofsds on a scratch tree. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/driver/lib/fs_fixture.h"

struct fixture {
	struct drv_env env;
	struct virtio_fs *fs[FSFX_MAX];
	struct virtio_pci *vp[FSFX_MAX];
	struct fuse_drv drv[FSFX_MAX];
	unsigned int nr;
	char dir[64];
	char share[80];
	struct err err;
};

static struct fixture *fx;

void fsfx_setup(void)
{
	fx = calloc(1, sizeof(*fx));
	cr_assert_not_null(fx);
	strcpy(fx->dir, "/var/tmp/squeeze-fs-XXXXXX");
	cr_assert_not_null(mkdtemp(fx->dir));
	snprintf(fx->share, sizeof(fx->share), "%s/share", fx->dir);
	cr_assert_eq(mkdir(fx->share, 0755), 0);
	cr_assert_eq(drv_env_init_shared(&fx->env, FSFX_ENV_MEM, &fx->err), 0,
		     "%s", fx->err.msg);
}

void fsfx_teardown(void)
{
	char cmd[128];
	unsigned int i;

	for (i = 0; i < fx->nr; i++) {
		virtio_pci_destroy(fx->vp[i]);
		virtio_fs_destroy(fx->fs[i]);
	}
	drv_env_destroy(&fx->env);
	/* Read-only tests may have left mode bits; the tree is ours. */
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
	if (system(cmd))
		fprintf(stderr, "cannot remove %s\n", fx->dir);
	free(fx);
}

const char *fsfx_dir(void)
{
	return fx->dir;
}

const char *fsfx_share(void)
{
	return fx->share;
}

void fsfx_path(char *buf, size_t size, const char *rel)
{
	snprintf(buf, size, "%s/%s", fx->share, rel);
}

void fsfx_write_file(const char *rel, const void *data, size_t len)
{
	char path[256];
	int fd;

	fsfx_path(path, sizeof(path), rel);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	cr_assert_geq(fd, 0, "%s", path);
	cr_assert_eq(write(fd, data, len), (ssize_t)len);
	close(fd);
}

struct fuse_drv *fsfx_add(struct fs_options o)
{
	unsigned int i = fx->nr;
	struct fuse_drv *f = &fx->drv[i];

	cr_assert_lt(i, FSFX_MAX);
	if (!o.dir && !o.socket)
		o.dir = fx->share;
	if (!o.tag[0])
		snprintf(o.tag, sizeof(o.tag), "t%u", i);
	fx->fs[i] = virtio_fs_create(&fx->env.mem, &o, i, &fx->err);
	cr_assert_not_null(fx->fs[i], "%s", fx->err.msg);
	fx->vp[i] = virtio_pci_add(&fx->env.pci, virtio_fs_vdev(fx->fs[i]),
				   &fx->env.irq_ctl, &fx->err);
	cr_assert_not_null(fx->vp[i], "%s", fx->err.msg);
	fx->nr++;
	cr_assert_eq(fuse_drv_open(f, &fx->env, i, 128), 0);
	cr_assert_eq(fuse_drv_init(f), 0, "FUSE_INIT failed");
	return f;
}

struct virtio_fs *fsfx_dev(unsigned int i)
{
	return fx->fs[i];
}

struct drv_env *fsfx_env(void)
{
	return &fx->env;
}

u64 fsfx_galloc(u64 len, u64 align)
{
	u64 gpa = drv_alloc(&fx->env, len, align);

	cr_assert_neq(gpa, 0, "out of test guest RAM");
	return gpa;
}

void *fsfx_gptr(u64 gpa, u64 len)
{
	return drv_ptr(&fx->env, gpa, len);
}

bool fsfx_wait_needs_reset(struct drv_dev *d)
{
	int i;

	for (i = 0; i < 5000; i++) {
		if (drv_status(d) & VIRTIO_STATUS_NEEDS_RESET)
			return true;
		usleep(1000);
	}
	return false;
}
