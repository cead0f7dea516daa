// SPDX-License-Identifier: MIT
/*
 * virtio-blk in process, a misbehaving driver and resets: a head made
 * available twice or a chain without a status byte stops the device with
 * NEEDS_RESET, and a reset, even with requests in flight, brings it back
 * with nothing completed into the new rings.
 */
#include <criterion/criterion.h>
#include <string.h>
#include <unistd.h>

#include "tests/driver/lib/blk_fixture.h"

TestSuite(blk_reset, .init = blk_fx_setup, .fini = blk_fx_teardown,
	  .timeout = 60);

/*
 * A driver that makes one head available twice must not get two
 * completions for one buffer set: the device stops with NEEDS_RESET.
 */
/* The device must flag NEEDS_RESET within half a second. */
static void wait_needs_reset(struct blk_drv *b)
{
	int i;

	for (i = 0; i < 500; i++) {
		if (drv_status(&b->dev) & VIRTIO_STATUS_NEEDS_RESET)
			break;
		usleep(1000);
	}
	cr_assert(drv_status(&b->dev) & VIRTIO_STATUS_NEEDS_RESET);
}

Test(blk_reset, head_made_available_twice_needs_reset)
{
	struct blk_drv *b = add_disk(plain(), BLK_DRV_ALL_FEATURES);
	u64 gpa = galloc(64 * KiB, 4096);
	struct drv_vq *q;
	int head;

	q = b->q;
	head = blk_drv_submit(b, VIRTIO_BLK_T_IN, 0,
			      &(struct drv_buf){ gpa, 64 * KiB, true }, 1, 1);
	cr_assert_geq(head, 0);
	q->avail->ring[q->avail_idx % q->size] = head;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n(&q->avail->idx, ++q->avail_idx, __ATOMIC_RELAXED);
	drv_vq_kick_force(q);
	wait_needs_reset(b);
	cr_assert_eq(blk_drv_restart(b, BLK_DRV_ALL_FEATURES, 256), 0);
	cr_assert_eq(blk_drv_read(b, 0, gpa, 4096), VIRTIO_BLK_S_OK);
}

Test(blk_reset, chain_without_status_needs_reset)
{
	struct blk_drv *b = add_disk(plain(), BLK_DRV_ALL_FEATURES);
	u64 gpa = galloc(4096, 4096);
	struct drv_buf bufs[2] = { { gpa, 16, false },
				   { gpa + 512, 512, false } };

	((u8 *)gptr(gpa, 16))[0] = VIRTIO_BLK_T_OUT;
	cr_assert_geq(drv_vq_add(b->q, bufs, 2, false), 0);
	drv_vq_kick_force(b->q);
	wait_needs_reset(b);
	/* A reset brings it back. */
	cr_assert_eq(blk_drv_restart(b, BLK_DRV_ALL_FEATURES, 256), 0);
	cr_assert_eq(blk_drv_read(b, 0, gpa, 512), VIRTIO_BLK_S_OK);
}

Test(blk_reset, reset_mid_stream)
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

			cr_assert_geq(
				blk_drv_submit(b, type, i * 128, &d, 1, i), 0);
		}
		blk_drv_kick(b);
		/* Reset without waiting: the device drains and forgets. */
		cr_assert_eq(blk_drv_restart(b, BLK_DRV_ALL_FEATURES, 256), 0);
		cr_assert_eq(
			__atomic_load_n(&b->q->used->idx, __ATOMIC_ACQUIRE), 0,
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
