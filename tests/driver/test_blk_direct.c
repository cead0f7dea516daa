// SPDX-License-Identifier: MIT
/*
 * virtio-blk with cache=none (O_DIRECT) under a full queue: with direct
 * I/O the I/O thread hands every request to io_uring on its own as soon
 * as it is parsed (virtio/blk/blk_io.c), so here many requests of one batch
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

#define DIO_DEPTH   32
#define DIO_MAX_LEN (64 * KiB)
#define DIO_TOTAL   4000

static void dio_submit(struct blk_drv *b, struct blk_fx_slot *s, unsigned int i,
		       u8 *shadow)
{
	struct blk_fx_slot *r = &s[i];
	struct drv_buf d;

	r->type = rnd() % 2 ? VIRTIO_BLK_T_IN : VIRTIO_BLK_T_OUT;
	do {
		/* 4 KiB blocks, mostly one: the random-read case. */
		r->len = (rnd() % 4 ? 1 : 1 + rnd() % 16) * 4096;
		r->sector = (rnd() % ((DISK_SIZE - r->len) / 4096 + 1)) * 8;
	} while (blk_fx_overlaps(s, DIO_DEPTH, r->sector, r->len));
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

Test(blk_direct, full_queue_matches_a_model)
{
	struct blk_options c = plain();
	static struct blk_fx_slot s[DIO_DEPTH];
	struct blk_fx_workload w = { s, DIO_DEPTH, 0, dio_submit };
	struct blk_drv *b;
	u8 *shadow;
	unsigned int i;

	c.disk.cache = DISK_CACHE_NONE;
	shadow = blk_fx_modelled_disk(c, &b);
	/* DIO_MAX_LEN + 4096 each: room for a buffer at an odd address. */
	for (i = 0; i < DIO_DEPTH; i++)
		s[i] = (struct blk_fx_slot){ .gpa = galloc(DIO_MAX_LEN + 4096,
							   4096) };
	cr_assert_eq(blk_fx_run(b, &w, DIO_TOTAL, shadow), DIO_DEPTH);
	cr_assert_eq(blk_drv_flush(b), VIRTIO_BLK_S_OK);
	blk_fx_check_file(0, shadow);
	free(shadow);
}
