/* SPDX-License-Identifier: MIT */
#ifndef TINY_IRQ_H
#define TINY_IRQ_H

/*
 * Interrupts for the tiny guests: a 64-bit IDT for vectors 0..63 with
 * assembly entry stubs (irq_stubs.S), a C handler per vector, the local
 * APIC (enable, EOI, a periodic timer used as a watchdog) and the IOAPIC
 * redirection table. Usage:
 *
 *	struct irq_table t;		(on the stack is fine)
 *
 *	irq_init(&t);			IDT loaded, PIC masked, LAPIC on
 *	irq_set_handler(&t, 0x30, fn, ctx);
 *	ioapic_route(4, 0x30, 0);	pin 4 -> vector 0x30 on APIC 0
 *	lapic_timer_start(0x31, LAPIC_TIMER_50MS);	wakes irq_wait()
 *	while (!done && !timed_out)
 *		irq_wait();		sti; hlt; cli
 *	irq_fini();			timer off, interrupts off
 *
 * The handler runs with interrupts off; for a LAPIC-delivered vector it
 * must call lapic_eoi(). An exception or a vector without a handler
 * prints "irq: unexpected vector N at RIP" and exits with
 * EXIT_IRQ_UNEXPECTED. The table is found again from the IDT register
 * (sidt), so there is no global state; it must stay valid while an
 * interrupt or exception can still arrive (until exit()).
 */
#include "lib.h"

#define IRQ_NR_VECTORS 64
/* Spurious vector: low nibble 0xf, as P6-family APICs need. */
#define IRQ_VEC_SPURIOUS    0x3f
#define EXIT_IRQ_UNEXPECTED 0x7e /* status 253 */

#define LAPIC_BASE  0xfee00000ULL
#define IOAPIC_BASE 0xfec00000ULL
/* KVM's APIC timer counts at 1 GHz (divide by 1). */
#define LAPIC_TIMER_50MS 50000000u

typedef void (*irq_handler_fn)(void *ctx, unsigned int vector);

struct idt_gate {
	u16 off_lo;
	u16 sel;
	u8 ist;
	u8 type;
	u16 off_mid;
	u32 off_hi;
	u32 reserved;
} __packed;

struct irq_table {
	struct idt_gate idt[IRQ_NR_VECTORS] __aligned(16);
	irq_handler_fn fn[IRQ_NR_VECTORS];
	void *ctx[IRQ_NR_VECTORS];
};

/* Saved by the entry stub; what the CPU pushed is at the end. */
struct irq_frame {
	u64 r11, r10, r9, r8, rdi, rsi, rdx, rcx, rax;
	u64 vector, error;
	u64 rip, cs, rflags, rsp, ss;
};

/*
 * Fill and load the IDT (every vector unhandled), mask the 8259 PICs and
 * LAPIC LINT0 (QEMU leaves its PIC there, virtual wire mode; squeeze has
 * no PIC) and software-enable the LAPIC. Interrupts stay off.
 */
void irq_init(struct irq_table *t);
void irq_set_handler(struct irq_table *t, unsigned int vector,
		     irq_handler_fn fn, void *ctx);
/* A handler that counts: @ctx is a volatile u32 *; then LAPIC EOI. */
void irq_count_eoi(void *ctx, unsigned int vector);

/* One "sti; hlt" (the STI shadow covers the HLT), then cli. */
static inline void irq_wait(void)
{
	asm volatile("sti; hlt; cli" : : : "memory");
}

/* cli, and stop the LAPIC timer (IOAPIC pins: ioapic_mask()). */
void irq_fini(void);

u32 lapic_id(void);
void lapic_eoi(void);
/* Periodic timer on @vector every @count APIC bus cycles. */
void lapic_timer_start(u8 vector, u32 count);
void lapic_timer_stop(void);

/* Redirection entry bits (82093AA data sheet). */
#define IOAPIC_REMOTE_IRR (1u << 14)
#define IOAPIC_LEVEL	  (1u << 15)
#define IOAPIC_MASKED	  (1u << 16)

/* Number of IOAPIC pins (from the version register). */
unsigned int ioapic_pins(void);
/* Pin @pin: edge, active high, fixed delivery of @vector to @apic_id. */
int ioapic_route(unsigned int pin, u8 vector, u8 apic_id);
/* The same with @flags in the low half (IOAPIC_LEVEL for level). */
int ioapic_route_flags(unsigned int pin, u8 vector, u8 apic_id, u32 flags);
void ioapic_mask(unsigned int pin);
u64 ioapic_read_entry(unsigned int pin);

/* Called by irq_stubs.S only. */
void irq_dispatch(struct irq_frame *f);

#endif
