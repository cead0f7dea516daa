// SPDX-License-Identifier: MIT
/* ACPI PM block, debug-exit port and i8042 reset, through the port bus. */
#include <criterion/criterion.h>
#include <string.h>

#include "devices/legacy/i8042.h"
#include "devices/legacy/pm.h"
#include "vmm/core/layout.h"

struct stops {
	int n;
	enum vm_stop_reason why;
	int status;
};

static void record_stop(void *opaque, enum vm_stop_reason why, int status)
{
	struct stops *s = opaque;

	s->n++;
	s->why = why;
	s->status = status;
}

struct fake_irq {
	u32 gsi;
	int level;
};

static int fake_set_line(void *opaque, u32 gsi, int level)
{
	struct fake_irq *f = opaque;

	f->gsi = gsi;
	f->level = level;
	return 0;
}

static const struct irq_ops fake_ops = { .set_line = fake_set_line };

static struct stops st;
static struct exit_sink sink = { record_stop, &st };
static struct fake_irq fi;
static struct irq_ctl irq = { &fake_ops, &fi };
static struct bus pio;
static struct pm pm;
static struct i8042 kbd;
static u64 fake_ns;

static u64 fake_clock(void)
{
	return fake_ns;
}

static void setup(void)
{
	memset(&st, 0, sizeof(st));
	memset(&fi, 0, sizeof(fi));
	bus_init(&pio, "pio");
	pm_init(&pm, &sink, &irq);
	i8042_init(&kbd, &sink);
	cr_assert_eq(pm_register(&pm, &pio), 0);
	cr_assert_eq(i8042_register(&kbd, &pio), 0);
}

static void teardown(void)
{
	i8042_destroy(&kbd);
	pm_destroy(&pm);
	bus_destroy(&pio);
}

static void out(u16 port, u32 v, u32 len)
{
	bus_write(&pio, port, &v, len);
}

static u32 in(u16 port, u32 len)
{
	u32 v = 0;

	bus_read(&pio, port, &v, len);
	return v;
}

TestSuite(pm, .init = setup, .fini = teardown);

Test(pm, sci_en_set_from_the_start)
{
	cr_assert_eq(in(PORT_PM1A_CNT, 2) & PM1_CNT_SCI_EN, PM1_CNT_SCI_EN);
	out(PORT_PM1A_CNT, 0, 2);
	cr_assert_eq(in(PORT_PM1A_CNT, 2) & PM1_CNT_SCI_EN, PM1_CNT_SCI_EN);
}

Test(pm, s5_powers_off)
{
	/* Linux writes SLP_TYP first, then SLP_TYP | SLP_EN. */
	out(PORT_PM1A_CNT, PM1_CNT_SCI_EN | ACPI_S5_SLP_TYP << 10, 2);
	cr_assert_eq(st.n, 0);
	cr_assert_eq(in(PORT_PM1A_CNT, 2),
		     PM1_CNT_SCI_EN | ACPI_S5_SLP_TYP << 10);
	out(PORT_PM1A_CNT,
	    PM1_CNT_SCI_EN | ACPI_S5_SLP_TYP << 10 | PM1_CNT_SLP_EN, 2);
	cr_assert_eq(st.n, 1);
	cr_assert_eq(st.why, VM_STOP_POWEROFF);
	cr_assert_eq(st.status, 0);
	cr_assert_eq(in(PORT_PM1A_CNT, 2) & PM1_CNT_SLP_EN, 0,
		     "SLP_EN reads 0");
}

Test(pm, other_sleep_states_are_ignored)
{
	for (u32 typ = 0; typ < 8; typ++)
		if (typ != ACPI_S5_SLP_TYP)
			out(PORT_PM1A_CNT, typ << 10 | PM1_CNT_SLP_EN, 2);
	cr_assert_eq(st.n, 0);
	/* Byte-wide writes of the high byte work too. */
	out(PORT_PM1A_CNT + 1, (ACPI_S5_SLP_TYP << 2) | 0x20, 1);
	cr_assert_eq(st.n, 1);
	cr_assert_eq(st.why, VM_STOP_POWEROFF);
}

