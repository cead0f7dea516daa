// SPDX-License-Identifier: MIT
/*
 * qcow2 header parsing: a hand-made good header, then each field broken
 * once, and the feature bits that must be refused.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "devices/block/qcow2/qcow2.h"

#define CS    65536
#define FSIZE (16 * CS)

static u8 buf[CS];
static struct qcow2_header h;
static struct err err;

/* v3, 64 KiB clusters, 1 GiB: L1 (2 entries) at 3*CS, table at CS. */
static void good(void)
{
	memset(buf, 0, sizeof(buf));
	qcow2_put32(buf, QCOW2_MAGIC);
	qcow2_put32(buf + 4, 3);
	qcow2_put32(buf + 20, 16);
	qcow2_put64(buf + 24, 1 * GiB);
	qcow2_put32(buf + 36, 2);
	qcow2_put64(buf + 40, 3 * CS);
	qcow2_put64(buf + 48, CS);
	qcow2_put32(buf + 56, 1);
	qcow2_put32(buf + 96, 4);
	qcow2_put32(buf + 100, 112);
	err = (struct err){ 0 };
}

static int parse(void)
{
	return qcow2_parse_header(&h, buf, sizeof(buf), FSIZE, &err);
}

static void expect_bad(const char *needle)
{
	cr_expect_eq(parse(), -EINVAL, "accepted; wanted '%s'", needle);
	cr_expect(strstr(err.msg, needle), "error '%s' lacks '%s'", err.msg,
		  needle);
}

TestSuite(qcow2_header, .init = good);

Test(qcow2_header, good_v3)
{
	cr_assert_eq(parse(), 0, "%s", err.msg);
	cr_expect_eq(h.version, 3);
	cr_expect_eq(h.size, 1 * GiB);
	cr_expect_eq(h.cluster_bits, 16);
	cr_expect_eq(h.refcount_order, 4);
	cr_expect_str_eq(h.backing_name, "");
	cr_expect_eq(qcow2_check_features(&h, true, &err), 0);
}

Test(qcow2_header, good_v2_defaults)
{
	qcow2_put32(buf + 4, 2);
	qcow2_put32(buf + 96, 99); /* not a field in v2 */
	cr_assert_eq(parse(), 0, "%s", err.msg);
	cr_expect_eq(h.refcount_order, 4);
	cr_expect_eq(h.header_len, 72);
}

Test(qcow2_header, bad_magic)
{
	buf[3] ^= 1;
	expect_bad("magic");
}

Test(qcow2_header, bad_version)
{
	qcow2_put32(buf + 4, 4);
	expect_bad("version");
	good();
	qcow2_put32(buf + 4, 1);
	expect_bad("version");
}

Test(qcow2_header, cluster_bits_out_of_range)
{
	qcow2_put32(buf + 20, 8);
	expect_bad("cluster_bits");
	good();
	qcow2_put32(buf + 20, 22);
	expect_bad("cluster_bits");
}

Test(qcow2_header, size_too_large)
{
	qcow2_put64(buf + 24, 1ULL << 60);
	expect_bad("size");
}

Test(qcow2_header, l1_too_small)
{
	qcow2_put64(buf + 24, 2 * GiB); /* needs 4 entries */
	expect_bad("L1 table too small");
}

Test(qcow2_header, l1_huge)
{
	qcow2_put32(buf + 36, 0x10000000);
	expect_bad("L1 table too large");
}

Test(qcow2_header, l1_unaligned_or_outside)
{
	qcow2_put64(buf + 40, 3 * CS + 8);
	expect_bad("L1 table offset");
	good();
	qcow2_put64(buf + 40, FSIZE);
	expect_bad("L1 table offset");
	good();
	qcow2_put64(buf + 40, 0);
	expect_bad("L1 table offset");
}

Test(qcow2_header, refcount_table)
{
	qcow2_put64(buf + 48, CS + 512);
	expect_bad("refcount table offset");
	good();
	qcow2_put64(buf + 48, 1ULL << 50);
	expect_bad("refcount table offset");
	good();
	qcow2_put32(buf + 56, 0);
	expect_bad("refcount_table_clusters");
	good();
	qcow2_put32(buf + 56, 1000);
	expect_bad("refcount_table_clusters");
	good();
	qcow2_put64(buf + 48, 3 * CS); /* on top of L1 */
	expect_bad("overlaps");
}

