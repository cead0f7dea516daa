// SPDX-License-Identifier: MIT
/* Exercise 2, a solution: the date from CMOS registers, BCD or binary. */
#include "lib.h"

#define RTC_INDEX   0x70
#define RTC_DATA    0x71
#define RTC_REG_A   0x0a
#define RTC_REG_B   0x0b
#define RTC_DAY	    0x07
#define RTC_MONTH   0x08
#define RTC_YEAR    0x09
#define RTC_CENTURY 0x32
#define A_UIP	    0x80
#define B_BINARY    0x04

static u8 cmos_read(u8 reg)
{
	outb(RTC_INDEX, reg);
	return inb(RTC_DATA);
}

static unsigned int decode(u8 v, bool binary)
{
	return binary ? v : (v >> 4) * 10 + (v & 0xf);
}

int guest_main(const struct hvm_start_info *si)
{
	bool binary;
	unsigned int day, month, year;

	(void)si;
	while (cmos_read(RTC_REG_A) & A_UIP)
		cpu_relax();
	binary = cmos_read(RTC_REG_B) & B_BINARY;
	day = decode(cmos_read(RTC_DAY), binary);
	month = decode(cmos_read(RTC_MONTH), binary);
	year = decode(cmos_read(RTC_CENTURY), binary) * 100 +
	       decode(cmos_read(RTC_YEAR), binary);
	printf("exercise 2: today is %04u-%02u-%02u\n", year, month, day);
	return 0;
}
