// SPDX-License-Identifier: MIT
/*
 * virtio-blk end to end, in process: the in-process driver (tests/driver/
 * lib) against squeeze's virtio-pci transport, virtio/blk.c, its I/O
 * thread and the raw disk on io_uring, over real files in /var/tmp. What
 * the guest sees is checked against what is in the file (pread/fstat),
 * never against what the device says it did.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/driver/lib/blk_drv.h"
#include "virtio/blk.h"

#define ENV_MEM		(128 * MiB)
#define DISK_SIZE	(32 * MiB)
#define MAX_DISKS	2

struct fixture {
	struct drv_env env;
	struct virtio_blk *blk[MAX_DISKS];
	struct virtio_pci *vp[MAX_DISKS];
	struct blk_drv drv[MAX_DISKS];
	char path[MAX_DISKS][64];
	unsigned int nr;
	char err[ERR_LEN];
	u64 rng;
};

static struct fixture *fx;

static u64 rnd(void)
{
	/* xorshift64*: reproducible per test, no global libc state. */
	fx->rng ^= fx->rng >> 12;
	fx->rng ^= fx->rng << 25;
	fx->rng ^= fx->rng >> 27;
	return fx->rng * 0x2545f4914f6cdd1dULL;
}

static void fill_random(void *p, size_t len)
{
	u8 *b = p;
	size_t i;

	for (i = 0; i < len; i += 8) {
		u64 v = rnd();

		memcpy(b + i, &v, MIN(8, len - i));
	}
}

static void setup(void)
{
	fx = calloc(1, sizeof(*fx));
	fx->rng = 0x9e3779b97f4a7c15ULL;
	cr_assert_eq(drv_env_init(&fx->env, ENV_MEM, fx->err,
				  sizeof(fx->err)), 0, "%s", fx->err);
}

static void teardown(void)
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

TestSuite(blk, .init = setup, .fini = teardown, .timeout = 60);

/* A file of DISK_SIZE bytes, random content when @fill. */
static const char *make_file(unsigned int i, bool fill)
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

