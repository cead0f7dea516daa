// SPDX-License-Identifier: MIT
/*
 * serial_irq: COM1 interrupts through the IOAPIC, both directions. The
 * 16550A raises IRQ 4 while received data is pending (IER bit 0) or, with
 * IER bit 1, while THR is empty; IOAPIC pin 4 (edge) delivers it as
 * vector 0x30 to this CPU's local APIC. Like Linux's 8250 driver, the
 * handler loops on IIR until it reads "no interrupt", since with an edge
 * trigger a cause left pending would never interrupt again:
 *
 *   received data: read RBR while LSR says data ready, queue each byte
 *                  for the echo and enable the THRE interrupt;
 *   THR empty:     send the next queued byte, or, with none left,
 *                  disable the THRE interrupt.
 *
 * So the echo is sent by interrupt too, and nothing outside the handler
 * touches the UART until the end. A periodic LAPIC timer only wakes the
 * HLT loop so that the wait is bounded without the PIT.
 *
 * It stops once a '\n' (or SER_MAX_BYTES bytes) came in and all of it went
 * out, and exits with the number of COM1 interrupts taken, 1..0x3f
 * (status 2N+1). Not done within about 4 s: 0x40 (status 129). An
 * exception or an unexpected vector: irq.h's EXIT_IRQ_UNEXPECTED. See
 * guests/README.md.
 */
#include "irq.h"
#include "uart.h"

#define VEC_COM1      0x30
#define VEC_TIMER     0x31
#define SER_MAX_BYTES 64
/* IIR rounds per interrupt: more means the UART never goes quiet. */
#define SER_MAX_ROUNDS (4 * SER_MAX_BYTES)
/* About 4 s at 2.6 GHz. */
#define SER_TIMEOUT_TSC 10000000000ULL
#define SER_MAX_CODE	0x3f
#define SER_TIMEOUT	0x40

struct serial_irq {
	volatile u32 irqs;  /* COM1 interrupts taken */
	volatile u32 ticks; /* timer interrupts taken */
	volatile u32 rx;    /* bytes received (queued) */
	volatile u32 tx;    /* bytes echoed on THRE */
	volatile bool eol;  /* '\n' or SER_MAX_BYTES received */
	u8 ier;
	u8 buf[SER_MAX_BYTES];
};

static void set_ier(struct serial_irq *s, u8 ier)
{
	s->ier = ier;
	outb(COM1_IER, ier);
}

static void receive(struct serial_irq *s)
{
	while (inb(COM1_LSR) & LSR_DR) {
		u8 c = inb(COM1_RBR);

		if (s->rx < SER_MAX_BYTES)
			s->buf[s->rx++] = c;
		if (c == '\n' || s->rx >= SER_MAX_BYTES)
			s->eol = true;
	}
	/* Off to on raises THRE at once: the echo starts from there. */
	if (s->tx < s->rx && !(s->ier & IER_THRI))
		set_ier(s, s->ier | IER_THRI);
}

static void transmit(struct serial_irq *s)
{
	if (s->tx < s->rx)
		outb(COM1_THR, s->buf[s->tx++]);
	else
		set_ier(s, s->ier & ~IER_THRI);
}

static void com1_interrupt(void *ctx, unsigned int vector)
{
	struct serial_irq *s = ctx;
	unsigned int round;
	u8 iir;

	(void)vector;
	s->irqs++;
	for (round = 0; round < SER_MAX_ROUNDS; round++) {
		iir = inb(COM1_IIR);
		if (iir & IIR_NO_INT)
			break;
		switch (iir & IIR_ID) {
		case IIR_RDI:
		case IIR_TIMEOUT:
			receive(s);
			break;
		case IIR_THRI:
			transmit(s);
			break;
		default: /* IIR_MSI: reading MSR clears it */
			inb(COM1_MSR);
			break;
		}
	}
	lapic_eoi();
}

static bool done(const struct serial_irq *s)
{
	return s->eol && s->tx == s->rx;
}

int guest_main(const struct hvm_start_info *si)
{
	struct irq_table t;
	struct serial_irq s;
	u64 start;

	(void)si;
	memset(&s, 0, sizeof(s));
	irq_init(&t);
	irq_set_handler(&t, VEC_COM1, com1_interrupt, &s);
	irq_set_handler(&t, VEC_TIMER, irq_count_eoi, (void *)&s.ticks);
	if (ioapic_route(COM1_IRQ, VEC_COM1, (u8)lapic_id())) {
		puts("serial_irq: FAIL: IOAPIC has no pin 4");
		return SER_TIMEOUT;
	}
	lapic_timer_start(VEC_TIMER, LAPIC_TIMER_50MS);
	printf("serial_irq: IRQ %u -> vector 0x%x, waiting for input\n",
	       COM1_IRQ, VEC_COM1);
	/* Interrupts are still off: the handler cannot race this line. */
	outb(COM1_MCR, MCR_DTR_RTS_OUT2);
	set_ier(&s, IER_RDI);

	start = rdtsc();
	while (!done(&s) && rdtsc() - start < SER_TIMEOUT_TSC)
		irq_wait();

	set_ier(&s, 0);
	ioapic_mask(COM1_IRQ);
	irq_fini();
	if (!done(&s)) {
		printf("serial_irq: FAIL: timed out: %u interrupts, %u bytes "
		       "in, %u out, %u timer ticks\n",
		       s.irqs, s.rx, s.tx, s.ticks);
		return SER_TIMEOUT;
	}
	printf("serial_irq: OK: %u interrupts, %u bytes in, %u out on THRE\n",
	       s.irqs, s.rx, s.tx);
	return (int)MIN(s.irqs, (u32)SER_MAX_CODE);
}
