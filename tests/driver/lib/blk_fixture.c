// SPDX-License-Identifier: MIT
/* The virtio-blk scenarios' fixture: disks on real files, read back. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/driver/lib/blk_fixture.h"

struct fixture {
	struct drv_env env;
	struct virtio_blk *blk[BLK_FX_MAX_DISKS];
	struct virtio_pci *vp[BLK_FX_MAX_DISKS];
	struct blk_drv drv[BLK_FX_MAX_DISKS];
	char path[BLK_FX_MAX_DISKS][64];
	unsigned int nr;
	char err[ERR_LEN];
	u64 rng;
};

/* The current test's; Criterion runs one test per process. */
static struct fixture *fx;

u64 rnd(void)
{
	/* xorshift64*: reproducible per test, no global libc state. */
	fx->rng ^= fx->rng >> 12;
	fx->rng ^= fx->rng << 25;
	fx->rng ^= fx->rng >> 27;
	return fx->rng * 0x2545f4914f6cdd1dULL;
}

void fill_random(void *p, size_t len)
{
	u8 *b = p;
	size_t i;

	for (i = 0; i < len; i += 8) {
		u64 v = rnd();

		memcpy(b + i, &v, MIN(8, len - i));
	}
}

void blk_fx_setup(void)
{
	fx = calloc(1, sizeof(*fx));
	cr_assert_not_null(fx);
	fx->rng = 0x9e3779b97f4a7c15ULL;
	cr_assert_eq(drv_env_init(&fx->env, BLK_FX_ENV_MEM, fx->err,
				  sizeof(fx->err)), 0, "%s", fx->err);
}

void blk_fx_teardown(void)
{
	unsigned int i;

	for (i = 0; i < fx->nr; i++) {
		virtio_pci_destroy(fx->vp[i]);
		virtio_blk_destroy(fx->blk[i]);
		unlink(fx->path[i]);
	}
	drv_env_destroy(&fx->env);
	free(fx);
}

const char *make_file(unsigned int i, bool fill)
{
	static u8 buf[1 * MiB];
	u64 off;
	int fd;

	snprintf(fx->path[i], sizeof(fx->path[i]),
		 "/var/tmp/squeeze-blk-XXXXXX");
	fd = mkstemp(fx->path[i]);
	cr_assert_geq(fd, 0);
	cr_assert_eq(ftruncate(fd, DISK_SIZE), 0);
	for (off = 0; fill && off < DISK_SIZE; off += sizeof(buf)) {
		fill_random(buf, sizeof(buf));
		cr_assert_eq(pwrite(fd, buf, sizeof(buf), off), sizeof(buf));
	}
	cr_assert_eq(fsync(fd), 0);
	close(fd);
	return fx->path[i];
}

struct blk_drv *add_disk(struct disk_config c, u64 want)
{
	unsigned int i = fx->nr;

	cr_assert_lt(i, BLK_FX_MAX_DISKS);
	if (!c.path)
		c.path = make_file(i, false);
	fx->blk[i] = virtio_blk_create(&fx->env.mem, &c, fx->err,
				       sizeof(fx->err));
	cr_assert_not_null(fx->blk[i], "%s", fx->err);
	fx->vp[i] = virtio_pci_add(&fx->env.pci, virtio_blk_vdev(fx->blk[i]),
				   &fx->env.irq_ctl, fx->err, sizeof(fx->err));
	cr_assert_not_null(fx->vp[i], "%s", fx->err);
	fx->nr++;
	cr_assert_eq(blk_drv_open(&fx->drv[i], &fx->env, i, want, 256), 0);
	return &fx->drv[i];
}

u64 galloc(u64 len, u64 align)
{
	u64 gpa = drv_alloc(&fx->env, len, align);

	cr_assert_neq(gpa, 0, "out of test guest RAM");
	return gpa;
}

void *gptr(u64 gpa, u64 len)
{
	return drv_ptr(&fx->env, gpa, len);
}

void file_read(unsigned int i, u64 off, void *buf, size_t len)
{
	int fd = open(fx->path[i], O_RDONLY);

	cr_assert_geq(fd, 0);
	cr_assert_eq(pread(fd, buf, len, off), (ssize_t)len);
	close(fd);
}

u64 file_hash(unsigned int i)
{
	static u8 buf[1 * MiB];
	u64 h = 0xcbf29ce484222325ULL, off;
	size_t k;

	for (off = 0; off < DISK_SIZE; off += sizeof(buf)) {
		file_read(i, off, buf, sizeof(buf));
		for (k = 0; k < sizeof(buf); k++)
			h = (h ^ buf[k]) * 0x100000001b3ULL;
	}
	return h;
}

blkcnt_t file_blocks(unsigned int i)
{
	struct stat st;

	cr_assert_eq(stat(fx->path[i], &st), 0);
	return st.st_blocks;
}

struct disk_config plain(void)
{
	return (struct disk_config){ .format = DISK_FMT_RAW };
}
