// SPDX-License-Identifier: MIT
/*
 * virtio-blk end to end, in process, the data path: the in-process driver
 * (tests/driver/lib) against squeeze's virtio-pci transport, virtio/blk/blk.c,
 * its I/O thread and the raw disk on io_uring, over real files in
 * /var/tmp. What the guest sees is checked against what is in the file
 * (pread), never against what the device says it did; a random mixed
 * workload is checked against a model of the disk.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "tests/driver/lib/blk_fixture.h"

TestSuite(blk, .init = blk_fx_setup, .fini = blk_fx_teardown, .timeout = 60);

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
	struct blk_options c = plain();
	const u32 chunk = 256 * KiB;
	u64 gpa = galloc(chunk, 4096), off;
	u8 *check = malloc(chunk);
	struct blk_drv *b;

	c.disk.path = make_file(0, true);
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

#define MIX_DEPTH   64
#define MIX_TOTAL   10000
#define MIX_MAX_LEN (128 * KiB)

static void mix_submit(struct blk_drv *b, struct blk_fx_slot *s, unsigned int i,
		       u8 *shadow)
{
	struct drv_buf d[4];
	unsigned int n = 0, segs, k;
	u32 r = rnd() % 100, off = 0;

	s[i].type = r < 45 ? VIRTIO_BLK_T_IN :
		    r < 90 ? VIRTIO_BLK_T_OUT :
			     VIRTIO_BLK_T_FLUSH;
	do {
		s[i].len = (1 + rnd() % (MIX_MAX_LEN / 512)) * 512;
		s[i].sector = rnd() % (DISK_SIZE / 512 - s[i].len / 512 + 1);
	} while (s[i].type != VIRTIO_BLK_T_FLUSH &&
		 blk_fx_overlaps(s, MIX_DEPTH, s[i].sector, s[i].len));
	if (s[i].type != VIRTIO_BLK_T_FLUSH) {
		segs = 1 + rnd() % 4;
		for (k = 0; k < segs && off < s[i].len; k++) {
			u32 want = (u32)(1 + rnd() % 16) * 512;
			u32 l = k + 1 == segs ? s[i].len - off :
						MIN(s[i].len - off, want);

			d[n++] = (struct drv_buf){
				s[i].gpa + off, l, s[i].type == VIRTIO_BLK_T_IN
			};
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

static void mixed_workload(unsigned int total)
{
	struct blk_options c = plain();
	static struct blk_fx_slot s[MIX_DEPTH];
	struct blk_fx_workload w = { s, MIX_DEPTH, 6, mix_submit };
	struct blk_drv *b;
	u8 *shadow;
	unsigned int i;

	shadow = blk_fx_modelled_disk(c, &b);
	for (i = 0; i < MIX_DEPTH; i++) {
		u64 gpa = galloc(MIX_MAX_LEN, 4096);

		s[i] = (struct blk_fx_slot){ .gpa = gpa, .buf = gpa };
	}
	blk_fx_run(b, &w, total, shadow);
	blk_fx_check_file(0, shadow);
	free(shadow);
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
	cr_assert_geq(
		blk_drv_submit(a, VIRTIO_BLK_T_OUT, 64,
			       &(struct drv_buf){ ga, sizeof(check), false }, 1,
			       1),
		0);
	cr_assert_geq(
		blk_drv_submit(b, VIRTIO_BLK_T_OUT, 64,
			       &(struct drv_buf){ gb, sizeof(check), false }, 1,
			       2),
		0);
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

Test(blk, cache_none_works)
{
	struct blk_options c = plain();
	u64 gpa = galloc(128 * KiB + 4096, 4096);
	u8 check[64 * KiB];
	struct blk_drv *b;
	unsigned int k;

	c.disk.cache = DISK_CACHE_NONE;
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
