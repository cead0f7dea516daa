// SPDX-License-Identifier: MIT
/* A console line, by interrupt (conwait.h). */
#include "conwait.h"
#include "uart.h"

struct con_line {
	char *buf;
	u32 len, used;
	volatile u32 irqs;
	volatile bool done;
};

static void com1_interrupt(void *ctx, unsigned int vector)
{
	struct con_line *l = ctx;
	u8 c;

	(void)vector;
	l->irqs++;
	while (inb(COM1_LSR) & LSR_DR) {
		c = inb(COM1_RBR);
		if (c == '\n')
			l->done = true;
		else if (!l->done && l->used + 1 < l->len)
			l->buf[l->used++] = (char)c;
	}
	lapic_eoi();
}

u32 con_wait_line(struct irq_table *t, u8 vector, char *buf, u32 len)
{
	struct con_line l = { .buf = buf, .len = len };

	irq_set_handler(t, vector, com1_interrupt, &l);
	ioapic_route(COM1_IRQ, vector, (u8)lapic_id());
	outb(COM1_MCR, MCR_DTR_RTS_OUT2);
	outb(COM1_IER, IER_RDI);
	while (!l.done)
		irq_wait();
	outb(COM1_IER, 0);
	ioapic_mask(COM1_IRQ);
	if (len)
		buf[l.used] = 0;
	return l.irqs;
}
