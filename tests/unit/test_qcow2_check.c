// SPDX-License-Identifier: MIT
/*
 * The qcow2 check walker and its repairs, on images the engine writes
 * and then corrupts by hand: the counts are those qemu-img check gives
 * for the same corruptions (tests/integration/suite_img.sh compares with
 * qemu-img itself); repairs fix what they prove and refuse the rest.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "devices/block/qcow2/check.h"
#include "tests/unit/qcow2_img_fixture.h"

static struct img_fx fx;
static struct qcow2_check_result res;
static char seen[4096]; /* every finding, one per line */

static void note(void *opaque, enum qcow2_finding f, const char *msg)
{
	(void)opaque;
	(void)f;
	strncat(seen, msg, sizeof(seen) - strlen(seen) - 2);
	strcat(seen, "\n");
}

static int check(unsigned int fix)
{
	struct qcow2_check_opts o = { .fix = fix, .report = note };
	struct err err = { 0 };
	int ret;

	seen[0] = '\0';
	ret = qcow2_check(fx.fd, &o, &res, &err);
	cr_assert_eq(ret, 0, "%s", err.msg);
	return ret;
}

/* 1 GiB, 64 KiB clusters (two L1 entries), 4 data clusters at 0. */
static void setup(void)
{
	img_fx_create(&fx, 1 * GiB, 16, 3);
	img_fx_fill(&fx, 0, 4, 0x5a);
}

static void teardown(void)
{
	close(fx.fd);
}

TestSuite(qcow2_check, .init = setup, .fini = teardown);

Test(qcow2_check, clean_image)
{
	check(0);
	cr_expect_eq(res.corruptions, 0, "%s", seen);
	cr_expect_eq(res.leaks, 0, "%s", seen);
	cr_expect_eq(res.allocated_clusters, 4);
	cr_expect_eq(res.total_clusters, 1 * GiB / 65536);
	cr_expect_eq(res.image_end_offset, img_fx_size(&fx));
	cr_expect_str_empty(seen);
}

Test(qcow2_check, leaked_cluster_repaired)
{
	u64 c = img_fx_size(&fx) / fx.cs;

	cr_assert_eq(ftruncate(fx.fd, (c + 1) * fx.cs), 0);
	img_fx_put16(&fx, img_fx_rc_off(&fx, c), 1);
	check(0);
	cr_expect_eq(res.leaks, 1);
	cr_expect_eq(res.corruptions, 0);
	cr_expect(strstr(seen, "no reference"), "%s", seen);
	check(QCOW2_FIX_LEAKS);
	cr_expect_eq(res.leaks_fixed, 1);
	cr_expect_eq(res.leaks, 0, "after repair: %s", seen);
	check(0);
	cr_expect_eq(res.leaks + res.corruptions, 0);
}

Test(qcow2_check, refcount_zero_under_a_live_entry)
{
	u64 data =
		img_fx_get64(&fx, img_fx_l2e_off(&fx, 0)) & QCOW2_OFFSET_MASK;

	img_fx_put16(&fx, img_fx_rc_off(&fx, data / fx.cs), 0);
	check(0);
	cr_expect_eq(res.corruptions, 2, "%s", seen); /* count + COPIED */
	check(QCOW2_FIX_LEAKS);
	cr_expect_eq(res.corruptions, 2, "-r leaks leaves it: %s", seen);
	check(QCOW2_FIX_LEAKS | QCOW2_FIX_ERRORS);
	cr_expect_geq(res.corruptions_fixed, 1);
	cr_expect_eq(res.corruptions, 0, "%s", seen);
}

