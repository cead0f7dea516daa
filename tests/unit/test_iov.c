// SPDX-License-Identifier: MIT
/* The iovec walks every device shares (vmm/base/iov.h). */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "vmm/base/iov.h"

static u8 mem[64];

/* Segments of 3, 0, 5 and 8 bytes at mem[0], mem[10], mem[20], mem[40]. */
static const struct iovec segs[4] = {
	{ mem, 3 },
	{ mem + 10, 0 },
	{ mem + 20, 5 },
	{ mem + 40, 8 },
};

Test(iov, total)
{
	cr_assert_eq(iov_total(segs, 4), 16);
	cr_assert_eq(iov_total(segs, 0), 0);
}

Test(iov, slice_skips_and_drops_empty_segments)
{
	struct iovec out[4];

	/* Bytes 2..10: one from the first, all of the third, 2 of the last. */
	cr_assert_eq(iov_slice(segs, 4, 2, 8, out, 4), 3);
	cr_assert_eq(out[0].iov_base, mem + 2);
	cr_assert_eq(out[0].iov_len, 1);
	cr_assert_eq(out[1].iov_base, mem + 20);
	cr_assert_eq(out[1].iov_len, 5);
	cr_assert_eq(out[2].iov_base, mem + 40);
	cr_assert_eq(out[2].iov_len, 2);
	/* Starting exactly at a segment boundary. */
	cr_assert_eq(iov_slice(segs, 4, 8, 8, out, 4), 1);
	cr_assert_eq(out[0].iov_base, mem + 40);
	cr_assert_eq(iov_slice(segs, 4, 16, 0, out, 4), 0);
}

Test(iov, slice_refuses_too_many_or_too_few)
{
	struct iovec out[4];

	cr_assert_eq(iov_slice(segs, 4, 0, 16, out, 2), -EINVAL);
	cr_assert_eq(iov_slice(segs, 4, 0, 16, out, 3), 3);
	cr_assert_eq(iov_slice(segs, 4, 4, 13, out, 4), -EINVAL);
	cr_assert_eq(iov_slice(segs, 4, 17, 1, out, 4), -EINVAL);
}

Test(iov, copies_and_zeroes)
{
	u8 buf[16], back[16];
	size_t i;

	for (i = 0; i < sizeof(buf); i++)
		buf[i] = 0x40 + i;
	memset(mem, 0xff, sizeof(mem));
	cr_assert_eq(iov_from_buf(segs, 4, 0, buf, 16), 16);
	cr_assert_eq(mem[2], 0x42);
	cr_assert_eq(mem[20], 0x43);
	cr_assert_eq(mem[47], 0x4f);
	cr_assert_eq(mem[3], 0xff, "wrote past a segment");
	/* Bounded by the array: 6 of the 10 asked for from byte 10 on. */
	cr_assert_eq(iov_to_buf(segs, 4, 10, back, 10), 6);
	cr_assert_arr_eq(back, buf + 10, 6);
	cr_assert_eq(iov_zero(segs, 4, 1, 4), 4);
	cr_assert_eq(mem[0], 0x40);
	cr_assert_eq(mem[1], 0);
	cr_assert_eq(mem[21], 0);
	cr_assert_eq(mem[22], 0x45);
}

Test(iov, aligned)
{
	static u8 buf[4096] __attribute__((aligned(512)));
	struct iovec v[2] = { { buf, 512 }, { buf + 1024, 1024 } };

	cr_assert(iov_aligned(v, 2, 512));
	v[1].iov_len = 1000;
	cr_assert_not(iov_aligned(v, 2, 512), "a length off the boundary");
	v[1].iov_len = 1024;
	v[0].iov_base = buf + 8;
	cr_assert_not(iov_aligned(v, 2, 512), "a start off the boundary");
	cr_assert(iov_aligned(v, 2, 8));
}
