/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_TEST_FAKE_IRQ_H
#define SQUEEZE_TEST_FAKE_IRQ_H

#include <pthread.h>

#include "vmm/core/irq.h"

/*
 * An irq_ctl that does what KVM would, minus the guest: it remembers
 * ioeventfds (address -> eventfd) so the in-process driver can ring a
 * doorbell straight into the eventfd, irqfds (GSI -> eventfd) so the
 * driver can wait for an MSI by polling that eventfd, and MSI routes
 * (GSI -> address/data) so it can find the GSI of the message it
 * programmed. Thread-safe.
 */

#define FAKE_IRQ_MAX 128

struct fake_irq_route {
	u32 gsi;
	u64 addr;
	u32 data;
	int irqfd; /* -1 while no irqfd is assigned */
	bool routed;
};

struct fake_ioeventfd {
	u64 addr;
	u32 len;
	int efd;
	bool mmio;
};

struct fake_irq {
	pthread_mutex_t lock;
	u32 next_gsi;
	/* Indexed by gsi - IRQ_IOAPIC_PINS. */
	struct fake_irq_route gsi[FAKE_IRQ_MAX];
	struct fake_ioeventfd ioev[FAKE_IRQ_MAX];
	unsigned int nr_ioev;
	u32 line[24];
	/* Counters, for tests that check the machinery was used. */
	u64 nr_irqfd_assign, nr_irqfd_deassign, nr_routes;
};

/* Initialise @f and point @ctl at it. */
void fake_irq_init(struct fake_irq *f, struct irq_ctl *ctl);
void fake_irq_destroy(struct fake_irq *f);

/* The eventfd KVM would signal for a write at @addr, or -1. */
int fake_irq_ioeventfd(struct fake_irq *f, u64 addr, bool mmio);

/* The eventfd currently assigned as irqfd for @gsi, or -1. */
int fake_irq_irqfd(struct fake_irq *f, u32 gsi);

/*
 * The eventfd of the irqfd whose GSI is routed to MSI @addr/@data, or -1
 * when no such route exists or no irqfd is attached to it (masked).
 */
int fake_irq_msi_fd(struct fake_irq *f, u64 addr, u32 data);

#endif
