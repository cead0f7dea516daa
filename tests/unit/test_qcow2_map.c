// SPDX-License-Identifier: MIT
/*
 * L1/L2 lookup on an image whose tables are written by hand: every kind
 * of L2 entry, and bad offsets that must fail with -EIO (corrupt), never
 * crash or return data from the wrong place.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "devices/block/qcow2/qcow2.h"

#define CS   4096ULL
#define SIZE (4 * MiB)

static char path[] = "/tmp/squeeze-qcow2-map-XXXXXX";
static int fd = -1;
static struct qcow2 *q;
static struct err err;

/* qcow2_create_fd's layout: header, table, block, L1 at 3 * CS. */
#define L1_OFF	 (3 * CS)
#define L2_OFF	 (8 * CS)
#define DATA_OFF (9 * CS)

static void put_be64(u64 off, u64 v)
{
	u8 b[8];

	qcow2_put64(b, v);
	cr_assert_eq(pwrite(fd, b, 8, off), 8);
}

static void setup(void)
{
	struct qcow2_create_opts o = { .size = SIZE,
				       .cluster_bits = 12,
				       .version = 3 };
	u8 data[CS];

	fd = mkstemp(path);
	cr_assert(fd >= 0);
	cr_assert_eq(qcow2_create_fd(fd, &o, &err), 0, "%s", err.msg);
	memset(data, 0xa5, sizeof(data));
	cr_assert_eq(pwrite(fd, data, CS, DATA_OFF), (ssize_t)CS);
	cr_assert_eq(ftruncate(fd, 16 * CS), 0);
	put_be64(L1_OFF, L2_OFF | QCOW2_COPIED);
}

static void teardown(void)
{
	if (q)
		qcow2_close_image(q);
	q = NULL;
	close(fd);
	unlink(path);
}

static void open_ro(void)
{
	cr_assert_eq(qcow2_open_image(&q, path, false, NULL, 0, NULL, 0, &err),
		     0, "%s", err.msg);
}

TestSuite(qcow2_map, .init = setup, .fini = teardown);

Test(qcow2_map, kinds)
{
	struct qcow2_map m;
	u8 buf[CS];

	put_be64(L2_OFF + 0 * 8, DATA_OFF | QCOW2_COPIED);
	put_be64(L2_OFF + 1 * 8, QCOW2_ZERO);
	open_ro();
	cr_assert_eq(qcow2_map(q, 0, &m), 0);
	cr_expect_eq(m.kind, QCOW2_NORMAL);
	cr_expect_eq(m.host, DATA_OFF);
	cr_assert_eq(qcow2_map(q, CS + 100, &m), 0);
	cr_expect_eq(m.kind, QCOW2_ZEROES);
	cr_assert_eq(qcow2_map(q, 2 * CS, &m), 0);
	cr_expect_eq(m.kind, QCOW2_UNALLOC);
	cr_assert_eq(qcow2_map(q, 2 * MiB + CS, &m), 0, "L1 entry 1 empty");
	cr_expect_eq(m.kind, QCOW2_UNALLOC);
	cr_assert_eq(qcow2_read_sync(q, 0, buf, CS), 0);
	cr_expect_eq(buf[0], 0xa5);
	cr_expect_eq(buf[CS - 1], 0xa5);
	cr_assert_eq(qcow2_read_sync(q, CS, buf, CS), 0);
	cr_expect_eq(buf[0], 0);
}

static void expect_eio(u64 l2e)
{
	struct qcow2_map m;
	u8 buf[512];

	put_be64(L2_OFF + 5 * 8, l2e);
	open_ro();
	cr_expect_eq(qcow2_map(q, 5 * CS, &m), -EIO, "l2e 0x%llx accepted",
		     (unsigned long long)l2e);
	cr_expect(q->corrupt);
	cr_expect_eq(qcow2_read_sync(q, 5 * CS, buf, sizeof(buf)), -EIO);
}

Test(qcow2_map, unaligned_data)
{
	expect_eio((DATA_OFF + 512) | QCOW2_COPIED);
}
Test(qcow2_map, data_outside_file)
{
	expect_eio((1ULL << 40) | QCOW2_COPIED);
}
Test(qcow2_map, data_on_header)
{
	expect_eio(0 | QCOW2_COPIED);
}
Test(qcow2_map, data_on_l1)
{
	expect_eio(L1_OFF | QCOW2_COPIED);
}
Test(qcow2_map, data_on_refcount_table)
{
	expect_eio(CS | QCOW2_COPIED);
}
Test(qcow2_map, reserved_bits)
{
	expect_eio(DATA_OFF | (1ULL << 58));
}
Test(qcow2_map, compressed_outside_file)
{
	expect_eio(QCOW2_COMPRESSED | (1ULL << 40));
}

Test(qcow2_map, bad_l1_entry)
{
	struct qcow2_map m;

	put_be64(L1_OFF, (L2_OFF + 8) | QCOW2_COPIED);
	open_ro();
	cr_expect_eq(qcow2_map(q, 0, &m), -EIO);
	cr_expect(q->corrupt);
}

Test(qcow2_map, zero_cluster_in_v2_is_corrupt)
{
	struct qcow2_map m;
	u8 v2[4];

	qcow2_put32(v2, 2);
	cr_assert_eq(pwrite(fd, v2, 4, 4), 4);
	put_be64(L2_OFF, QCOW2_ZERO);
	open_ro();
	cr_expect_eq(qcow2_map(q, 0, &m), -EIO);
}

Test(qcow2_map, write_allocates_private_cluster)
{
	struct qcow2_map m;
	u8 buf[CS], back[CS];
	u64 rc;

	cr_assert_eq(qcow2_open_image(&q, path, true, NULL, 0, NULL, 0, &err),
		     0, "%s", err.msg);
	memset(buf, 0x3c, sizeof(buf));
	cr_assert_eq(qcow2_write_cluster(q, 7 * CS + 512, buf, 1024), 0);
	cr_assert_eq(qcow2_map(q, 7 * CS, &m), 0);
	cr_assert_eq(m.kind, QCOW2_NORMAL);
	cr_expect(m.l2e & QCOW2_COPIED);
	cr_expect_neq(m.host, DATA_OFF, "in use by guest cluster 0? not yet");
	cr_assert_eq(qcow2_refcount_get(q, m.host / CS, &rc), 0);
	cr_expect_eq(rc, 1);
	cr_assert_eq(qcow2_read_sync(q, 7 * CS, back, CS), 0);
	cr_expect_eq(back[0], 0, "copy-on-write head is zeros");
	cr_expect_eq(back[512], 0x3c);
	cr_expect_eq(back[1535], 0x3c);
	cr_expect_eq(back[1536], 0);
}
