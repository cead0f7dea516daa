// SPDX-License-Identifier: MIT
/*
 * The metadata map (issue 10): a cluster that holds a live L2 table is
 * never handed out as data, whatever its refcount says, nor written as
 * data through an L2 entry that points at it. Either fails with -EIO,
 * marks the image corrupt (the header's corrupt bit on disk too) and
 * leaves the table as it was.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "devices/block/qcow2/qcow2.h"

#define CS 4096ULL

static char path[] = "/tmp/squeeze-qcow2-meta-XXXXXX";
static int fd = -1;
static struct qcow2 *q;
static struct err err;

/* qcow2_create_fd's layout: header, refcount table, block, L1 at 3 CS. */
#define L1_OFF (3 * CS)
#define L2_OFF (4 * CS) /* the first free cluster: refcount 0 */

static void put_be64(u64 off, u64 v)
{
	u8 b[8];

	qcow2_put64(b, v);
	cr_assert_eq(pwrite(fd, b, 8, off), 8);
}

static u64 get_be64(u64 off)
{
	u8 b[8];

	cr_assert_eq(pread(fd, b, 8, off), 8);
	return qcow2_get64(b);
}

/* An L2 table in use but counted free: the corruption under test. */
static void setup(void)
{
	struct qcow2_create_opts o = { .size = 4 * MiB,
				       .cluster_bits = 12,
				       .version = 3 };

	fd = mkstemp(path);
	cr_assert(fd >= 0);
	cr_assert_eq(qcow2_create_fd(fd, &o, &err), 0, "%s", err.msg);
	cr_assert_eq(ftruncate(fd, 16 * CS), 0);
	put_be64(L1_OFF, L2_OFF | QCOW2_COPIED);
	put_be64(L2_OFF + 3 * 8, (8 * CS) | QCOW2_COPIED);
}

static void teardown(void)
{
	if (q)
		qcow2_close_image(q);
	q = NULL;
	close(fd);
	unlink(path);
}

TestSuite(qcow2_meta, .init = setup, .fini = teardown);

static void expect_corrupt_on_disk(void)
{
	cr_expect(q->corrupt);
	cr_expect(get_be64(72) & QCOW2_INCOMPAT_CORRUPT,
		  "the corrupt bit is not set in the file");
	cr_expect_eq(get_be64(L2_OFF + 3 * 8), (8 * CS) | QCOW2_COPIED,
		     "the L2 table was overwritten");
}

Test(qcow2_meta, free_cluster_holding_an_l2_table_is_not_allocated)
{
	u8 buf[CS];

	cr_assert_eq(qcow2_open_image(&q, path, true, NULL, 0, NULL, 0, &err),
		     0, "%s", err.msg);
	memset(buf, 0x3c, sizeof(buf));
	cr_assert_eq(qcow2_write_cluster(q, 0, buf, CS), -EIO);
	expect_corrupt_on_disk();
	cr_expect_eq(qcow2_write_cluster(q, 5 * CS, buf, CS), -EIO,
		     "a corrupt image took another write");
}

Test(qcow2_meta, data_entry_pointing_at_an_l2_table_is_refused)
{
	struct qcow2_map m;
	u64 rc;

	put_be64(L2_OFF + 5 * 8, L2_OFF | QCOW2_COPIED);
	cr_assert_eq(qcow2_open_image(&q, path, true, NULL, 0, NULL, 0, &err),
		     0, "%s", err.msg);
	/* Count it, so that only the map can tell. */
	cr_assert_eq(qcow2_refcount_set(q, L2_OFF / CS, 2), 0);
	cr_expect_eq(qcow2_map(q, 5 * CS, &m), -EIO);
	expect_corrupt_on_disk();
	cr_assert_eq(qcow2_refcount_get(q, L2_OFF / CS, &rc), 0);
}

Test(qcow2_meta, read_only_images_are_not_written)
{
	struct qcow2_map m;

	put_be64(L2_OFF + 5 * 8, L2_OFF | QCOW2_COPIED);
	cr_assert_eq(qcow2_open_image(&q, path, false, NULL, 0, NULL, 0, &err),
		     0, "%s", err.msg);
	cr_expect_eq(qcow2_map(q, 5 * CS, &m), -EIO);
	cr_expect(q->corrupt);
	cr_expect_not(get_be64(72) & QCOW2_INCOMPAT_CORRUPT,
		      "a read-only open wrote the header");
}