/* Create disk @i on its file and bring the driver up on it. */
static struct blk_drv *add_disk(struct disk_config c, u64 want)
{
	unsigned int i = fx->nr;

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

static u64 galloc(u64 len, u64 align)
{
	u64 gpa = drv_alloc(&fx->env, len, align);

	cr_assert_neq(gpa, 0, "out of test guest RAM");
	return gpa;
}

static void *gptr(u64 gpa, u64 len)
{
	return drv_ptr(&fx->env, gpa, len);
}

static void file_read(unsigned int i, u64 off, void *buf, size_t len)
{
	int fd = open(fx->path[i], O_RDONLY);

	cr_assert_geq(fd, 0);
	cr_assert_eq(pread(fd, buf, len, off), (ssize_t)len);
	close(fd);
}

static u64 file_hash(unsigned int i)
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

static blkcnt_t file_blocks(unsigned int i)
{
	struct stat st;

	cr_assert_eq(stat(fx->path[i], &st), 0);
	return st.st_blocks;
}

static struct disk_config plain(void)
{
	return (struct disk_config){ .format = DISK_FMT_RAW };
}

Test(blk, config_and_features)
{
	struct blk_drv *b = add_disk(plain(), BLK_DRV_ALL_FEATURES);
	u64 f = b->dev.features;

	cr_assert_eq(b->cfg.capacity, DISK_SIZE / 512);
	cr_assert_eq(b->cfg.blk_size, 512);
	cr_assert_gt(b->cfg.seg_max, 0);
	cr_assert_gt(b->cfg.size_max, 0);
	cr_assert_eq(b->cfg.max_discard_seg, 1);
	cr_assert_gt(b->cfg.max_discard_sectors, 0);
	cr_assert_gt(b->cfg.max_write_zeroes_sectors, 0);
	cr_assert(f & (1ULL << VIRTIO_BLK_F_FLUSH));
	cr_assert(f & (1ULL << VIRTIO_BLK_F_DISCARD));
	cr_assert(f & (1ULL << VIRTIO_BLK_F_WRITE_ZEROES));
	cr_assert_not(f & (1ULL << VIRTIO_BLK_F_RO));
}

Test(blk, random_host_data_reads_back)
{
	struct disk_config c = plain();
	const u32 chunk = 256 * KiB;
	u64 gpa = galloc(chunk, 4096), off;
	u8 *check = malloc(chunk);
	struct blk_drv *b;

	c.path = make_file(0, true);
	b = add_disk(c, BLK_DRV_ALL_FEATURES);
	for (off = 0; off < DISK_SIZE; off += chunk) {
		/* Split over four segments to exercise the scatter list. */
		struct drv_buf d[4];
		unsigned int k;

		for (k = 0; k < 4; k++)
			d[k] = (struct drv_buf){ gpa + k * (chunk / 4),
						 chunk / 4, true };
		cr_assert_eq(blk_drv_sync(b, VIRTIO_BLK_T_IN, off / 512, d, 4),
			     VIRTIO_BLK_S_OK);
		file_read(0, off, check, chunk);
		cr_assert_arr_eq(gptr(gpa, chunk), check, chunk,
				 "mismatch in [%llu, +%u)",
				 (unsigned long long)off, chunk);
	}
	free(check);
}

Test(blk, written_data_is_in_the_file_after_flush)
{
	struct blk_drv *b = add_disk(plain(), BLK_DRV_ALL_FEATURES);
	u64 gpa = galloc(64 * KiB, 4096);
	u8 check[64 * KiB];

	fill_random(gptr(gpa, sizeof(check)), sizeof(check));
	cr_assert_eq(blk_drv_write(b, 1000, gpa, sizeof(check)),
		     VIRTIO_BLK_S_OK);
	cr_assert_eq(blk_drv_flush(b), VIRTIO_BLK_S_OK);
	file_read(0, 1000 * 512, check, sizeof(check));
	cr_assert_arr_eq(check, gptr(gpa, sizeof(check)), sizeof(check));
}

Test(blk, past_the_end_and_unsupported)
{
	struct blk_drv *b = add_disk(plain(), BLK_DRV_ALL_FEATURES);
	u64 gpa = galloc(4096, 4096);
	struct drv_buf d = { gpa, 512, true };

	cr_assert_eq(blk_drv_read(b, DISK_SIZE / 512, gpa, 512),
		     VIRTIO_BLK_S_IOERR);
	cr_assert_eq(blk_drv_read(b, DISK_SIZE / 512 - 1, gpa, 1024),
		     VIRTIO_BLK_S_IOERR);
	cr_assert_eq(blk_drv_read(b, DISK_SIZE / 512 - 1, gpa, 512),
		     VIRTIO_BLK_S_OK);
	cr_assert_eq(blk_drv_sync(b, 10, 0, &d, 1), VIRTIO_BLK_S_UNSUPP);
	/* A read whose data is device-readable: nowhere to put the bytes. */
	d.writable = false;
	cr_assert_eq(blk_drv_sync(b, VIRTIO_BLK_T_IN, 0, &d, 1),
		     VIRTIO_BLK_S_IOERR);
	cr_assert_eq(drv_status(&b->dev) & VIRTIO_STATUS_NEEDS_RESET, 0);
}

/* One in-flight request of the mixed workload. */
struct slot {
	u64 gpa;
	u64 sector;
	u32 len;
	u32 type;
	bool busy;
};

#define MIX_DEPTH	64
#define MIX_TOTAL	10000
#define MIX_MAX_LEN	(128 * KiB)

static bool overlaps(const struct slot *s, u64 sector, u32 len)
{
	unsigned int i;

	for (i = 0; i < MIX_DEPTH; i++)
		if (s[i].busy && s[i].type != VIRTIO_BLK_T_FLUSH &&
		    sector < s[i].sector + s[i].len / 512 &&
		    s[i].sector < sector + len / 512)
			return true;
	return false;
}

static void mix_submit(struct blk_drv *b, struct slot *s, unsigned int i,
		       u8 *shadow)
{
	struct drv_buf d[4];
	unsigned int n = 0, segs, k;
	u32 r = rnd() % 100, off = 0;

	s[i].type = r < 45 ? VIRTIO_BLK_T_IN : r < 90 ? VIRTIO_BLK_T_OUT :
		    VIRTIO_BLK_T_FLUSH;
	do {
		s[i].len = (1 + rnd() % (MIX_MAX_LEN / 512)) * 512;
		s[i].sector = rnd() % (DISK_SIZE / 512 - s[i].len / 512 + 1);
	} while (s[i].type != VIRTIO_BLK_T_FLUSH &&
		 overlaps(s, s[i].sector, s[i].len));
	if (s[i].type != VIRTIO_BLK_T_FLUSH) {
		segs = 1 + rnd() % 4;
		for (k = 0; k < segs && off < s[i].len; k++) {
			u32 want = (u32)(1 + rnd() % 16) * 512;
			u32 l = k + 1 == segs ? s[i].len - off :
				MIN(s[i].len - off, want);

			d[n++] = (struct drv_buf){ s[i].gpa + off, l,
				   s[i].type == VIRTIO_BLK_T_IN };
			off += l;
		}
	}
	if (s[i].type == VIRTIO_BLK_T_OUT) {
		fill_random(gptr(s[i].gpa, s[i].len), s[i].len);
		memcpy(shadow + s[i].sector * 512, gptr(s[i].gpa, s[i].len),
		       s[i].len);
	}
	b->indirect = rnd() & 1;
	s[i].busy = true;
	cr_assert_geq(blk_drv_submit(b, s[i].type, s[i].sector, d, n, i), 0);
}

/* One completion within @timeout_ms, checked; false if none came. */
static bool mix_reap(struct blk_drv *b, struct slot *s, const u8 *shadow,
		     int timeout_ms)
{
	u64 i;
	u8 status;
	u32 len;

	if (blk_drv_reap(b, timeout_ms, &i, &status, &len))
		return false;
	cr_assert_lt(i, MIX_DEPTH);
	cr_assert(s[i].busy);
	cr_assert_eq(status, VIRTIO_BLK_S_OK, "type %u status %u", s[i].type,
		     status);
	if (s[i].type == VIRTIO_BLK_T_IN) {
		cr_assert_eq(len, s[i].len + 1, "used len %u for %u bytes",
			     len, s[i].len);
		cr_assert_arr_eq(gptr(s[i].gpa, s[i].len),
				 shadow + s[i].sector * 512, s[i].len,
				 "read of sector %llu +%u differs",
				 (unsigned long long)s[i].sector, s[i].len);
	}
	s[i].busy = false;
	return true;
}

static void mixed_workload(unsigned int total)
{
	struct disk_config c = plain();
	static struct slot s[MIX_DEPTH];
	u8 *shadow = malloc(DISK_SIZE), *file = malloc(DISK_SIZE);
	unsigned int done = 0, sent = 0, i;
	struct blk_drv *b;

	c.path = make_file(0, true);
	file_read(0, 0, shadow, DISK_SIZE);
	b = add_disk(c, BLK_DRV_ALL_FEATURES);
	for (i = 0; i < MIX_DEPTH; i++)
		s[i] = (struct slot){ .gpa = galloc(MIX_MAX_LEN, 4096) };
	while (done < total) {
		for (i = 0; i < MIX_DEPTH && sent < total; i++) {
			if (s[i].busy || b->q->nr_free < 6)
				continue;
			mix_submit(b, s, i, shadow);
			sent++;
		}
		blk_drv_kick(b);
		cr_assert(mix_reap(b, s, shadow, 5000), "no completion");
		done++;
		/* Take whatever else is already there without sleeping. */
		while (b->inflight && mix_reap(b, s, shadow, 0))
			done++;
	}
	cr_assert_eq(b->inflight, 0);
	file_read(0, 0, file, DISK_SIZE);
	cr_assert_arr_eq(file, shadow, DISK_SIZE, "file differs from model");
	free(shadow);
	free(file);
}

Test(blk, mixed_requests_match_a_shadow)
{
	mixed_workload(MIX_TOTAL);
}

/* The same through the preadv/pwritev fallback (no io_uring). */
Test(blk, mixed_requests_sync_fallback)
{
	setenv(DISK_AIO_ENV, "sync", 1);
	mixed_workload(MIX_TOTAL / 5);
}

/*
 * A driver that makes one head available twice must not get two
 * completions for one buffer set: the device stops with NEEDS_RESET.
 */
Test(blk, head_made_available_twice_needs_reset)
{
	struct blk_drv *b = add_disk(plain(), BLK_DRV_ALL_FEATURES);
	u64 gpa = galloc(64 * KiB, 4096);
	struct drv_vq *q;
	int head, i;

	q = b->q;
	head = blk_drv_submit(b, VIRTIO_BLK_T_IN, 0,
			      &(struct drv_buf){ gpa, 64 * KiB, true }, 1, 1);
	cr_assert_geq(head, 0);
	q->avail->ring[q->avail_idx % q->size] = head;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n(&q->avail->idx, ++q->avail_idx, __ATOMIC_RELAXED);
	drv_vq_kick_force(q);
	for (i = 0; i < 500; i++) {
		if (drv_status(&b->dev) & VIRTIO_STATUS_NEEDS_RESET)
			break;
		usleep(1000);
	}
	cr_assert(drv_status(&b->dev) & VIRTIO_STATUS_NEEDS_RESET);
	cr_assert_eq(blk_drv_restart(b, BLK_DRV_ALL_FEATURES, 256), 0);
	cr_assert_eq(blk_drv_read(b, 0, gpa, 4096), VIRTIO_BLK_S_OK);
}

Test(blk, readonly_refuses_writes)
{
	struct disk_config c = plain();
	u64 gpa = galloc(8192, 4096), h;
	struct blk_drv *b;

	c.path = make_file(0, true);
	c.readonly = true;
	h = file_hash(0);
	b = add_disk(c, BLK_DRV_ALL_FEATURES);
	cr_assert(b->dev.features & (1ULL << VIRTIO_BLK_F_RO));
	cr_assert_not(b->dev.features & (1ULL << VIRTIO_BLK_F_DISCARD));
	memset(gptr(gpa, 8192), 0xab, 8192);
	cr_assert_eq(blk_drv_write(b, 0, gpa, 8192), VIRTIO_BLK_S_IOERR);
	cr_assert_eq(blk_drv_write(b, 77, gpa, 512), VIRTIO_BLK_S_IOERR);
	/* Not offered on a read-only disk; asked anyway, still IOERR. */
	cr_assert_eq(blk_drv_range(b, VIRTIO_BLK_T_DISCARD, 0, 8, 0),
		     VIRTIO_BLK_S_IOERR);
	cr_assert_eq(blk_drv_range(b, VIRTIO_BLK_T_WRITE_ZEROES, 0, 8, 0),
		     VIRTIO_BLK_S_IOERR);
	cr_assert_eq(blk_drv_flush(b), VIRTIO_BLK_S_OK);
	cr_assert_eq(blk_drv_read(b, 0, gpa, 8192), VIRTIO_BLK_S_OK);
	cr_assert_eq(file_hash(0), h, "a read-only disk changed");
}

Test(blk, discard_frees_blocks)
{
	struct disk_config c = plain();
	u64 gpa = galloc(64 * KiB, 4096);
	struct blk_drv *b;
	blkcnt_t before;
	u8 *p = gptr(gpa, 64 * KiB);

	c.path = make_file(0, true);
	b = add_disk(c, BLK_DRV_ALL_FEATURES);
	before = file_blocks(0);
	cr_assert_geq(before, DISK_SIZE / 512);
	/* 4 MiB at 8 MiB: 8192 sectors. */
	cr_assert_eq(blk_drv_range(b, VIRTIO_BLK_T_DISCARD, 16384, 8192, 0),
		     VIRTIO_BLK_S_OK);
	cr_assert_leq(file_blocks(0), before - 8192, "st_blocks %ld -> %ld",
		      (long)before, (long)file_blocks(0));
	memset(p, 0xcc, 64 * KiB);
	cr_assert_eq(blk_drv_read(b, 16384, gpa, 64 * KiB), VIRTIO_BLK_S_OK);
	cr_assert_eq(memcmp(p, (u8[64 * KiB]){ 0 }, 64 * KiB), 0);
	/* Out of range and unmap-on-discard are refused. */
	cr_assert_eq(blk_drv_range(b, VIRTIO_BLK_T_DISCARD, DISK_SIZE / 512 - 4,
				   8, 0), VIRTIO_BLK_S_IOERR);
	cr_assert_eq(blk_drv_range(b, VIRTIO_BLK_T_DISCARD, 0, 8,
				   VIRTIO_BLK_WZ_F_UNMAP), VIRTIO_BLK_S_UNSUPP);
}

static void check_zeroes(struct blk_drv *b, u32 flags)
{
	u64 gpa = galloc(256 * KiB, 4096);
	u8 *p = gptr(gpa, 256 * KiB), file[256 * KiB];
	size_t i;

	memset(p, 0x5c, 256 * KiB);
	cr_assert_eq(blk_drv_write(b, 2048, gpa, 256 * KiB), VIRTIO_BLK_S_OK);
	/* Zero the middle 128 KiB (sectors 2112 .. 2368). */
	cr_assert_eq(blk_drv_range(b, VIRTIO_BLK_T_WRITE_ZEROES, 2112, 256,
				   flags), VIRTIO_BLK_S_OK);
	memset(p, 0xff, 256 * KiB);
	cr_assert_eq(blk_drv_read(b, 2048, gpa, 256 * KiB), VIRTIO_BLK_S_OK);
	file_read(0, 2048 * 512, file, sizeof(file));
	for (i = 0; i < sizeof(file); i++) {
		u8 want = i >= 32 * KiB && i < 160 * KiB ? 0 : 0x5c;

		cr_assert_eq(p[i], want, "guest byte %zu", i);
		cr_assert_eq(file[i], want, "file byte %zu", i);
	}
}

Test(blk, write_zeroes_reads_back_zeros)
{
	struct blk_drv *b = add_disk(plain(), BLK_DRV_ALL_FEATURES);

	check_zeroes(b, 0);
	check_zeroes(b, VIRTIO_BLK_WZ_F_UNMAP);
}

Test(blk, two_disks_at_once)
{
	struct blk_drv *a = add_disk(plain(), BLK_DRV_ALL_FEATURES);
	struct blk_drv *b = add_disk(plain(), BLK_DRV_ALL_FEATURES);
	u64 ga = galloc(32 * KiB, 4096), gb = galloc(32 * KiB, 4096);
	u8 check[32 * KiB];
	int r;

	memset(gptr(ga, sizeof(check)), 0xa1, sizeof(check));
	memset(gptr(gb, sizeof(check)), 0xb2, sizeof(check));
	/* Both in flight together, then waited for. */
	cr_assert_geq(blk_drv_submit(a, VIRTIO_BLK_T_OUT, 64,
		      &(struct drv_buf){ ga, sizeof(check), false }, 1, 1), 0);
	cr_assert_geq(blk_drv_submit(b, VIRTIO_BLK_T_OUT, 64,
		      &(struct drv_buf){ gb, sizeof(check), false }, 1, 2), 0);
	blk_drv_kick(a);
	blk_drv_kick(b);
	for (r = 0; r < 2; r++) {
		struct blk_drv *d = r ? b : a;
		u64 cookie;
		u8 status;
		u32 len;

		cr_assert_eq(blk_drv_reap(d, 5000, &cookie, &status, &len), 0);
		cr_assert_eq(cookie, (u64)r + 1);
		cr_assert_eq(status, VIRTIO_BLK_S_OK);
	}
	file_read(0, 64 * 512, check, sizeof(check));
	cr_assert_eq(check[0], 0xa1);
	cr_assert_eq(check[sizeof(check) - 1], 0xa1);
	file_read(1, 64 * 512, check, sizeof(check));
	cr_assert_eq(check[0], 0xb2);
	cr_assert_eq(check[sizeof(check) - 1], 0xb2);
}

Test(blk, get_id_returns_the_serial)
{
	struct disk_config c = plain();
	char id[BLK_ID_LEN];
	struct blk_drv *b;
	size_t n;

	snprintf(c.serial, sizeof(c.serial), "squeeze-vda-01");
	n = strlen(c.serial);
	b = add_disk(c, BLK_DRV_ALL_FEATURES);
	cr_assert_eq(blk_drv_get_id(b, id), VIRTIO_BLK_S_OK);
	cr_assert_eq(memcmp(id, "squeeze-vda-01", n), 0);
	for (; n < BLK_ID_LEN; n++)
		cr_assert_eq(id[n], 0, "byte %zu not zero padded", n);
}

Test(blk, get_id_full_twenty_bytes)
{
	struct disk_config c = plain();
	char id[BLK_ID_LEN];
	struct blk_drv *b;

	memcpy(c.serial, "ABCDEFGHIJKLMNOPQRST", 21);
	b = add_disk(c, BLK_DRV_ALL_FEATURES);
	cr_assert_eq(blk_drv_get_id(b, id), VIRTIO_BLK_S_OK);
	cr_assert_eq(memcmp(id, "ABCDEFGHIJKLMNOPQRST", BLK_ID_LEN), 0);
}

Test(blk, reset_mid_stream)
{
	struct blk_drv *b = add_disk(plain(), BLK_DRV_ALL_FEATURES);
	u64 gpa = galloc(32 * 64 * KiB, 4096), check_gpa;
	unsigned int i, round;
	u8 check[64 * KiB];

	for (round = 0; round < 3; round++) {
		for (i = 0; i < 32; i++) {
			struct drv_buf d = { gpa + i * 64 * KiB, 64 * KiB,
					     i & 1 };

			memset(gptr(d.gpa, d.len), 0x10 + i, d.len);
			u32 type = i & 1 ? VIRTIO_BLK_T_IN : VIRTIO_BLK_T_OUT;

			cr_assert_geq(blk_drv_submit(b, type, i * 128, &d, 1,
						     i), 0);
		}
		blk_drv_kick(b);
		/* Reset without waiting: the device drains and forgets. */
		cr_assert_eq(blk_drv_restart(b, BLK_DRV_ALL_FEATURES, 256), 0);
		cr_assert_eq(__atomic_load_n(&b->q->used->idx,
					     __ATOMIC_ACQUIRE), 0,
			     "old requests completed into the new ring");
	}
	cr_assert_eq(drv_status(&b->dev) & VIRTIO_STATUS_NEEDS_RESET, 0);
	check_gpa = galloc(64 * KiB, 4096);
	fill_random(gptr(check_gpa, sizeof(check)), sizeof(check));
	cr_assert_eq(blk_drv_write(b, 9000, check_gpa, sizeof(check)),
		     VIRTIO_BLK_S_OK);
	cr_assert_eq(blk_drv_flush(b), VIRTIO_BLK_S_OK);
	file_read(0, 9000 * 512, check, sizeof(check));
	cr_assert_arr_eq(check, gptr(check_gpa, sizeof(check)), sizeof(check));
}

Test(blk, chain_without_status_needs_reset)
{
	struct blk_drv *b = add_disk(plain(), BLK_DRV_ALL_FEATURES);
	u64 gpa = galloc(4096, 4096);
	struct drv_buf bufs[2] = { { gpa, 16, false }, { gpa + 512, 512,
							  false } };
	int i;

	((u8 *)gptr(gpa, 16))[0] = VIRTIO_BLK_T_OUT;
	cr_assert_geq(drv_vq_add(b->q, bufs, 2, false), 0);
	drv_vq_kick_force(b->q);
	for (i = 0; i < 500; i++) {
		if (drv_status(&b->dev) & VIRTIO_STATUS_NEEDS_RESET)
			break;
		usleep(1000);
	}
	cr_assert(drv_status(&b->dev) & VIRTIO_STATUS_NEEDS_RESET);
	/* A reset brings it back. */
	cr_assert_eq(blk_drv_restart(b, BLK_DRV_ALL_FEATURES, 256), 0);
	cr_assert_eq(blk_drv_read(b, 0, gpa, 512), VIRTIO_BLK_S_OK);
}

Test(blk, cache_none_works)
{
	struct disk_config c = plain();
	u64 gpa = galloc(128 * KiB + 4096, 4096);
	u8 check[64 * KiB];
	struct blk_drv *b;
	unsigned int k;

	c.cache = DISK_CACHE_NONE;
	b = add_disk(c, BLK_DRV_ALL_FEATURES);
	/* Page-aligned buffers, then ones at an odd address (bounced). */
	for (k = 0; k < 2; k++) {
		u64 g = gpa + (k ? 4096 + 3 : 0);

		fill_random(gptr(g, sizeof(check)), sizeof(check));
		cr_assert_eq(blk_drv_write(b, 4096 + k * 128, g, sizeof(check)),
			     VIRTIO_BLK_S_OK);
		cr_assert_eq(blk_drv_flush(b), VIRTIO_BLK_S_OK);
		file_read(0, (4096 + k * 128) * 512ULL, check, sizeof(check));
		cr_assert_arr_eq(check, gptr(g, sizeof(check)), sizeof(check));
		memset(gptr(g, sizeof(check)), 0, sizeof(check));
		cr_assert_eq(blk_drv_read(b, 4096 + k * 128, g, sizeof(check)),
			     VIRTIO_BLK_S_OK);
		cr_assert_arr_eq(check, gptr(g, sizeof(check)), sizeof(check));
	}
}
