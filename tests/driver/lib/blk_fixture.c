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
	struct err err;
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
	cr_assert_eq(drv_env_init(&fx->env, BLK_FX_ENV_MEM, &fx->err), 0, "%s",
		     fx->err.msg);
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

struct blk_drv *add_disk(struct blk_options c, u64 want)
{
	unsigned int i = fx->nr;

	cr_assert_lt(i, BLK_FX_MAX_DISKS);
	if (!c.disk.path)
		c.disk.path = make_file(i, false);
	fx->blk[i] = virtio_blk_create(&fx->env.mem, &c, i, &fx->err);
	cr_assert_not_null(fx->blk[i], "%s", fx->err.msg);
	fx->vp[i] = virtio_pci_add(&fx->env.pci, virtio_blk_vdev(fx->blk[i]),
				   &fx->env.irq_ctl, &fx->err);
	cr_assert_not_null(fx->vp[i], "%s", fx->err.msg);
	fx->nr++;
	cr_assert_eq(blk_drv_open(&fx->drv[i], &fx->env, i, want, 256), 0);
	return &fx->drv[i];
}

struct virtio_pci *blk_fx_vp(unsigned int i)
{
	cr_assert_lt(i, fx->nr);
	return fx->vp[i];
}

struct virtio_pci *blk_fx_replug(unsigned int i)
{
	cr_assert_lt(i, fx->nr);
	virtio_pci_destroy(fx->vp[i]);
	fx->vp[i] = virtio_pci_create(&fx->env.pci, virtio_blk_vdev(fx->blk[i]),
				      &fx->env.irq_ctl, &fx->err);
	cr_assert_not_null(fx->vp[i], "%s", fx->err.msg);
	cr_assert_eq(virtio_pci_attach(fx->vp[i], &fx->err), 0, "%s",
		     fx->err.msg);
	return fx->vp[i];
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

struct blk_options plain(void)
{
	return (struct blk_options){ .disk.format = DISK_FMT_RAW };
}

bool blk_fx_overlaps(const struct blk_fx_slot *s, unsigned int depth,
		     u64 sector, u32 len)
{
	unsigned int i;

	for (i = 0; i < depth; i++)
		if (s[i].busy && s[i].type != VIRTIO_BLK_T_FLUSH &&
		    sector < s[i].sector + s[i].len / 512 &&
		    s[i].sector < sector + len / 512)
			return true;
	return false;
}

/* One completion within @timeout_ms, checked; false if none came. */
static bool workload_reap(struct blk_drv *b, const struct blk_fx_workload *w,
			  const u8 *shadow, int timeout_ms)
{
	struct blk_fx_slot *s = w->s;
	u64 i;
	u8 status;
	u32 len;

	if (blk_drv_reap(b, timeout_ms, &i, &status, &len))
		return false;
	cr_assert_lt(i, w->depth);
	cr_assert(s[i].busy);
	cr_assert_eq(status, VIRTIO_BLK_S_OK, "type %u status %u", s[i].type,
		     status);
	if (s[i].type == VIRTIO_BLK_T_IN) {
		cr_assert_eq(len, s[i].len + 1, "used len %u for %u bytes", len,
			     s[i].len);
		cr_assert_arr_eq(gptr(s[i].buf, s[i].len),
				 shadow + s[i].sector * 512, s[i].len,
				 "read of sector %llu +%u differs",
				 (unsigned long long)s[i].sector, s[i].len);
	}
	s[i].busy = false;
	return true;
}

unsigned int blk_fx_run(struct blk_drv *b, const struct blk_fx_workload *w,
			unsigned int total, u8 *shadow)
{
	unsigned int done = 0, sent = 0, i, max_inflight = 0;

	while (done < total) {
		for (i = 0; i < w->depth && sent < total; i++) {
			if (w->s[i].busy || b->q->nr_free < w->min_free)
				continue;
			w->submit(b, w->s, i, shadow);
			sent++;
		}
		max_inflight = MAX(max_inflight, b->inflight);
		blk_drv_kick(b);
		cr_assert(workload_reap(b, w, shadow, 5000), "no completion");
		done++;
		/* Take whatever else is already there without sleeping. */
		while (b->inflight && workload_reap(b, w, shadow, 0))
			done++;
	}
	cr_assert_eq(b->inflight, 0);
	return max_inflight;
}

u8 *blk_fx_modelled_disk(struct blk_options c, struct blk_drv **b)
{
	u8 *shadow = malloc(DISK_SIZE);

	cr_assert_not_null(shadow);
	cr_assert_eq(fx->nr, 0);
	c.disk.path = make_file(0, true);
	file_read(0, 0, shadow, DISK_SIZE);
	*b = add_disk(c, BLK_DRV_ALL_FEATURES);
	return shadow;
}

void blk_fx_check_file(unsigned int i, const u8 *shadow)
{
	u8 *file = malloc(DISK_SIZE);

	cr_assert_not_null(file);
	file_read(i, 0, file, DISK_SIZE);
	cr_assert_arr_eq(file, shadow, DISK_SIZE, "file differs from model");
	free(file);
}