Test(pm, reset_register)
{
	out(PORT_ACPI_RESET, 0x01, 1);
	cr_assert_eq(st.n, 0);
	out(PORT_ACPI_RESET, ACPI_RESET_VALUE, 1);
	cr_assert_eq(st.n, 1);
	cr_assert_eq(st.why, VM_STOP_RESET);
	cr_assert_eq(st.status, 0);
}

Test(pm, debug_exit_status)
{
	out(PORT_DEBUG_EXIT, 0x21, 1);
	cr_assert_eq(st.why, VM_STOP_DEBUG_EXIT);
	cr_assert_eq(st.status, 0x43);
	out(PORT_DEBUG_EXIT, 0x0102, 2);
	cr_assert_eq(st.status, 0x205);
	out(PORT_DEBUG_EXIT, 0, 4);
	cr_assert_eq(st.status, 1);
	cr_assert_eq(st.n, 3);
	out(PORT_DEBUG_EXIT + 1, 5, 1);
	cr_assert_eq(st.n, 3, "only the base port exits");
}

Test(pm, status_write_one_to_clear_and_sci)
{
	out(PORT_PM1A_EVT + 2, PM1_STS_PWRBTN, 2); /* enable */
	cr_assert_eq(in(PORT_PM1A_EVT + 2, 2), PM1_STS_PWRBTN);
	cr_assert_eq(fi.level, 0);
	out(PORT_PM1A_EVT, PM1_STS_PWRBTN, 2); /* the guest cannot set it */
	cr_assert_eq(in(PORT_PM1A_EVT, 2), 0);
	cr_assert_eq(fi.level, 0);
	/* No host event raises a status bit today: stand in for one. */
	pm.sts |= PM1_STS_PWRBTN;
	out(PORT_PM1A_EVT, 0, 2); /* writing 0 changes nothing */
	cr_assert_eq(in(PORT_PM1A_EVT, 2) & PM1_STS_PWRBTN, PM1_STS_PWRBTN);
	cr_assert_eq(fi.gsi, IRQ_SCI);
	cr_assert_eq(fi.level, 1, "status & enable raises the SCI");
	out(PORT_PM1A_EVT, PM1_STS_PWRBTN, 2);
	cr_assert_eq(in(PORT_PM1A_EVT, 2), 0);
	cr_assert_eq(fi.level, 0);
	/* A 4-byte access covers status and enable at once. */
	cr_assert_eq(in(PORT_PM1A_EVT, 4), (u32)PM1_STS_PWRBTN << 16);
}

Test(pm, timer_runs_at_3_579545_mhz_and_wraps_at_24_bits)
{
	pm.clock_ns = fake_clock;
	fake_ns = 0;
	cr_assert_eq(in(PORT_PM_TMR, 4), 0);
	fake_ns = 1000000000ULL;
	cr_assert_eq(in(PORT_PM_TMR, 4), PM_TMR_HZ & PM_TMR_MASK);
	fake_ns = 1000; /* 1 us = 3.58 ticks */
	cr_assert_eq(in(PORT_PM_TMR, 4), 3);
	fake_ns = 4686968874ULL; /* the last ns before 2^24 ticks */
	cr_assert_eq(in(PORT_PM_TMR, 4), PM_TMR_MASK);
	fake_ns = 4686968875ULL;
	cr_assert_eq(in(PORT_PM_TMR, 4), 0);
}

Test(pm, timer_is_monotonic_on_the_host_clock)
{
	u32 a = in(PORT_PM_TMR, 4), b;
	struct timespec ts = { 0, 2000000 };

	nanosleep(&ts, NULL);
	b = in(PORT_PM_TMR, 4);
	/* 2 ms is ~7159 ticks; allow wrap-around by masking the difference. */
	cr_assert_geq((b - a) & PM_TMR_MASK, 7000);
	cr_assert_lt((b - a) & PM_TMR_MASK, 3579545);
}

