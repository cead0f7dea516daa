// SPDX-License-Identifier: MIT
/* Waking application processors (smp.h). */
#include "smp.h"

/*
 * There is no TSC frequency to read here: count as if it ran at 3 GHz,
 * which makes each delay at least what it says on a TSC up to 3 GHz
 * (this machine's runs at about 2.6 GHz).
 */
#define TSC_PER_US    3000ULL
#define INIT_DELAY_US 10000 /* MP spec: 10 ms after INIT */
#define SIPI_DELAY_US 200   /* and 200 us after a STARTUP */
#define ICR_WAIT_US   1000

#define LAPIC_ICR_LO 0x300
#define LAPIC_ICR_HI 0x310
#define ICR_INIT     0x00000500
#define ICR_STARTUP  0x00000600
#define ICR_BUSY     (1 << 12) /* delivery status: send pending */
#define ICR_ASSERT   (1 << 14)

u32 smp_lapic_read(u32 reg)
{
	return mmio_read32(SMP_LAPIC_BASE + reg);
}

void smp_lapic_write(u32 reg, u32 v)
{
	mmio_write32(SMP_LAPIC_BASE + reg, v);
}

void smp_delay_us(u64 us)
{
	u64 end = rdtsc() + us * TSC_PER_US;

	while (rdtsc() < end)
		cpu_relax();
}

/* One IPI to @apic_id; wait (bounded) until the local APIC sent it. */
static void send_ipi(u8 apic_id, u32 icr)
{
	u64 end;

	smp_lapic_write(LAPIC_ICR_HI, (u32)apic_id << 24);
	smp_lapic_write(LAPIC_ICR_LO, icr);
	end = rdtsc() + ICR_WAIT_US * TSC_PER_US;
	while ((smp_lapic_read(LAPIC_ICR_LO) & ICR_BUSY) && rdtsc() < end)
		cpu_relax();
}

/* A second STARTUP to an AP already up is ignored. */
void smp_wake_ap(u8 apic_id, u32 tramp_base)
{
	u32 vector = tramp_base >> 12;

	send_ipi(apic_id, ICR_INIT | ICR_ASSERT);
	smp_delay_us(INIT_DELAY_US);
	send_ipi(apic_id, ICR_STARTUP | ICR_ASSERT | vector);
	smp_delay_us(SIPI_DELAY_US);
	send_ipi(apic_id, ICR_STARTUP | ICR_ASSERT | vector);
}
