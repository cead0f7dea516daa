// SPDX-License-Identifier: MIT
/*
 * virtio-blk with cache=none (O_DIRECT) under a full queue: with direct
 * I/O the I/O thread hands every request to io_uring on its own as soon
 * as it is parsed (virtio/blk_io.c), so here many requests of one batch
 * are in the kernel at once, completing in any order. A random mix of
 * reads and writes at depth 32, some through guest buffers that are not
 * aligned (bounced), is checked against a model of the disk, and the file
 * is compared with the model at the end (pread, not what the device said).
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "tests/driver/lib/blk_fixture.h"

TestSuite(blk_direct, .init = blk_fx_setup, .fini = blk_fx_teardown,
	  .timeout = 60);

#define DIO_DEPTH	32
#define DIO_MAX_LEN	(64 * KiB)
#define DIO_TOTAL	4000

struct dio_slot {
	u64 gpa;			/* DIO_MAX_LEN + 4096 of guest RAM */
	u64 buf;			/* this request's buffer in it */
	u64 sector;
	u32 len;
	u32 type;
	bool busy;
};

static bool overlaps(const struct dio_slot *s, u64 sector, u32 len)
{
	unsigned int i;

	for (i = 0; i < DIO_DEPTH; i++)
		if (s[i].busy && sector < s[i].sector + s[i].len / 512 &&
		    s[i].sector < sector + len / 512)
			return true;
	return false;
}

static void dio_submit(struct blk_drv *b, struct dio_slot *s, unsigned int i,
		       u8 *shadow)
{
	struct dio_slot *r = &s[i];
	struct drv_buf d;

	r->type = rnd() % 2 ? VIRTIO_BLK_T_IN : VIRTIO_BLK_T_OUT;
	do {
		/* 4 KiB blocks, mostly one: the random-read case. */
		r->len = (rnd() % 4 ? 1 : 1 + rnd() % 16) * 4096;
		r->sector = (rnd() % ((DISK_SIZE - r->len) / 4096 + 1)) * 8;
	} while (overlaps(s, r->sector, r->len));
	/* One request in eight from an odd address: the bounce path. */
	r->buf = r->gpa + (rnd() % 8 ? 0 : 512 + 3);
	if (r->type == VIRTIO_BLK_T_OUT) {
		fill_random(gptr(r->buf, r->len), r->len);
		memcpy(shadow + r->sector * 512, gptr(r->buf, r->len), r->len);
	} else {
		memset(gptr(r->buf, r->len), 0xee, r->len);
	}
	d = (struct drv_buf){ r->buf, r->len, r->type == VIRTIO_BLK_T_IN };
	r->busy = true;
	cr_assert_geq(blk_drv_submit(b, r->type, r->sector, &d, 1, i), 0);
}

static bool dio_reap(struct blk_drv *b, struct dio_slot *s, const u8 *shadow,
		     int timeout_ms)
{
	u64 i;
	u8 status;
	u32 len;

	if (blk_drv_reap(b, timeout_ms, &i, &status, &len))
		return false;
	cr_assert_lt(i, DIO_DEPTH);
	cr_assert(s[i].busy);
	cr_assert_eq(status, VIRTIO_BLK_S_OK, "type %u status %u", s[i].type,
		     status);
	if (s[i].type == VIRTIO_BLK_T_IN) {
		cr_assert_eq(len, s[i].len + 1);
		cr_assert_arr_eq(gptr(s[i].buf, s[i].len),
				 shadow + s[i].sector * 512, s[i].len,
				 "read of sector %llu +%u differs",
				 (unsigned long long)s[i].sector, s[i].len);
	}
	s[i].busy = false;
	return true;
}

Test(blk_direct, full_queue_matches_a_model)
{
	struct disk_config c = plain();
	static struct dio_slot s[DIO_DEPTH];
	u8 *shadow = malloc(DISK_SIZE), *file = malloc(DISK_SIZE);
	unsigned int done = 0, sent = 0, i, max_inflight = 0;
	struct blk_drv *b;

	cr_assert(shadow && file);
	c.path = make_file(0, true);
	c.cache = DISK_CACHE_NONE;
	file_read(0, 0, shadow, DISK_SIZE);
	b = add_disk(c, BLK_DRV_ALL_FEATURES);
	for (i = 0; i < DIO_DEPTH; i++)
		s[i] = (struct dio_slot){ .gpa = galloc(DIO_MAX_LEN + 4096,
							4096) };
	while (done < DIO_TOTAL) {
		for (i = 0; i < DIO_DEPTH && sent < DIO_TOTAL; i++) {
			if (s[i].busy)
				continue;
			dio_submit(b, s, i, shadow);
			sent++;
		}
		max_inflight = MAX(max_inflight, b->inflight);
		blk_drv_kick(b);
		cr_assert(dio_reap(b, s, shadow, 5000), "no completion");
		done++;
		while (b->inflight && dio_reap(b, s, shadow, 0))
			done++;
	}
	cr_assert_eq(b->inflight, 0);
	cr_assert_eq(max_inflight, DIO_DEPTH);
	cr_assert_eq(blk_drv_flush(b), VIRTIO_BLK_S_OK);
	file_read(0, 0, file, DISK_SIZE);
	cr_assert_arr_eq(file, shadow, DISK_SIZE, "file differs from model");
	free(shadow);
	free(file);
}
