// SPDX-License-Identifier: MIT
/*
 * ACPI fixed hardware: PM1a event and control blocks (S5 power-off),
 * the PM timer, the reset register and the isa-debug-exit port.
 */
#include <string.h>

#include "devices/legacy/pm.h"
#include "vmm/base/clock.h"
#include "vmm/core/layout.h"

/* Offsets inside the block that starts at PORT_PM1A_EVT. */
#define OFF_STS	     (PORT_PM1A_EVT - PORT_PM1A_EVT)
#define OFF_EN	     (OFF_STS + 2)
#define OFF_CNT	     (PORT_PM1A_CNT - PORT_PM1A_EVT)
#define OFF_TMR	     (PORT_PM_TMR - PORT_PM1A_EVT)
#define OFF_RESET    (PORT_ACPI_RESET - PORT_PM1A_EVT)
#define PM_BLOCK_LEN (OFF_RESET + 1)

void pm_init(struct pm *pm, const struct exit_sink *exit,
	     const struct irq_ctl *irq)
{
	memset(pm, 0, sizeof(*pm));
	pthread_mutex_init(&pm->lock, NULL);
	pm->exit = exit;
	pm->irq = irq;
	pm->cnt = PM1_CNT_SCI_EN;
	pm->clock_ns = clock_ns;
}

void pm_destroy(struct pm *pm)
{
	pthread_mutex_destroy(&pm->lock);
}

u32 pm_timer(const struct pm *pm)
{
	unsigned __int128 t =
		(unsigned __int128)(pm->clock_ns() + pm->tmr_offset_ns) *
		PM_TMR_HZ;

	return (u32)(t / 1000000000ULL) & PM_TMR_MASK;
}

static void update_sci(struct pm *pm)
{
	int level = (pm->sts & pm->en) != 0;

	if (level != pm->sci_level && pm->irq) {
		irq_set_line(pm->irq, IRQ_SCI, level);
		pm->sci_level = level;
	}
}

/* The block as bytes, so any access width at any offset behaves the same. */
static u8 block_byte(const struct pm *pm, u64 off, u32 tmr)
{
	switch (off) {
	case OFF_STS:
	case OFF_STS + 1:
		return pm->sts >> (8 * (off - OFF_STS));
	case OFF_EN:
	case OFF_EN + 1:
		return pm->en >> (8 * (off - OFF_EN));
	case OFF_CNT:
	case OFF_CNT + 1:
		/* SLP_EN is write-only and reads as zero. */
		return (pm->cnt & ~PM1_CNT_SLP_EN) >> (8 * (off - OFF_CNT));
	case OFF_TMR:
	case OFF_TMR + 1:
	case OFF_TMR + 2:
	case OFF_TMR + 3:
		return tmr >> (8 * (off - OFF_TMR));
	default:
		/* reserved bytes and the write-only reset reg */
		return 0;
	}
}

static void pm_read(void *opaque, u64 off, void *data, u32 len)
{
	struct pm *pm = opaque;
	u32 tmr = pm_timer(pm); /* one sample for the whole access */
	u8 *p = data;

	pthread_mutex_lock(&pm->lock);
	for (u32 i = 0; i < len; i++)
		p[i] = block_byte(pm, off + i, tmr);
	pthread_mutex_unlock(&pm->lock);
}

static void set_byte(u16 *reg, unsigned int byte, u8 v)
{
	*reg = (*reg & ~(0xff << (8 * byte))) | v << (8 * byte);
}

/* Apply one written byte; sleep and reset are decided by the caller. */
static void write_byte(struct pm *pm, u64 off, u8 v)
{
	switch (off) {
	case OFF_STS:
	case OFF_STS + 1:
		/* write 1 to clear */
		pm->sts &= ~(v << (8 * (off - OFF_STS)));
		break;
	case OFF_EN:
	case OFF_EN + 1:
		set_byte(&pm->en, off - OFF_EN, v);
		break;
	case OFF_CNT:
	case OFF_CNT + 1:
		set_byte(&pm->cnt, off - OFF_CNT, v);
		/* no SMI_CMD: always ACPI mode */
		pm->cnt |= PM1_CNT_SCI_EN;
		break;
	}
}

static void pm_write(void *opaque, u64 off, const void *data, u32 len)
{
	struct pm *pm = opaque;
	const u8 *p = data;
	bool poweroff = false, reset = false;

	pthread_mutex_lock(&pm->lock);
	for (u32 i = 0; i < len; i++) {
		if (off + i == OFF_RESET && p[i] == ACPI_RESET_VALUE)
			reset = true;
		write_byte(pm, off + i, p[i]);
	}
	if (pm->cnt & PM1_CNT_SLP_EN) {
		u16 typ = (pm->cnt & PM1_CNT_SLP_TYP) >> PM1_CNT_SLP_TYP_SHIFT;

		/* Only \_S5 is offered; other sleep states are ignored. */
		poweroff = typ == ACPI_S5_SLP_TYP;
		pm->cnt &= ~PM1_CNT_SLP_EN;
	}
	update_sci(pm);
	pthread_mutex_unlock(&pm->lock);
	if (poweroff)
		exit_sink_stop(pm->exit, VM_STOP_POWEROFF, 0);
	else if (reset)
		exit_sink_stop(pm->exit, VM_STOP_RESET, 0);
}