Test(qcow2_check, l2_entry_past_the_end)
{
	u64 e = img_fx_l2e_off(&fx, 1);

	img_fx_put64(&fx, e, QCOW2_COPIED | 0x7f000000ULL);
	check(0);
	cr_expect_eq(res.corruptions, 2, "%s", seen);
	cr_expect_eq(res.leaks, 1, "the cluster it named before: %s", seen);
	cr_expect(strstr(seen, "past the end of the file"), "%s", seen);
	check(QCOW2_FIX_LEAKS | QCOW2_FIX_ERRORS);
	cr_expect_eq(res.leaks_fixed, 1);
	cr_expect_eq(res.corruptions, 2, "the mapping is never rewritten");
	cr_expect_eq(img_fx_get64(&fx, e), QCOW2_COPIED | 0x7f000000ULL);
}

Test(qcow2_check, l1_entry_overlapping_the_refcount_table)
{
	u64 l1 = img_fx_get64(&fx, 40), rt = img_fx_get64(&fx, 48);
	u64 rc = img_fx_rc_off(&fx, rt / fx.cs);

	img_fx_put64(&fx, l1 + 8, QCOW2_COPIED | rt);
	check(0);
	cr_expect_geq(res.corruptions, 2, "%s", seen);
	cr_expect(strstr(seen, "overlap: "), "%s", seen);
	check(QCOW2_FIX_LEAKS | QCOW2_FIX_ERRORS);
	cr_expect(strstr(seen, "refused: "), "%s", seen);
	cr_expect_neq(res.corruptions, 0);
	cr_expect_eq(img_fx_get64(&fx, rc) >> 48, 1,
		     "the table's refcount was not raised to hide it");
}

Test(qcow2_check, unaligned_entry_refused)
{
	u64 e = img_fx_l2e_off(&fx, 0), v = img_fx_get64(&fx, e);

	img_fx_put64(&fx, e, v + 512);
	check(0);
	cr_expect_eq(res.corruptions, 2, "%s", seen);
	check(QCOW2_FIX_LEAKS | QCOW2_FIX_ERRORS);
	cr_expect_eq(res.corruptions_fixed, 0, "%s", seen);
	cr_expect(strstr(seen, "unaligned entry"), "%s", seen);
}

Test(qcow2_check, dirty_bit_cleared_by_a_clean_repair)
{
	img_fx_put64(&fx, 72, QCOW2_INCOMPAT_DIRTY);
	check(0);
	cr_expect(res.dirty);
	check(QCOW2_FIX_LEAKS);
	cr_expect(!res.dirty);
	cr_expect_eq(img_fx_get64(&fx, 72), 0);
}

Test(qcow2_check, compressed_clusters_counted)
{
	struct qcow2_packer *p;
	struct qcow2 *q = img_fx_open(&fx);
	u8 buf[65536];
	u64 i;

	memset(buf, 0, sizeof(buf));
	cr_assert_eq(qcow2_packer_new(q, &p), 0);
	for (i = 0; i < 20; i++) {
		buf[i * 7] = i + 1; /* different, well compressible */
		cr_assert_eq(qcow2_write_compressed(p, (100 + i) * 65536, buf),
			     0);
	}
	cr_expect_eq(qcow2_write_compressed(p, 100 * 65536, buf), -EEXIST);
	qcow2_packer_free(p);
	qcow2_close_image(q);
	check(0);
	cr_expect_eq(res.corruptions + res.leaks, 0, "%s", seen);
	cr_expect_eq(res.compressed_clusters, 20);
	q = img_fx_open(&fx);
	cr_assert_eq(qcow2_read_sync(q, 119 * 65536, buf, sizeof(buf)), 0);
	cr_expect_eq(buf[19 * 7], 20);
	cr_expect_eq(buf[0], 1);
	qcow2_close_image(q);
}

Test(qcow2_check, not_qcow2)
{
	struct qcow2_check_opts o = { 0 };
	struct err err = { 0 };

	cr_assert_eq(pwrite(fx.fd, "RAW!", 4, 0), 4);
	cr_expect_neq(qcow2_check(fx.fd, &o, &res, &err), 0);
	cr_expect(strstr(err.msg, "magic"), "%s", err.msg);
}
