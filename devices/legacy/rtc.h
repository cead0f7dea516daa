/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_RTC_H
#define SQUEEZE_RTC_H

#include <pthread.h>
#include <time.h>

#include "vmm/core/bus.h"
#include "vmm/base/types.h"

/*
 * The MC146818 CMOS RTC at ports 0x70 (index; bit 7 is the NMI mask,
 * ignored) and 0x71 (data). The clock registers read the host's time in
 * UTC, in BCD or binary and 24 or 12 hour format as register B says;
 * writes to them are ignored (the clock is always the host's). Register A
 * never shows an update in progress, D reports valid RAM. The other bytes
 * of the 128-byte CMOS RAM hold whatever the guest stores.
 */

#define RTC_SECONDS 0x00
#define RTC_MINUTES 0x02
#define RTC_HOURS   0x04
#define RTC_WEEKDAY 0x06
#define RTC_DAY	    0x07
#define RTC_MONTH   0x08
#define RTC_YEAR    0x09
#define RTC_REG_A   0x0a
#define RTC_REG_B   0x0b
#define RTC_REG_C   0x0c
#define RTC_REG_D   0x0d
/* the ACPI FADT CENTURY field's usual index */
#define RTC_CENTURY 0x32

#define RTC_A_UIP	0x80
#define RTC_B_SET	0x80
#define RTC_B_DM_BINARY 0x04
#define RTC_B_24H	0x02
#define RTC_D_VRT	0x80

#define RTC_HOUR_PM 0x80 /* 12-hour mode */

struct rtc {
	pthread_mutex_t lock;
	u8 index;
	u8 ram[128];
	time_t (*clock)(void); /* host time; tests swap it */
};

/* CMOS RAM and the index register, for a snapshot. */
struct rtc_state {
	u8 index;
	u8 ram[128];
};

void rtc_init(struct rtc *rtc);
void rtc_destroy(struct rtc *rtc);
int rtc_register(struct rtc *rtc, struct bus *pio);

/* Register access as through the ports (index selects, data reads). */
void rtc_write_index(struct rtc *rtc, u8 val);
u8 rtc_read_data(struct rtc *rtc);
void rtc_write_data(struct rtc *rtc, u8 val);

/* @t in UTC, as gmtime_r() would say it, without touching any file. */
void rtc_utc(time_t t, struct tm *tm);
void rtc_save(struct rtc *rtc, struct rtc_state *out);
void rtc_restore(struct rtc *rtc, const struct rtc_state *in);

#endif
