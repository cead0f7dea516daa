// SPDX-License-Identifier: MIT
/*
 * Refcount entry arithmetic for every refcount_order (0..6), checked
 * against bytes laid out by hand from the spec (big-endian, sub-byte
 * widths least significant bit first).
 */
#include <criterion/criterion.h>
#include <string.h>

#include "devices/block/qcow2/qcow2.h"

Test(qcow2_refcount, order4_big_endian)
{
	u8 b[8] = { 0x12, 0x34, 0x00, 0x01, 0xff, 0xfe, 0, 0 };

	cr_expect_eq(qcow2_rc_read(b, 4, 0), 0x1234);
	cr_expect_eq(qcow2_rc_read(b, 4, 1), 1);
	cr_expect_eq(qcow2_rc_read(b, 4, 2), 0xfffe);
	qcow2_rc_write(b, 4, 3, 0xabcd);
	cr_expect_eq(b[6], 0xab);
	cr_expect_eq(b[7], 0xcd);
	cr_expect_eq(b[5], 0xfe, "neighbour untouched");
}

Test(qcow2_refcount, order0_lsb_first)
{
	u8 b[2] = { 0x05, 0x80 }; /* bits 0, 2 and 15 */

	cr_expect_eq(qcow2_rc_read(b, 0, 0), 1);
	cr_expect_eq(qcow2_rc_read(b, 0, 1), 0);
	cr_expect_eq(qcow2_rc_read(b, 0, 2), 1);
	cr_expect_eq(qcow2_rc_read(b, 0, 15), 1);
	qcow2_rc_write(b, 0, 1, 1);
	cr_expect_eq(b[0], 0x07);
	qcow2_rc_write(b, 0, 0, 0);
	cr_expect_eq(b[0], 0x06);
}

Test(qcow2_refcount, order1_and_2)
{
	u8 b[2] = { 0xe4, 0x00 }; /* 2-bit: 0,1,2,3 from bit 0 up */

	cr_expect_eq(qcow2_rc_read(b, 1, 0), 0);
	cr_expect_eq(qcow2_rc_read(b, 1, 1), 1);
	cr_expect_eq(qcow2_rc_read(b, 1, 2), 2);
	cr_expect_eq(qcow2_rc_read(b, 1, 3), 3);
	qcow2_rc_write(b, 1, 1, 2);
	cr_expect_eq(b[0], 0xe8);
	b[1] = 0x9c; /* 4-bit: low nibble c, high 9 */
	cr_expect_eq(qcow2_rc_read(b, 2, 2), 0xc);
	cr_expect_eq(qcow2_rc_read(b, 2, 3), 0x9);
	qcow2_rc_write(b, 2, 3, 1);
	cr_expect_eq(b[1], 0x1c);
}

Test(qcow2_refcount, order3_5_6)
{
	u8 b[16];

	memset(b, 0, sizeof(b));
	qcow2_rc_write(b, 3, 5, 0x7f);
	cr_expect_eq(b[5], 0x7f);
	qcow2_rc_write(b, 5, 1, 0x01020304);
	cr_expect_eq(b[4], 0x01);
	cr_expect_eq(b[7], 0x04);
	cr_expect_eq(qcow2_rc_read(b, 5, 1), 0x01020304);
	qcow2_rc_write(b, 6, 1, 0x1122334455667788ULL);
	cr_expect_eq(b[8], 0x11);
	cr_expect_eq(b[15], 0x88);
	cr_expect_eq(qcow2_rc_read(b, 6, 1), 0x1122334455667788ULL);
}

Test(qcow2_refcount, roundtrip_all_orders)
{
	u8 b[512];
	u32 order;
	u64 i;

	for (order = 0; order <= 6; order++) {
		u32 bits = 1U << order;
		u64 n = sizeof(b) * 8 / bits;
		u64 mask = bits == 64 ? ~0ULL : (1ULL << bits) - 1;

		memset(b, 0, sizeof(b));
		for (i = 0; i < n; i++)
			qcow2_rc_write(b, order, i, (i * 37 + 1) & mask);
		for (i = 0; i < n; i++)
			cr_assert_eq(qcow2_rc_read(b, order, i),
				     (i * 37 + 1) & mask, "order %u idx %llu",
				     order, (unsigned long long)i);
	}
}
