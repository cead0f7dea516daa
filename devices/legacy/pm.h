/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_PM_H
#define SQUEEZE_PM_H

#include <pthread.h>

#include "vmm/core/exit.h"
#include "vmm/core/bus.h"
#include "vmm/core/irq.h"
#include "vmm/base/types.h"

/*
 * The ACPI fixed hardware the FADT points at (vmm/core/layout.h ports):
 * PM1a event block (status, write-1-to-clear, and enable), PM1a control
 * (SCI_EN always set: there is no SMI_CMD, so the system is in ACPI mode
 * from the start; SLP_EN with SLP_TYP = ACPI_S5_SLP_TYP powers off), the
 * 24-bit PM timer at 3.579545 MHz, the reset register, and the
 * isa-debug-exit port 0xf4 (a write of V exits with status (V << 1) | 1).
 */

#define PM_TMR_HZ   3579545ULL
#define PM_TMR_MASK 0xffffffu

#define PM1_STS_TMR	      0x0001
#define PM1_STS_PWRBTN	      0x0100
#define PM1_EN_PWRBTN	      0x0100
#define PM1_STS_WAK	      0x8000
#define PM1_CNT_SCI_EN	      0x0001
#define PM1_CNT_SLP_TYP_SHIFT 10
#define PM1_CNT_SLP_TYP	      (7u << PM1_CNT_SLP_TYP_SHIFT)
#define PM1_CNT_SLP_EN	      0x2000

struct pm {
	pthread_mutex_t lock;
	const struct exit_sink *exit;
	const struct irq_ctl *irq; /* SCI */
	u16 sts, en, cnt;
	int sci_level;
	u64 (*clock_ns)(void); /* CLOCK_MONOTONIC; tests swap it */
	u64 tmr_offset_ns;     /* added to it: a restored timer goes on */
};

/* The registers and the timer's value, for a snapshot. */
struct pm_state {
	u16 sts, en, cnt;
	u8 sci_level;
	u8 pad;
	u32 tmr;
};

void pm_init(struct pm *pm, const struct exit_sink *exit,
	     const struct irq_ctl *irq);
void pm_destroy(struct pm *pm);

/* Claim PORT_PM1A_EVT..PORT_ACPI_RESET and PORT_DEBUG_EXIT on @pio. */
int pm_register(struct pm *pm, struct bus *pio);

/* The PM timer's current 24-bit value. */
u32 pm_timer(const struct pm *pm);

/*
 * Press the power button: PWRBTN_STS is set and, while the guest enables
 * the event (PWRBTN_EN), the SCI raised. Returns whether it was enabled.
 */
bool pm_power_button(struct pm *pm);

void pm_save(struct pm *pm, struct pm_state *out);
/* Registers as saved; the timer goes on from the saved value. */
void pm_restore(struct pm *pm, const struct pm_state *in);

#endif
