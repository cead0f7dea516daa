/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_IRQ_H
#define SQUEEZE_IRQ_H

#include "vmm/base/types.h"

/*
 * What devices may ask of the interrupt controller and the doorbell
 * machinery. Two implementations share the shape: the VMM's IOAPIC
 * (devices/legacy/ioapic.c) has the lines (set_line only), and
 * vmm/kvm/kvm.c the rest, with KVM ioctls. A line device (serial, ACPI PM)
 * gets the IOAPIC's, a virtio transport KVM's. Unit tests and the
 * in-process driver (tests/driver/) supply fakes, so nothing outside vmm/
 * needs /dev/kvm.
 */
struct irq_ops {
	/* Drive IOAPIC pin @gsi (< IRQ_IOAPIC_PINS) to @level. */
	int (*set_line)(void *opaque, u32 gsi, int level);
	/* A fresh GSI for an MSI route, >= IRQ_IOAPIC_PINS; -ENOSPC. */
	int (*msi_alloc)(void *opaque);
	/*
	 * Point @gsi at MSI address/data (replaces any earlier route): a GSI
	 * from msi_alloc(), or IOAPIC pin @gsi's message (the IOAPIC's own).
	 */
	int (*msi_route)(void *opaque, u32 gsi, u64 addr, u32 data);
	/* Writing 1 to eventfd @efd injects @gsi without a VM exit. */
	int (*irqfd)(void *opaque, int efd, u32 gsi, bool assign);
	/*
	 * A guest write of @len bytes to @addr (MMIO when @mmio, else a port)
	 * signals eventfd @efd instead of exiting to userspace.
	 */
	int (*ioeventfd)(void *opaque, u64 addr, u32 len, int efd, bool mmio,
			 bool assign);
};

struct irq_ctl {
	const struct irq_ops *ops;
	void *opaque;
};

/*
 * Where a vCPU reports that the guest ended a level-triggered IOAPIC
 * interrupt: KVM_EXIT_IOAPIC_EOI with the vector.
 */
struct irq_eoi_sink {
	void (*eoi)(void *opaque, u32 vector);
	void *opaque;
};

static inline int irq_set_line(const struct irq_ctl *c, u32 gsi, int level)
{
	return c->ops->set_line(c->opaque, gsi, level);
}

#endif
