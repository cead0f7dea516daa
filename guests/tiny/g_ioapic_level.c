// SPDX-License-Identifier: MIT
/*
 * ioapic_level: a level-triggered IOAPIC pin, re-raised after EOI while the
 * line stays asserted. IOAPIC pin 4 (COM1) is programmed level-triggered,
 * active high, to vector 0x30; the 16550A's received-data interrupt (IER
 * bit 0) holds the line up while a byte waits in RBR.
 *
 * The handler leaves the byte where it is for the first LEVEL_REPEATS - 1
 * interrupts and only sends the LAPIC EOI: the IOAPIC clears remote IRR
 * and, the line being still asserted, sends the interrupt again. On the
 * LEVEL_REPEATS-th it reads RBR (the line drops) before the EOI. Each run
 * reads the redirection entry: remote IRR is set while the interrupt is in
 * service. Afterwards remote IRR must be clear, and nothing more may come
 * while a LAPIC timer wakes the CPU QUIET_TICKS more times.
 *
 * A handler run that finds no byte waiting is "late": its message was sent
 * before the line dropped. On a real local APIC there is none. The
 * emulating KVM here (PVM) clears the in-service bit when it delivers the
 * interrupt, so KVM reports the EOI at delivery, the IOAPIC re-sends at
 * once, and exactly one late interrupt follows the last real one. Up to
 * one is accepted; the count of asserted runs must be exact either way.
 *
 * Exit codes: 0x60 OK (status 193); 0x61 timed out (~4 s, e.g. not
 * re-raised after EOI); 0x62 wrong number of interrupts; 0x63 remote IRR
 * not set in a handler run; 0x64 remote IRR still set at the end. See
 * guests/README.md.
 */
#include "irq.h"
#include "uart.h"

#define VEC_COM1       0x30
#define VEC_TIMER      0x31
#define LEVEL_REPEATS  3
#define LEVEL_MAX_LATE 1
#define QUIET_TICKS    3 /* timer wake-ups with the line low */
/* About 4 s at 2.6 GHz. */
#define LEVEL_TIMEOUT_TSC 10000000000ULL

#define LEVEL_OK	0x60
#define LEVEL_TIMEOUT	0x61
#define LEVEL_EXTRA	0x62
#define LEVEL_NO_IRR	0x63
#define LEVEL_IRR_STUCK 0x64

struct level {
	volatile u32 asserted; /* COM1 interrupts with a byte waiting */
	volatile u32 late;     /* ... with none (see above) */
	volatile u32 irr_set;  /* asserted runs that saw remote IRR */
	volatile u32 ticks;    /* timer interrupts taken */
	volatile bool drained; /* RBR read: the line is down */
};

static void com1_interrupt(void *ctx, unsigned int vector)
{
	struct level *l = ctx;

	(void)vector;
	if (!(inb(COM1_LSR) & LSR_DR)) {
		l->late++;
		lapic_eoi();
		return;
	}
	l->asserted++;
	if (ioapic_read_entry(COM1_IRQ) & IOAPIC_REMOTE_IRR)
		l->irr_set++;
	if (l->asserted >= LEVEL_REPEATS) {
		while (inb(COM1_LSR) & LSR_DR)
			inb(COM1_RBR);
		l->drained = true;
	}
	/* With the byte left in RBR, this EOI brings the interrupt back. */
	lapic_eoi();
}

/* sti; hlt until @done or the TSC deadline; false on timeout. */
static bool wait_until(volatile bool *done, u64 deadline)
{
	while (!*done && rdtsc() < deadline)
		irq_wait();
	return *done;
}

static int verdict(const struct level *l, u64 entry)
{
	if (l->asserted != LEVEL_REPEATS || l->late > LEVEL_MAX_LATE) {
		printf("ioapic_level: FAIL: %u interrupts while asserted (want "
		       "%u), %u after it dropped (want at most %u)\n",
		       l->asserted, LEVEL_REPEATS, l->late, LEVEL_MAX_LATE);
		return LEVEL_EXTRA;
	}
	if (l->irr_set != l->asserted) {
		printf("ioapic_level: FAIL: remote IRR set in %u of %u "
		       "handler runs\n",
		       l->irr_set, l->asserted);
		return LEVEL_NO_IRR;
	}
	if (entry & IOAPIC_REMOTE_IRR) {
		puts("ioapic_level: FAIL: remote IRR still set after the EOI");
		return LEVEL_IRR_STUCK;
	}
	printf("ioapic_level: OK: %u interrupts while asserted, remote IRR "
	       "set in each, clear at the end; %u late\n",
	       l->asserted, l->late);
	return LEVEL_OK;
}

int guest_main(const struct hvm_start_info *si)
{
	struct irq_table t;
	struct level l;
	u64 entry, deadline;
	u32 ticks;

	(void)si;
	memset(&l, 0, sizeof(l));
	irq_init(&t);
	irq_set_handler(&t, VEC_COM1, com1_interrupt, &l);
	irq_set_handler(&t, VEC_TIMER, irq_count_eoi, (void *)&l.ticks);
	if (ioapic_route_flags(COM1_IRQ, VEC_COM1, (u8)lapic_id(),
			       IOAPIC_LEVEL)) {
		puts("ioapic_level: FAIL: IOAPIC has no pin 4");
		return LEVEL_TIMEOUT;
	}
	lapic_timer_start(VEC_TIMER, LAPIC_TIMER_50MS);
	printf("ioapic_level: IRQ %u level-triggered -> vector 0x%x, "
	       "waiting for input\n",
	       COM1_IRQ, VEC_COM1);
	outb(COM1_MCR, MCR_DTR_RTS_OUT2);
	outb(COM1_IER, IER_RDI);

	deadline = rdtsc() + LEVEL_TIMEOUT_TSC;
	if (!wait_until(&l.drained, deadline)) {
		outb(COM1_IER, 0);
		irq_fini();
		printf("ioapic_level: FAIL: timed out after %u interrupts, "
		       "%u timer ticks\n",
		       l.asserted, l.ticks);
		return LEVEL_TIMEOUT;
	}
	/* The line is low now: only the timer may wake us. */
	ticks = l.ticks;
	while (l.ticks - ticks < QUIET_TICKS && rdtsc() < deadline)
		irq_wait();
	entry = ioapic_read_entry(COM1_IRQ);
	outb(COM1_IER, 0);
	ioapic_mask(COM1_IRQ);
	irq_fini();
	return verdict(&l, entry);
}
