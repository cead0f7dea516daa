// SPDX-License-Identifier: MIT
/*
 * IDT, local APIC and IOAPIC for the tiny guests (see irq.h). Register
 * offsets: Intel SDM vol. 3, chapter 10 (APIC); 82093AA IOAPIC datasheet.
 */
#include "irq.h"

#define SEL_CODE64 0x08 /* start.S's GDT */
/* Present, DPL 0, 64-bit interrupt gate (IF cleared on entry). */
#define GATE_INTR_P 0x8e

#define PIC1_DATA 0x21
#define PIC2_DATA 0xa1

#define LAPIC_ID	     0x020
#define LAPIC_EOI	     0x0b0
#define LAPIC_SVR	     0x0f0
#define LAPIC_SVR_ENABLE     (1u << 8)
#define LAPIC_LVT_TIMER	     0x320
#define LAPIC_TIMER_PERIODIC (1u << 17)
#define LAPIC_LVT_LINT0	     0x350
#define LAPIC_LVT_MASKED     (1u << 16)
#define LAPIC_TIMER_INIT     0x380
#define LAPIC_TIMER_DIV	     0x3e0
#define LAPIC_DIV_1	     0x0b

#define IOAPIC_REGSEL	   0x00
#define IOAPIC_WIN	   0x10
#define IOAPIC_VER	   0x01
#define IOAPIC_REDTBL(pin) (0x10 + 2 * (pin))

extern const u64 irq_stub_table[IRQ_NR_VECTORS];

struct idt_ptr {
	u16 limit;
	u64 base;
} __packed;

static struct irq_table *irq_table_get(void)
{
	struct idt_ptr p;

	asm volatile("sidt %0" : "=m"(p));
	return (struct irq_table *)(uintptr_t)p.base;
}

void irq_dispatch(struct irq_frame *f)
{
	struct irq_table *t = irq_table_get();
	unsigned int v = (unsigned int)f->vector;

	if (v == IRQ_VEC_SPURIOUS)
		return; /* a spurious interrupt takes no EOI */
	if (v >= IRQ_NR_VECTORS || !t->fn[v]) {
		printf("irq: unexpected vector %u at 0x%lx, error 0x%lx\n", v,
		       f->rip, f->error);
		exit(EXIT_IRQ_UNEXPECTED);
	}
	t->fn[v](t->ctx[v], v);
}

static u32 lapic_read(u32 reg)
{
	return mmio_read32(LAPIC_BASE + reg);
}

static void lapic_write(u32 reg, u32 v)
{
	mmio_write32(LAPIC_BASE + reg, v);
}

void irq_init(struct irq_table *t)
{
	struct idt_ptr p = { sizeof(t->idt) - 1, virt_to_phys(t->idt) };
	unsigned int v;

	asm volatile("cli");
	memset(t, 0, sizeof(*t));
	for (v = 0; v < IRQ_NR_VECTORS; v++) {
		u64 a = irq_stub_table[v];

		t->idt[v] = (struct idt_gate){
			.off_lo = (u16)a,
			.sel = SEL_CODE64,
			.type = GATE_INTR_P,
			.off_mid = (u16)(a >> 16),
			.off_hi = (u32)(a >> 32),
		};
	}
	asm volatile("lidt %0" : : "m"(p) : "memory");

	/* We use the IOAPIC; the PIC must not inject on LINT0 as well. */
	outb(PIC1_DATA, 0xff);
	outb(PIC2_DATA, 0xff);
	lapic_write(LAPIC_LVT_LINT0,
		    lapic_read(LAPIC_LVT_LINT0) | LAPIC_LVT_MASKED);
	lapic_write(LAPIC_SVR, LAPIC_SVR_ENABLE | IRQ_VEC_SPURIOUS);
}

void irq_count_eoi(void *ctx, unsigned int vector)
{
	volatile u32 *count = ctx;

	(void)vector;
	(*count)++;
	lapic_eoi();
}

void irq_set_handler(struct irq_table *t, unsigned int vector,
		     irq_handler_fn fn, void *ctx)
{
	if (vector >= IRQ_NR_VECTORS)
		return;
	t->fn[vector] = fn;
	t->ctx[vector] = ctx;
}

u32 lapic_id(void)
{
	return lapic_read(LAPIC_ID) >> 24;
}

void lapic_eoi(void)
{
	lapic_write(LAPIC_EOI, 0);
}

void lapic_timer_start(u8 vector, u32 count)
{
	lapic_write(LAPIC_TIMER_DIV, LAPIC_DIV_1);
	lapic_write(LAPIC_LVT_TIMER, LAPIC_TIMER_PERIODIC | vector);
	lapic_write(LAPIC_TIMER_INIT, count);
}

void lapic_timer_stop(void)
{
	lapic_write(LAPIC_TIMER_INIT, 0);
	lapic_write(LAPIC_LVT_TIMER, LAPIC_LVT_MASKED);
}

static u32 ioapic_read(u32 reg)
{
	mmio_write32(IOAPIC_BASE + IOAPIC_REGSEL, reg);
	return mmio_read32(IOAPIC_BASE + IOAPIC_WIN);
}

static void ioapic_write(u32 reg, u32 v)
{
	mmio_write32(IOAPIC_BASE + IOAPIC_REGSEL, reg);
	mmio_write32(IOAPIC_BASE + IOAPIC_WIN, v);
}

unsigned int ioapic_pins(void)
{
	return ((ioapic_read(IOAPIC_VER) >> 16) & 0xff) + 1;
}

u64 ioapic_read_entry(unsigned int pin)
{
	return ioapic_read(IOAPIC_REDTBL(pin)) |
	       (u64)ioapic_read(IOAPIC_REDTBL(pin) + 1) << 32;
}

int ioapic_route_flags(unsigned int pin, u8 vector, u8 apic_id, u32 flags)
{
	if (pin >= ioapic_pins())
		return -1;
	/* Masked while the halves disagree; then high, fixed, @flags. */
	ioapic_write(IOAPIC_REDTBL(pin), IOAPIC_MASKED);
	ioapic_write(IOAPIC_REDTBL(pin) + 1, (u32)apic_id << 24);
	ioapic_write(IOAPIC_REDTBL(pin), vector | flags);
	return 0;
}

int ioapic_route(unsigned int pin, u8 vector, u8 apic_id)
{
	return ioapic_route_flags(pin, vector, apic_id, 0);
}

void ioapic_mask(unsigned int pin)
{
	if (pin < ioapic_pins())
		ioapic_write(IOAPIC_REDTBL(pin), IOAPIC_MASKED);
}

void irq_fini(void)
{
	asm volatile("cli");
	lapic_timer_stop();
}
