// SPDX-License-Identifier: MIT
/*
 * The MC146818 CMOS RTC: clock registers from the host's time in UTC,
 * the rest of CMOS RAM kept for the guest (see devices/legacy/rtc.h).
 */
#include <string.h>

#include "devices/legacy/rtc.h"
#include "vmm/core/layout.h"

static time_t host_time(void)
{
	return time(NULL);
}

void rtc_init(struct rtc *rtc)
{
	memset(rtc, 0, sizeof(*rtc));
	pthread_mutex_init(&rtc->lock, NULL);
	rtc->clock = host_time;
	rtc->ram[RTC_REG_A] = 0x26; /* 32.768 kHz time base, 1024 Hz rate */
	rtc->ram[RTC_REG_B] = RTC_B_24H;
	rtc->ram[RTC_REG_D] = RTC_D_VRT;
}

void rtc_destroy(struct rtc *rtc)
{
	pthread_mutex_destroy(&rtc->lock);
}

/* The registers that show the time (the alarm bytes between are RAM). */
static bool is_clock_reg(u8 idx)
{
	switch (idx) {
	case RTC_SECONDS:
	case RTC_MINUTES:
	case RTC_HOURS:
	case RTC_WEEKDAY:
	case RTC_DAY:
	case RTC_MONTH:
	case RTC_YEAR:
	case RTC_CENTURY:
		return true;
	default:
		return false;
	}
}

static u8 encode(const struct rtc *rtc, unsigned int v)
{
	if (rtc->ram[RTC_REG_B] & RTC_B_DM_BINARY)
		return v;
	return (v / 10) << 4 | (v % 10);
}

static u8 encode_hour(const struct rtc *rtc, unsigned int h)
{
	unsigned int h12;

	if (rtc->ram[RTC_REG_B] & RTC_B_24H)
		return encode(rtc, h);
	h12 = h % 12 ? h % 12 : 12;
	return encode(rtc, h12) | (h >= 12 ? RTC_HOUR_PM : 0);
}

/*
 * @t (seconds since 1970, UTC) as a calendar date and time, by arithmetic:
 * glibc's gmtime_r() reads the time zone files the first time it runs,
 * which a vCPU thread under seccomp may not do (and needs not: UTC).
 * The date is the proleptic Gregorian calendar's, counted in 400-year
 * eras of 146097 days from 0000-03-01 so that the leap day ends a year.
 */
