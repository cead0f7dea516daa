// SPDX-License-Identifier: MIT
/*
 * qcow2 resize in the engine: growing past what the L1 table covers moves
 * the table (the image then checks clean, the old data reads back, the
 * new space reads as zeros), shrinking is refused over allocated clusters
 * and over data in the part of the last cluster it would cut off.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "devices/block/qcow2/check.h"
#include "tests/unit/qcow2_img_fixture.h"

static struct img_fx fx;

static void expect_clean(void)
{
	struct qcow2_check_opts o = { 0 };
	struct qcow2_check_result r;
	struct err err = { 0 };

	cr_assert_eq(qcow2_check(fx.fd, &o, &r, &err), 0, "%s", err.msg);
	cr_expect_eq(r.corruptions + r.leaks + r.check_errors, 0,
		     "%llu corruptions, %llu leaks",
		     (unsigned long long)r.corruptions,
		     (unsigned long long)r.leaks);
}

static void expect_bytes(struct qcow2 *q, u64 off, u64 len, u8 val)
{
	u8 buf[4096];
	u64 i;

	cr_assert_leq(len, sizeof(buf));
	cr_assert_eq(qcow2_read_sync(q, off, buf, len), 0);
	for (i = 0; i < len; i++)
		cr_assert_eq(buf[i], val, "byte %llu: 0x%02x, want 0x%02x",
			     (unsigned long long)(off + i), buf[i], val);
}

static void grow(u32 version)
{
	struct err err = { 0 };
	struct qcow2 *q;
	u64 l1_before;

	img_fx_create(&fx, 1 * MiB, 12, version);
	img_fx_fill(&fx, 0, 256, 0x77); /* all of the 1 MiB */
	l1_before = img_fx_get64(&fx, 40);
	q = img_fx_open(&fx);
	cr_assert_eq(qcow2_resize(q, 3 * GiB, &err), 0, "%s", err.msg);
	qcow2_close_image(q);
	cr_expect_neq(img_fx_get64(&fx, 40), l1_before, "L1 table moved");
	cr_expect_eq(img_fx_get64(&fx, 24), 3 * GiB);
	expect_clean();
	q = img_fx_open(&fx);
	cr_expect_eq(q->h.l1_size, 3 * GiB / (4096 * 512));
	expect_bytes(q, 0, 4096, 0x77);
	expect_bytes(q, 1 * MiB - 4096, 4096, 0x77);
	expect_bytes(q, 1 * MiB, 4096, 0);
	expect_bytes(q, 3 * GiB - 4096, 4096, 0);
	qcow2_close_image(q);
	close(fx.fd);
}

Test(qcow2_resize, grow_v3_moves_the_l1_table)
{
	grow(3);
}

Test(qcow2_resize, grow_v2_moves_the_l1_table)
{
	grow(2);
}

Test(qcow2_resize, shrink_only_over_nothing)
{
	struct err err = { 0 };
	struct qcow2 *q;

	img_fx_create(&fx, 64 * MiB, 16, 3);
	img_fx_fill(&fx, 16, 1, 0x11); /* 1 MiB .. 1 MiB + 64K */
	q = img_fx_open(&fx);
	cr_expect_eq(qcow2_resize(q, 512 * KiB, &err), -ENOTEMPTY);
	cr_expect(strstr(err.msg, "1048576"), "%s", err.msg);
	cr_expect_eq(qcow2_resize(q, 1 * MiB + 4096, &err), -ENOTEMPTY,
		     "data in the cut part of the last cluster");
	cr_expect_eq(qcow2_resize(q, 2 * MiB, &err), 0, "%s", err.msg);
	cr_expect_eq(q->h.size, 2 * MiB);
	cr_expect_eq(qcow2_resize(q, 4 * MiB, &err), 0, "%s", err.msg);
	expect_bytes(q, 1 * MiB, 4096, 0x11);
	expect_bytes(q, 3 * MiB, 4096, 0);
	cr_expect_eq(qcow2_resize(q, 1000, &err), -EINVAL,
		     "not a multiple of 512");
	qcow2_close_image(q);
	expect_clean();
	close(fx.fd);
}
