// SPDX-License-Identifier: MIT
/*
 * virtio-blk in process, beyond reads and writes: read-only disks,
 * DISCARD and WRITE_ZEROES (checked in the file's bytes and st_blocks),
 * and GET_ID.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "tests/driver/lib/blk_fixture.h"

TestSuite(blk_admin, .init = blk_fx_setup, .fini = blk_fx_teardown,
	  .timeout = 60);

Test(blk_admin, readonly_refuses_writes)
{
	struct blk_options c = plain();
	u64 gpa = galloc(8192, 4096), h;
	struct blk_drv *b;

	c.disk.path = make_file(0, true);
	c.disk.readonly = true;
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

Test(blk_admin, discard_frees_blocks)
{
	struct blk_options c = plain();
	u64 gpa = galloc(64 * KiB, 4096);
	struct blk_drv *b;
	blkcnt_t before;
	u8 *p = gptr(gpa, 64 * KiB);

	c.disk.path = make_file(0, true);
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
				   8, 0),
		     VIRTIO_BLK_S_IOERR);
	cr_assert_eq(blk_drv_range(b, VIRTIO_BLK_T_DISCARD, 0, 8,
				   VIRTIO_BLK_WZ_F_UNMAP),
		     VIRTIO_BLK_S_UNSUPP);
}

static void check_zeroes(struct blk_drv *b, u32 flags)
{
	u64 gpa = galloc(256 * KiB, 4096);
	u8 *p = gptr(gpa, 256 * KiB), file[256 * KiB];
	size_t i;

	memset(p, 0x5c, 256 * KiB);
	cr_assert_eq(blk_drv_write(b, 2048, gpa, 256 * KiB), VIRTIO_BLK_S_OK);
	/* Zero the middle 128 KiB (sectors 2112 .. 2368). */
	cr_assert_eq(
		blk_drv_range(b, VIRTIO_BLK_T_WRITE_ZEROES, 2112, 256, flags),
		VIRTIO_BLK_S_OK);
	memset(p, 0xff, 256 * KiB);
	cr_assert_eq(blk_drv_read(b, 2048, gpa, 256 * KiB), VIRTIO_BLK_S_OK);
	file_read(0, 2048 * 512, file, sizeof(file));
	for (i = 0; i < sizeof(file); i++) {
		u8 want = i >= 32 * KiB && i < 160 * KiB ? 0 : 0x5c;

		cr_assert_eq(p[i], want, "guest byte %zu", i);
		cr_assert_eq(file[i], want, "file byte %zu", i);
	}
}

Test(blk_admin, write_zeroes_reads_back_zeros)
{
	struct blk_drv *b = add_disk(plain(), BLK_DRV_ALL_FEATURES);

	check_zeroes(b, 0);
	check_zeroes(b, VIRTIO_BLK_WZ_F_UNMAP);
}

Test(blk_admin, get_id_returns_the_serial)
{
	struct blk_options c = plain();
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

Test(blk_admin, get_id_full_twenty_bytes)
{
	struct blk_options c = plain();
	char id[BLK_ID_LEN];
	struct blk_drv *b;

	memcpy(c.serial, "ABCDEFGHIJKLMNOPQRST", 21);
	b = add_disk(c, BLK_DRV_ALL_FEATURES);
	cr_assert_eq(blk_drv_get_id(b, id), VIRTIO_BLK_S_OK);
	cr_assert_eq(memcmp(id, "ABCDEFGHIJKLMNOPQRST", BLK_ID_LEN), 0);
}