Test(pm, i8042_self_test_and_status)
{
	cr_assert_eq(in(PORT_I8042_CMD, 1) & I8042_STS_OBF, 0);
	out(PORT_I8042_CMD, I8042_CMD_SELF_TEST, 1);
	cr_assert_eq(in(PORT_I8042_CMD, 1) & (I8042_STS_OBF | I8042_STS_SYS),
		     I8042_STS_OBF | I8042_STS_SYS);
	cr_assert_eq(in(PORT_I8042_DATA, 1), 0x55);
	cr_assert_eq(in(PORT_I8042_CMD, 1) & I8042_STS_OBF, 0);
	cr_assert_eq(st.n, 0);
}

Test(pm, i8042_command_byte_round_trip)
{
	out(PORT_I8042_CMD, I8042_CMD_WRITE_CTR, 1);
	out(PORT_I8042_DATA, 0x47, 1);
	out(PORT_I8042_CMD, I8042_CMD_READ_CTR, 1);
	cr_assert_eq(in(PORT_I8042_DATA, 1), 0x47);
	out(PORT_I8042_CMD, I8042_CMD_KBD_DISABLE, 1);
	out(PORT_I8042_CMD, I8042_CMD_KBD_TEST, 1);
	cr_assert_eq(in(PORT_I8042_DATA, 1), 0x00);
	out(PORT_I8042_DATA, 0xff, 1); /* to the absent keyboard */
	cr_assert_eq(st.n, 0);
}

Test(pm, i8042_pulse_reset)
{
	out(PORT_I8042_CMD, 0xff, 1); /* pulse no lines */
	cr_assert_eq(st.n, 0);
	out(PORT_I8042_CMD, I8042_CMD_PULSE_RESET, 1);
	cr_assert_eq(st.n, 1);
	cr_assert_eq(st.why, VM_STOP_RESET);
	cr_assert_eq(st.status, 0);
}

Test(pm, i8042_output_port_reset)
{
	out(PORT_I8042_CMD, I8042_CMD_WRITE_OUTPUT, 1);
	out(PORT_I8042_DATA, 0x01, 1);
	cr_assert_eq(st.n, 0);
	out(PORT_I8042_CMD, I8042_CMD_WRITE_OUTPUT, 1);
	out(PORT_I8042_DATA, 0x00, 1);
	cr_assert_eq(st.n, 1);
	cr_assert_eq(st.why, VM_STOP_RESET);
}

/* squeeze ctl shutdown: the fixed power button in PM1. */
Test(pm, power_button_raises_the_sci_only_when_enabled)
{
	cr_assert_not(pm_power_button(&pm));
	cr_assert(in(PORT_PM1A_EVT, 2) & PM1_STS_PWRBTN);
	cr_assert_eq(fi.level, 0, "the guest did not enable the event");
	out(PORT_PM1A_EVT + 2, PM1_EN_PWRBTN, 2);
	cr_assert_eq(fi.gsi, IRQ_SCI);
	cr_assert_eq(fi.level, 1, "enabling a pending event raises the SCI");
	out(PORT_PM1A_EVT, PM1_STS_PWRBTN, 2); /* the guest clears it */
	cr_assert_eq(fi.level, 0);
	cr_assert(pm_power_button(&pm));
	cr_assert_eq(fi.level, 1);
}

Test(pm, save_and_restore_keep_registers_and_the_timer_going_on)
{
	struct pm_state s;
	struct pm other;
	u32 t;

	pm.clock_ns = fake_clock;
	out(PORT_PM1A_EVT + 2, 0x0121, 2);
	fake_ns = 5000000000ULL;
	pm_save(&pm, &s);
	cr_assert_eq(s.en, 0x0121);
	t = s.tmr;
	/* Another process, whose monotonic clock is somewhere else. */
	pm_init(&other, &sink, &irq);
	other.clock_ns = fake_clock;
	fake_ns = 123;
	pm_restore(&other, &s);
	cr_assert_eq(other.en, 0x0121);
	cr_assert(other.cnt & PM1_CNT_SCI_EN);
	cr_assert_eq(pm_timer(&other), t,
		     "the timer goes on from the saved value");
	fake_ns += 1000000000ULL;
	cr_assert_eq(pm_timer(&other), (t + 3579545) & PM_TMR_MASK);
	pm_destroy(&other);
}
