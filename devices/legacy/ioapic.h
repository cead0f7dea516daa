/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_IOAPIC_H
#define SQUEEZE_IOAPIC_H

#include <pthread.h>

#include "vmm/core/bus.h"
#include "vmm/core/irq.h"
#include "vmm/core/layout.h"
#include "vmm/core/trace.h"
#include "vmm/base/err.h"
#include "vmm/base/types.h"

/*
 * The I/O APIC, as the 82093AA data sheet describes it: 24 pins, each with
 * a 64-bit redirection entry, reached through the index register IOREGSEL
 * and the data window IOWIN on the MMIO bus.
 *
 * KVM keeps the local APICs (the split irqchip); this chip turns a pin's
 * redirection entry into an MSI message, which becomes KVM's route for the
 * GSI of the same number, and fires it by writing the pin's irqfd. Pins:
 *
 *   edge   a rising edge on an unmasked pin sends one message; an edge
 *          while the pin is masked is lost, as on the real chip.
 *   level  while the line is asserted, the pin unmasked and its remote IRR
 *          clear, a message is sent and remote IRR set. The guest's EOI
 *          for the vector (KVM_EXIT_IOAPIC_EOI, ioapic_eoi()) clears remote
 *          IRR; a line still asserted is sent again at once.
 *
 * Polarity is stored and read back but not applied: devices drive their
 * lines as "asserted or not", whatever the wire level would be. The chip
 * has no EOI register (that came with version 0x20); Linux ends a level
 * interrupt here by the LAPIC's EOI broadcast, or by switching the entry to
 * edge and back, which clears remote IRR as on the 82093AA.
 *
 * Lines are driven from any thread (vCPUs, the main loop, I/O threads):
 * one lock covers the state. A device may hold its own lock while it calls
 * ioapic_set_line(); the IOAPIC never calls back into a device.
 */

#define IOAPIC_PINS	 IRQ_IOAPIC_PINS /* 24 */
#define IOAPIC_VERSION	 0x11		 /* 82093AA */
#define IOAPIC_MMIO_SIZE 0x1000

/* MMIO offsets. */
#define IOAPIC_IOREGSEL 0x00
#define IOAPIC_IOWIN	0x10

/* Registers behind IOREGSEL. */
#define IOAPIC_REG_ID	  0x00
#define IOAPIC_REG_VER	  0x01
#define IOAPIC_REG_ARB	  0x02
#define IOAPIC_REG_REDTBL 0x10 /* + 2 * pin (+ 1: high half) */

/* Redirection entry fields. */
#define IOAPIC_VECTOR_MASK	0xffULL
#define IOAPIC_DELMODE_SHIFT	8
#define IOAPIC_DELMODE_MASK	(7ULL << IOAPIC_DELMODE_SHIFT)
#define IOAPIC_DELMODE_FIXED	0
#define IOAPIC_DELMODE_LOWEST	1
#define IOAPIC_DESTMODE_LOGICAL (1ULL << 11)
#define IOAPIC_DELIVS		(1ULL << 12) /* read-only */
#define IOAPIC_POLARITY_LOW	(1ULL << 13)
#define IOAPIC_REMOTE_IRR	(1ULL << 14) /* read-only */
#define IOAPIC_TRIGGER_LEVEL	(1ULL << 15)
#define IOAPIC_MASKED		(1ULL << 16)
#define IOAPIC_DEST_SHIFT	56

/* The MSI format (Intel SDM vol. 3, 11.11). */
#define MSI_ADDR_BASE	       0xfee00000ULL
#define MSI_ADDR_DEST_SHIFT    12
#define MSI_ADDR_REDIR_HINT    (1u << 3)
#define MSI_ADDR_DEST_LOGICAL  (1u << 2)
#define MSI_DATA_LEVEL_ASSERT  (1u << 14)
#define MSI_DATA_TRIGGER_LEVEL (1u << 15)

/*
 * Everything the guest can observe, in one struct so that a snapshot can
 * save and restore it as is.
 */
struct ioapic_state {
	u32 id;			 /* IOAPICID register, bits 24-27 */
	u32 regsel;		 /* IOREGSEL */
	u64 redtbl[IOAPIC_PINS]; /* remote IRR lives in here */
	u32 lines;		 /* bit n: pin n's line asserted */
};

struct ioapic {
	pthread_mutex_t lock;
	struct ioapic_state s;
	const struct irq_ctl *out;   /* KVM: MSI routes and irqfds */
	int irqfd[IOAPIC_PINS];	     /* -1 until the pin has a route */
	u64 route_addr[IOAPIC_PINS]; /* the route installed for the pin */
	u32 route_data[IOAPIC_PINS];
	u64 delivered;			   /* messages sent (for --stats) */
	u64 sent[IOAPIC_PINS];		   /* ... by pin */
	u8 sent_vector[IOAPIC_PINS];	   /* the vector of the last one */
	u32 warned;			   /* warn_once() mask */
	struct trace *trace;		   /* --trace, or NULL */
	const char *pin_name[IOAPIC_PINS]; /* who drives it, or NULL */
};

/* Reset state: every pin masked, edge, vector 0; the ID register @id. */
void ioapic_init(struct ioapic *io, u8 id, const struct irq_ctl *out);
/* For --trace and --stats: @name ("serial0") drives pin @pin. */
void ioapic_name_pin(struct ioapic *io, u32 pin, const char *name);
/* Closes the irqfds' eventfds (after the VM is gone or its vCPUs stopped). */
void ioapic_destroy(struct ioapic *io);
int ioapic_register(struct ioapic *io, struct bus *mmio, u64 base);

/* Drive pin @pin's line; -EINVAL for a pin the chip does not have. */
int ioapic_set_line(struct ioapic *io, u32 pin, int level);

/*
 * The struct irq_ops of line devices (serial, ACPI PM): set_line only,
 * irq_ctl.opaque = the struct ioapic.
 */
extern const struct irq_ops ioapic_irq_ops;

/* A consistent copy of the guest-visible state, for a snapshot. */
void ioapic_save(struct ioapic *io, struct ioapic_state *out);

/*
 * Take over @in (from ioapic_save(), maybe in another process): every
 * unmasked pin gets its route and irqfd again. Then, once those routes
 * are in KVM, ioapic_resend() sends each level line that is asserted,
 * unmasked and not in service. Devices drive their lines again afterwards
 * as usual.
 */
void ioapic_restore(struct ioapic *io, const struct ioapic_state *in);
void ioapic_resend(struct ioapic *io);

/* The guest ended an interrupt with @vector (KVM_EXIT_IOAPIC_EOI). */
void ioapic_eoi(struct ioapic *io, u32 vector);

/* The MSI address and data a redirection entry sends. */
void ioapic_entry_msi(u64 entry, u64 *addr, u32 *data);

#endif