Test(qcow2_header, header_length)
{
	qcow2_put32(buf + 100, 100);
	expect_bad("header_length");
	good();
	qcow2_put32(buf + 100, 108);
	expect_bad("header_length");
	good();
	qcow2_put32(buf + 100, CS + 8);
	expect_bad("header_length");
}

Test(qcow2_header, refcount_order)
{
	qcow2_put32(buf + 96, 7);
	expect_bad("refcount_order");
}

Test(qcow2_header, backing_name)
{
	qcow2_put64(buf + 8, 200);
	qcow2_put32(buf + 16, 4);
	memcpy(buf + 200, "base", 4);
	cr_assert_eq(parse(), 0, "%s", err.msg);
	cr_expect_str_eq(h.backing_name, "base");
	qcow2_put64(buf + 8, CS - 2);
	expect_bad("backing file name");
	qcow2_put64(buf + 8, 200);
	qcow2_put32(buf + 16, 1024);
	expect_bad("backing file name");
	qcow2_put32(buf + 16, 0);
	expect_bad("backing file name");
	qcow2_put64(buf + 8, 16); /* inside the header */
	qcow2_put32(buf + 16, 4);
	expect_bad("backing file name");
}

Test(qcow2_header, backing_format_extension)
{
	qcow2_put32(buf + 112, QCOW2_EXT_BACKING_FMT);
	qcow2_put32(buf + 116, 5);
	memcpy(buf + 120, "qcow2", 5);
	cr_assert_eq(parse(), 0, "%s", err.msg);
	cr_expect_str_eq(h.backing_fmt, "qcow2");
	qcow2_put32(buf + 116, CS);
	expect_bad("overruns");
}

static void expect_refused(u64 incompat, bool writable, const char *needle)
{
	good();
	qcow2_put64(buf + 72, incompat);
	cr_assert_eq(parse(), 0, "%s", err.msg);
	cr_expect_neq(qcow2_check_features(&h, writable, &err), 0,
		      "bits 0x%llx accepted", (unsigned long long)incompat);
	cr_expect(strstr(err.msg, needle), "'%s' lacks '%s'", err.msg, needle);
}

Test(qcow2_header, incompatible_bits)
{
	expect_refused(1ULL << 5, false, "unknown incompatible feature bit 5");
	expect_refused(1ULL << 63, false, "bit 63");
	expect_refused(QCOW2_INCOMPAT_CORRUPT, false, "corrupt");
	expect_refused(QCOW2_INCOMPAT_DATA_FILE, false, "external data file");
	expect_refused(QCOW2_INCOMPAT_EXTL2, false, "extended L2");
	expect_refused(QCOW2_INCOMPAT_COMPRESSION, false, "compression type");
	expect_refused(QCOW2_INCOMPAT_DIRTY, true, "dirty");
}

Test(qcow2_header, dirty_readonly_ok)
{
	qcow2_put64(buf + 72, QCOW2_INCOMPAT_DIRTY);
	cr_assert_eq(parse(), 0, "%s", err.msg);
	cr_expect_eq(qcow2_check_features(&h, false, &err), 0);
}

Test(qcow2_header, zstd_refused)
{
	qcow2_put64(buf + 72, QCOW2_INCOMPAT_COMPRESSION);
	buf[104] = 1;
	cr_assert_eq(parse(), 0, "%s", err.msg);
	cr_expect_neq(qcow2_check_features(&h, false, &err), 0);
	cr_expect(strstr(err.msg, "compression type 1"), "%s", err.msg);
}

Test(qcow2_header, crypt_refused)
{
	qcow2_put32(buf + 32, 2);
	cr_assert_eq(parse(), 0, "%s", err.msg);
	cr_expect_neq(qcow2_check_features(&h, false, &err), 0);
	cr_expect(strstr(err.msg, "encryption"), "%s", err.msg);
}

Test(qcow2_header, snapshots_readonly_only)
{
	qcow2_put32(buf + 60, 1);
	cr_assert_eq(parse(), 0, "%s", err.msg);
	cr_expect_eq(qcow2_check_features(&h, false, &err), 0);
	cr_expect_neq(qcow2_check_features(&h, true, &err), 0);
}

Test(qcow2_header, truncated)
{
	cr_expect_eq(qcow2_parse_header(&h, buf, 64, FSIZE, &err), -EINVAL);
}