static void debug_exit_write(void *opaque, u64 off, const void *data, u32 len)
{
	struct pm *pm = opaque;
	u32 v = 0;

	/* Like QEMU's isa-debug-exit: only a write at the base port counts. */
	if (off != 0 || len > sizeof(v))
		return;
	memcpy(&v, data, len);
	exit_sink_stop(pm->exit, VM_STOP_DEBUG_EXIT, (int)((v << 1) | 1));
}

bool pm_power_button(struct pm *pm)
{
	bool enabled;

	pthread_mutex_lock(&pm->lock);
	pm->sts |= PM1_STS_PWRBTN;
	enabled = pm->en & PM1_EN_PWRBTN;
	update_sci(pm);
	pthread_mutex_unlock(&pm->lock);
	return enabled;
}

void pm_save(struct pm *pm, struct pm_state *out)
{
	u32 tmr = pm_timer(pm);

	pthread_mutex_lock(&pm->lock);
	*out = (struct pm_state){ .sts = pm->sts,
				  .en = pm->en,
				  .cnt = pm->cnt,
				  .sci_level = pm->sci_level,
				  .tmr = tmr };
	pthread_mutex_unlock(&pm->lock);
}

void pm_restore(struct pm *pm, const struct pm_state *in)
{
	/* Rounded up: the first read after the restore is the saved value. */
	u64 want =
		((u64)(in->tmr & PM_TMR_MASK) * 1000000000ULL + PM_TMR_HZ - 1) /
		PM_TMR_HZ;

	pthread_mutex_lock(&pm->lock);
	pm->sts = in->sts;
	pm->en = in->en;
	pm->cnt = (in->cnt & ~PM1_CNT_SLP_EN) | PM1_CNT_SCI_EN;
	pm->sci_level = !!in->sci_level;
	/* Unsigned wrap-around is fine: only the sum is used. */
	pm->tmr_offset_ns = want - pm->clock_ns();
	pthread_mutex_unlock(&pm->lock);
}
/* The block's registers, beside the offsets above (the FADT's names). */
static const struct reg_name pm_names[] = {
	{ OFF_STS, 2, "PM1a_STS" },    { OFF_EN, 2, "PM1a_EN" },
	{ OFF_CNT, 2, "PM1a_CNT" },    { OFF_TMR, 4, "PM_TMR" },
	{ OFF_RESET, 1, "RESET_REG" },
};

static void pm_describe(void *opaque, const struct io_access *a,
			struct trace_note *n)
{
	const struct reg_name *r =
		reg_name_find(pm_names, ARRAY_SIZE(pm_names), a->off);
	u64 typ = (a->val & PM1_CNT_SLP_TYP) >> PM1_CNT_SLP_TYP_SHIFT;

	(void)opaque;
	note_printf(n, "acpi.%s %s 0x%llx", r ? r->name : "reserved",
		    a->write ? "<-" : "->", (unsigned long long)a->val);
	if (!r || !a->write)
		return;
	if (r->off == OFF_CNT && (a->val & PM1_CNT_SLP_EN))
		note_printf(n, " (SLP_TYP %u, SLP_EN: %s)", (unsigned int)typ,
			    typ == ACPI_S5_SLP_TYP ? "S5, power off" :
						     "not offered, ignored");
	else if (r->off == OFF_RESET)
		note_printf(n, " (%s)",
			    a->val == ACPI_RESET_VALUE ?
				    "the reset value: the machine resets" :
				    "not the reset value");
}

static void debug_exit_describe(void *opaque, const struct io_access *a,
				struct trace_note *n)
{
	(void)opaque;
	note_printf(n, "debug-exit <- 0x%llx (exit status %llu)",
		    (unsigned long long)a->val,
		    (unsigned long long)((a->val << 1) | 1));
}

static const struct io_desc pm_desc = {
	.file = __FILE__,
	.trace_class = TRACE_PIO,
	.name = "acpi-pm",
	.describe = pm_describe,
};

static const struct io_desc debug_exit_desc = {
	.file = __FILE__,
	.trace_class = TRACE_PIO,
	.name = "debug-exit",
	.describe = debug_exit_describe,
};

static const struct io_ops pm_ops = {
	.read = pm_read,
	.write = pm_write,
	.desc = &pm_desc,
};

static const struct io_ops debug_exit_ops = {
	.write = debug_exit_write,
	.desc = &debug_exit_desc,
};

int pm_register(struct pm *pm, struct bus *pio)
{
	int ret = bus_register(pio, PORT_PM1A_EVT, PM_BLOCK_LEN, &pm_ops, pm);

	if (ret)
		return ret;
	ret = bus_register(pio, PORT_DEBUG_EXIT, 4, &debug_exit_ops, pm);
	if (ret)
		bus_unregister(pio, PORT_PM1A_EVT, pm);
	return ret;
}
