// SPDX-License-Identifier: MIT
/*
 * Unit tests of byte-count parsing and formatting (vmm/base/size.c).
 */
#include <criterion/criterion.h>
#include <errno.h>

#include "vmm/base/size.h"

Test(size, plain_bytes)
{
	u64 v = 1;

	cr_assert_eq(parse_size("0", &v), 0);
	cr_assert_eq(v, 0);
	cr_assert_eq(parse_size("4096", &v), 0);
	cr_assert_eq(v, 4096);
	cr_assert_eq(parse_size("18446744073709551615", &v), 0);
	cr_assert_eq(v, UINT64_MAX);
}

Test(size, suffixes_are_binary)
{
	u64 v;

	cr_assert_eq(parse_size("16K", &v), 0);
	cr_assert_eq(v, 16384);
	cr_assert_eq(parse_size("256M", &v), 0);
	cr_assert_eq(v, 268435456ULL);
	cr_assert_eq(parse_size("5g", &v), 0);
	cr_assert_eq(v, 5368709120ULL);
	cr_assert_eq(parse_size("1T", &v), 0);
	cr_assert_eq(v, 1099511627776ULL);
	cr_assert_eq(parse_size("3m", &v), 0);
	cr_assert_eq(v, 3 << 20);
}

Test(size, overflow)
{
	u64 v = 7;

	cr_assert_eq(parse_size("18446744073709551616", &v), -ERANGE);
	cr_assert_eq(parse_size("99999999999999999999999", &v), -ERANGE);
	cr_assert_eq(parse_size("16777216T", &v), -ERANGE); /* 2^64 */
	cr_assert_eq(parse_size("17179869184G", &v), -ERANGE);
	cr_assert_eq(parse_size("16777215T", &v), 0);
	cr_assert_eq(v, 16777215ULL << 40);
}

Test(size, garbage_is_refused_and_leaves_output)
{
	static const char *const bad[] = {
		"",    "M",    "-1",   "+5",  " 5", "5 ", "5MB",
		"5MM", "1.5G", "0x10", "12a", "5P", "G5",
	};
	u64 v = 1234;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		cr_expect_eq(parse_size(bad[i], &v), -EINVAL, "'%s'", bad[i]);
	cr_assert_eq(v, 1234);
	cr_assert_eq(parse_size(NULL, &v), -EINVAL);
}

Test(size, format_picks_largest_exact_unit)
{
	char buf[24];

	format_size(256ULL << 20, buf, sizeof(buf));
	cr_assert_str_eq(buf, "256M");
	format_size(1ULL << 40, buf, sizeof(buf));
	cr_assert_str_eq(buf, "1T");
	format_size(1536ULL << 20, buf, sizeof(buf));
	cr_assert_str_eq(buf, "1536M");
	format_size(1000, buf, sizeof(buf));
	cr_assert_str_eq(buf, "1000");
	format_size(0, buf, sizeof(buf));
	cr_assert_str_eq(buf, "0");
}
