// SPDX-License-Identifier: MIT
/*
 * pwrbtn: an OS's side of the ACPI fixed power button, for squeeze ctl
 * shutdown. It clears PM1 status, enables the power-button event
 * (PWRBTN_EN in PM1 enable), routes the SCI (IOAPIC pin 9, level,
 * active high, as the MADT says) to vector 0x34 and sleeps:
 *
 *	pwrbtn: armed
 *
 * When the SCI comes with PWRBTN_STS set, the handler clears it (write 1)
 * and the guest powers off through \_S5 (squeeze exits 0):
 *
 *	pwrbtn: power button pressed after N SCIs, powering off
 *
 * Not within about 20 s: code 0x7a (status 245); an SCI without the
 * button's status bit is counted and slept through.
 */
#include "irq.h"

#define PORT_PM1A_STS  0x0600
#define PORT_PM1A_EN   0x0602
#define PM1_PWRBTN     0x0100
#define SCI_PIN	       9
#define VEC_SCI	       0x34
#define VEC_TIMER      0x35
#define TIMEOUT_TICKS  400 /* of 50 ms */
#define PWRBTN_TIMEOUT 0x7a

struct pwrbtn {
	volatile u32 scis;
	volatile u32 ticks;
	volatile bool pressed;
};

static void sci_interrupt(void *ctx, unsigned int vector)
{
	struct pwrbtn *p = ctx;
	u16 sts = inw(PORT_PM1A_STS);

	(void)vector;
	p->scis++;
	if (sts & PM1_PWRBTN) {
		outw(PORT_PM1A_STS, PM1_PWRBTN); /* write 1 to clear */
		p->pressed = true;
	}
	/* Level-triggered: the line is low again once the status is clear. */
	lapic_eoi();
}

int guest_main(const struct hvm_start_info *si)
{
	struct irq_table t;
	struct pwrbtn p = { 0 };

	(void)si;
	irq_init(&t);
	irq_set_handler(&t, VEC_SCI, sci_interrupt, &p);
	irq_set_handler(&t, VEC_TIMER, irq_count_eoi, (void *)&p.ticks);
	outw(PORT_PM1A_STS, 0xffff);
	outw(PORT_PM1A_EN, PM1_PWRBTN);
	if (ioapic_route_flags(SCI_PIN, VEC_SCI, (u8)lapic_id(),
			       IOAPIC_LEVEL)) {
		puts("pwrbtn: FAIL: no IOAPIC pin 9");
		return PWRBTN_TIMEOUT;
	}
	lapic_timer_start(VEC_TIMER, LAPIC_TIMER_50MS);
	puts("pwrbtn: armed");
	while (!p.pressed && p.ticks < TIMEOUT_TICKS)
		irq_wait();
	irq_fini();
	if (!p.pressed) {
		printf("pwrbtn: FAIL: no power button in %u ticks (%u SCIs)\n",
		       p.ticks, p.scis);
		return PWRBTN_TIMEOUT;
	}
	printf("pwrbtn: power button pressed after %u SCIs, powering off\n",
	       p.scis);
	outw(PORT_PM1A_CNT, (ACPI_S5_SLP_TYP << 10) | PM1_SLP_EN);
	puts("pwrbtn: still alive");
	return 0x7b;
}