void rtc_utc(time_t t, struct tm *tm)
{
	s64 days = t / 86400, secs = t % 86400, era, y;
	u32 doe, yoe, doy, mp;

	if (secs < 0) {
		secs += 86400;
		days--;
	}
	tm->tm_hour = secs / 3600;
	tm->tm_min = secs / 60 % 60;
	tm->tm_sec = secs % 60;
	tm->tm_wday = (int)(((days + 4) % 7 + 7) % 7); /* 1970-01-01: Thu */
	days += 719468;				       /* from 0000-03-01 */
	era = (days >= 0 ? days : days - 146096) / 146097;
	doe = (u32)(days - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153; /* March = 0 */
	tm->tm_mday = doy - (153 * mp + 2) / 5 + 1;
	tm->tm_mon = mp < 10 ? mp + 2 : mp - 10;
	y = yoe + era * 400 + (tm->tm_mon < 2);
	tm->tm_year = (int)(y - 1900);
}

static u8 clock_reg(const struct rtc *rtc, u8 idx)
{
	struct tm tm;

	rtc_utc(rtc->clock(), &tm);
	switch (idx) {
	case RTC_SECONDS:
		return encode(rtc, tm.tm_sec);
	case RTC_MINUTES:
		return encode(rtc, tm.tm_min);
	case RTC_HOURS:
		return encode_hour(rtc, tm.tm_hour);
	case RTC_WEEKDAY:
		return encode(rtc, tm.tm_wday + 1);
	case RTC_DAY:
		return encode(rtc, tm.tm_mday);
	case RTC_MONTH:
		return encode(rtc, tm.tm_mon + 1);
	case RTC_YEAR:
		return encode(rtc, tm.tm_year % 100);
	default:
		return encode(rtc, (tm.tm_year + 1900) / 100); /* century */
	}
}

void rtc_write_index(struct rtc *rtc, u8 val)
{
	pthread_mutex_lock(&rtc->lock);
	rtc->index = val & 0x7f; /* bit 7 masks NMIs: not emulated */
	pthread_mutex_unlock(&rtc->lock);
}

u8 rtc_read_data(struct rtc *rtc)
{
	u8 idx, v;

	pthread_mutex_lock(&rtc->lock);
	idx = rtc->index;
	if (is_clock_reg(idx))
		v = clock_reg(rtc, idx);
	else
		v = rtc->ram[idx];
	pthread_mutex_unlock(&rtc->lock);
	return v;
}

void rtc_write_data(struct rtc *rtc, u8 val)
{
	u8 idx;

	pthread_mutex_lock(&rtc->lock);
	idx = rtc->index;
	switch (idx) {
	case RTC_REG_A:
		rtc->ram[idx] = val & ~RTC_A_UIP; /* UIP is read-only */
		break;
	case RTC_REG_C:
	case RTC_REG_D:
		break; /* read-only */
	default:
		/* Alarm bytes are plain RAM; the time itself is the host's. */
		if (!is_clock_reg(idx))
			rtc->ram[idx] = val;
		break;
	}
	pthread_mutex_unlock(&rtc->lock);
}

void rtc_save(struct rtc *rtc, struct rtc_state *out)
{
	pthread_mutex_lock(&rtc->lock);
	out->index = rtc->index;
	memcpy(out->ram, rtc->ram, sizeof(out->ram));
	pthread_mutex_unlock(&rtc->lock);
}

void rtc_restore(struct rtc *rtc, const struct rtc_state *in)
{
	pthread_mutex_lock(&rtc->lock);
	rtc->index = in->index & 0x7f;
	memcpy(rtc->ram, in->ram, sizeof(rtc->ram));
	pthread_mutex_unlock(&rtc->lock);
}

static void rtc_io_read(void *opaque, u64 off, void *data, u32 len)
{
	memset(data, 0xff, len);
	if (len == 1 && off == 1)
		*(u8 *)data = rtc_read_data(opaque);
}

static void rtc_io_write(void *opaque, u64 off, const void *data, u32 len)
{
	u8 v = *(const u8 *)data;

	if (len != 1)
		return;
	if (off == 0)
		rtc_write_index(opaque, v);
	else
		rtc_write_data(opaque, v);
}

/* CMOS register names, beside the map in rtc.h; the rest is RAM. */
static const struct reg_name cmos_names[] = {
	{ RTC_SECONDS, 1, "seconds" },	{ 0x01, 1, "seconds alarm" },
	{ RTC_MINUTES, 1, "minutes" },	{ 0x03, 1, "minutes alarm" },
	{ RTC_HOURS, 1, "hours" },	{ 0x05, 1, "hours alarm" },
	{ RTC_WEEKDAY, 1, "weekday" },	{ RTC_DAY, 1, "day of month" },
	{ RTC_MONTH, 1, "month" },	{ RTC_YEAR, 1, "year" },
	{ RTC_REG_A, 1, "register A" }, { RTC_REG_B, 1, "register B" },
	{ RTC_REG_C, 1, "register C" }, { RTC_REG_D, 1, "register D" },
	{ RTC_CENTURY, 1, "century" },
};

static void rtc_describe(void *opaque, const struct io_access *a,
			 struct trace_note *n)
{
	struct rtc *rtc = opaque;
	u8 idx = a->off ? __atomic_load_n(&rtc->index, __ATOMIC_RELAXED) :
			  a->val & 0x7f;
	const struct reg_name *r =
		reg_name_find(cmos_names, ARRAY_SIZE(cmos_names), idx);

	note_printf(n, "rtc.%s %s 0x%02x (CMOS 0x%02x: %s)",
		    a->off ? "data" : "index", a->write ? "<-" : "->",
		    (u8)a->val, idx, r ? r->name : "RAM");
}

static const struct io_desc rtc_desc = {
	.file = __FILE__,
	.trace_class = TRACE_PIO,
	.name = "rtc",
	.describe = rtc_describe,
};

static const struct io_ops rtc_ops = {
	.read = rtc_io_read,
	.write = rtc_io_write,
	.desc = &rtc_desc,
};

int rtc_register(struct rtc *rtc, struct bus *pio)
{
	return bus_register(pio, PORT_RTC_INDEX, 2, &rtc_ops, rtc);
}
