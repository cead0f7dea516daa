// SPDX-License-Identifier: MIT
/* The CMOS RTC: time in BCD and binary, 12/24 h, registers and ports. */
#include <criterion/criterion.h>

#include "devices/legacy/rtc.h"
#include "vmm/core/layout.h"

/* 2026-12-01 15:04:09 UTC, a Tuesday. */
static time_t fixed_time(void)
{
	return 1796137449;
}

/* 2026-12-01 00:30:00 UTC: hour 0 in 24h mode, 12 AM in 12h mode. */
static time_t midnight(void)
{
	return 1796137449 - (15 * 3600 + 4 * 60 + 9) + 30 * 60;
}

static struct rtc rtc;

static void setup(void)
{
	rtc_init(&rtc);
	rtc.clock = fixed_time;
}

static void teardown(void)
{
	rtc_destroy(&rtc);
}

static u8 rd(u8 idx)
{
	rtc_write_index(&rtc, idx);
	return rtc_read_data(&rtc);
}

static void wr(u8 idx, u8 v)
{
	rtc_write_index(&rtc, idx);
	rtc_write_data(&rtc, v);
}

TestSuite(rtc, .init = setup, .fini = teardown);

Test(rtc, bcd_24h_by_default)
{
	cr_assert_eq(rd(RTC_REG_B), RTC_B_24H);
	cr_assert_eq(rd(RTC_SECONDS), 0x09);
	cr_assert_eq(rd(RTC_MINUTES), 0x04);
	cr_assert_eq(rd(RTC_HOURS), 0x15);
	cr_assert_eq(rd(RTC_WEEKDAY), 0x03); /* Sunday = 1 */
	cr_assert_eq(rd(RTC_DAY), 0x01);
	cr_assert_eq(rd(RTC_MONTH), 0x12);
	cr_assert_eq(rd(RTC_YEAR), 0x26);
	cr_assert_eq(rd(RTC_CENTURY), 0x20);
}

Test(rtc, binary_mode)
{
	wr(RTC_REG_B, RTC_B_24H | RTC_B_DM_BINARY);
	cr_assert_eq(rd(RTC_HOURS), 15);
	cr_assert_eq(rd(RTC_MONTH), 12);
	cr_assert_eq(rd(RTC_YEAR), 26);
	cr_assert_eq(rd(RTC_CENTURY), 20);
}

Test(rtc, twelve_hour_mode)
{
	wr(RTC_REG_B, 0);
	cr_assert_eq(rd(RTC_HOURS), RTC_HOUR_PM | 0x03);
	rtc.clock = midnight;
	cr_assert_eq(rd(RTC_HOURS), 0x12);
	wr(RTC_REG_B, RTC_B_24H);
	cr_assert_eq(rd(RTC_HOURS), 0x00);
}

Test(rtc, status_registers)
{
	cr_assert_eq(rd(RTC_REG_A) & RTC_A_UIP, 0);
	wr(RTC_REG_A, 0xa6);
	cr_assert_eq(rd(RTC_REG_A), 0x26, "UIP is read-only");
	cr_assert_eq(rd(RTC_REG_C), 0);
	cr_assert_eq(rd(RTC_REG_D), RTC_D_VRT);
	wr(RTC_REG_D, 0);
	cr_assert_eq(rd(RTC_REG_D), RTC_D_VRT);
}

Test(rtc, clock_writes_are_ignored_ram_is_kept)
{
	wr(RTC_HOURS, 0x01);
	cr_assert_eq(rd(RTC_HOURS), 0x15);
	wr(0x01, 0x42); /* alarm seconds: plain storage */
	cr_assert_eq(rd(0x01), 0x42);
	wr(0x7f, 0x99);
	cr_assert_eq(rd(0x7f), 0x99);
	wr(0x40, 0x11);
	cr_assert_eq(rd(0x40), 0x11);
}

Test(rtc, nmi_bit_in_index_is_ignored)
{
	cr_assert_eq(rd(0x80 | RTC_MINUTES), 0x04);
	wr(0x80 | 0x20, 0x77);
	cr_assert_eq(rd(0x20), 0x77);
}

Test(rtc, through_the_ports)
{
	struct bus pio;
	u8 idx = RTC_MONTH, v = 0;

	bus_init(&pio, "pio");
	cr_assert_eq(rtc_register(&rtc, &pio), 0);
	bus_write(&pio, PORT_RTC_INDEX, &idx, 1);
	bus_read(&pio, PORT_RTC_DATA, &v, 1);
	cr_assert_eq(v, 0x12);
	bus_destroy(&pio);
}

Test(rtc, host_clock_by_default)
{
	struct rtc real;
	time_t now = time(NULL);
	struct tm tm;
	u8 y;

	rtc_init(&real);
	gmtime_r(&now, &tm);
	rtc_write_index(&real, RTC_YEAR);
	y = rtc_read_data(&real);
	cr_assert_eq((y >> 4) * 10 + (y & 15), tm.tm_year % 100);
	rtc_destroy(&real);
}

/* rtc_utc() agrees with libc's gmtime_r() across leap years and eras. */
Test(rtc, utc_conversion_matches_gmtime)
{
	static const time_t fixed[] = {
		0,
		86399,
		86400,
		951782400 /* 2000-02-29 */,
		951868800 /* 2000-03-01 */,
		4107542400 /* 2100-03-01 */,
		1796137449,
		-1,
		-86401,
		253402300799 /* 9999-12-31 */,
	};
	struct tm a, b;
	time_t t;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(fixed) + 20000; i++) {
		t = i < ARRAY_SIZE(fixed) ?
			    fixed[i] :
			    (time_t)(i - ARRAY_SIZE(fixed)) * 9999991 -
				    400000000;
		rtc_utc(t, &a);
		gmtime_r(&t, &b);
		cr_assert(
			a.tm_year == b.tm_year && a.tm_mon == b.tm_mon &&
				a.tm_mday == b.tm_mday &&
				a.tm_hour == b.tm_hour &&
				a.tm_min == b.tm_min && a.tm_sec == b.tm_sec &&
				a.tm_wday == b.tm_wday,
			"t=%lld: %d-%d-%d %d:%d:%d wday %d, libc %d-%d-%d %d:%d:%d wday %d",
			(long long)t, a.tm_year, a.tm_mon, a.tm_mday, a.tm_hour,
			a.tm_min, a.tm_sec, a.tm_wday, b.tm_year, b.tm_mon,
			b.tm_mday, b.tm_hour, b.tm_min, b.tm_sec, b.tm_wday);
	}
}
