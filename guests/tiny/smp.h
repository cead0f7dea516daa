/* SPDX-License-Identifier: MIT */
#ifndef TINY_SMP_H
#define TINY_SMP_H

/*
 * Waking application processors the way an OS does: the local APIC sends
 * INIT, then two STARTUP IPIs whose vector is the page of a real-mode
 * trampoline copied below 1 MiB (the AP starts at vector:0000).
 */
#include "lib.h"

#define SMP_LAPIC_BASE	 0xfee00000
#define SMP_LAPIC_ID	 0x020
#define SMP_LAPIC_SVR	 0x0f0
#define SMP_SVR_ENABLE	 (1 << 8)
#define SMP_SVR_SPURIOUS 0xff

u32 smp_lapic_read(u32 reg);
void smp_lapic_write(u32 reg, u32 v);
/* At least @us microseconds on a TSC of up to 3 GHz. */
void smp_delay_us(u64 us);
/* INIT-SIPI-SIPI to @apic_id, into the trampoline at @tramp_base. */
void smp_wake_ap(u8 apic_id, u32 tramp_base);

#endif
