// SPDX-License-Identifier: MIT
/*
 * A fake interrupt controller for the in-process driver: it records what
 * KVM would be told (routes, irqfds, ioeventfds) so the driver can play
 * the guest's side of each eventfd. See fake_irq.h.
 */
#include <errno.h>
#include <string.h>

#include "vmm/core/layout.h"
#include "tests/driver/lib/fake_irq.h"

static struct fake_irq_route *route_of(struct fake_irq *f, u32 gsi)
{
	if (gsi < IRQ_IOAPIC_PINS || gsi - IRQ_IOAPIC_PINS >= FAKE_IRQ_MAX)
		return NULL;
	return &f->gsi[gsi - IRQ_IOAPIC_PINS];
}

static int fake_set_line(void *opaque, u32 gsi, int level)
{
	struct fake_irq *f = opaque;

	if (gsi >= ARRAY_SIZE(f->line))
		return -EINVAL;
	__atomic_store_n(&f->line[gsi], level, __ATOMIC_RELAXED);
	return 0;
}

static int fake_msi_alloc(void *opaque)
{
	struct fake_irq *f = opaque;
	int ret;

	pthread_mutex_lock(&f->lock);
	if (f->next_gsi - IRQ_IOAPIC_PINS >= FAKE_IRQ_MAX) {
		ret = -ENOSPC;
	} else {
		ret = f->next_gsi++;
		route_of(f, ret)->gsi = ret;
	}
	pthread_mutex_unlock(&f->lock);
	return ret;
}

static int fake_msi_route(void *opaque, u32 gsi, u64 addr, u32 data)
{
	struct fake_irq *f = opaque;
	struct fake_irq_route *r;
	int ret = -EINVAL;

	pthread_mutex_lock(&f->lock);
	r = route_of(f, gsi);
	if (r && gsi < f->next_gsi) {
		r->addr = addr;
		r->data = data;
		r->routed = true;
		f->nr_routes++;
		ret = 0;
	}
	pthread_mutex_unlock(&f->lock);
	return ret;
}

static int fake_irqfd(void *opaque, int efd, u32 gsi, bool assign)
{
	struct fake_irq *f = opaque;
	struct fake_irq_route *r;
	int ret = -EINVAL;

	pthread_mutex_lock(&f->lock);
	r = route_of(f, gsi);
	if (!r || gsi >= f->next_gsi) {
		ret = -EINVAL;
	} else if (assign) {
		/* KVM refuses a second irqfd on the same eventfd. */
		ret = r->irqfd >= 0 ? -EBUSY : 0;
		if (!ret) {
			r->irqfd = efd;
			f->nr_irqfd_assign++;
		}
	} else if (r->irqfd == efd) {
		r->irqfd = -1;
		f->nr_irqfd_deassign++;
		ret = 0;
	} else {
		ret = -ENOENT;
	}
	pthread_mutex_unlock(&f->lock);
	return ret;
}

static int fake_ioeventfd(void *opaque, u64 addr, u32 len, int efd, bool mmio,
			  bool assign)
{
	struct fake_irq *f = opaque;
	unsigned int i;
	int ret = 0;

	pthread_mutex_lock(&f->lock);
	for (i = 0; i < f->nr_ioev; i++)
		if (f->ioev[i].addr == addr && f->ioev[i].mmio == mmio)
			break;
	if (assign) {
		if (i < f->nr_ioev)
			ret = -EEXIST;
		else if (f->nr_ioev == FAKE_IRQ_MAX)
			ret = -ENOSPC;
		else
			f->ioev[f->nr_ioev++] =
				(struct fake_ioeventfd){ addr, len, efd, mmio };
	} else if (i == f->nr_ioev || f->ioev[i].efd != efd) {
		ret = -ENOENT;
	} else {
		f->ioev[i] = f->ioev[--f->nr_ioev];
	}
	pthread_mutex_unlock(&f->lock);
	return ret;
}

static const struct irq_ops fake_irq_ops = {
	.set_line = fake_set_line,
	.msi_alloc = fake_msi_alloc,
	.msi_route = fake_msi_route,
	.irqfd = fake_irqfd,
	.ioeventfd = fake_ioeventfd,
};

void fake_irq_init(struct fake_irq *f, struct irq_ctl *ctl)
{
	unsigned int i;

	memset(f, 0, sizeof(*f));
	pthread_mutex_init(&f->lock, NULL);
	f->next_gsi = IRQ_IOAPIC_PINS;
	for (i = 0; i < FAKE_IRQ_MAX; i++)
		f->gsi[i].irqfd = -1;
	ctl->ops = &fake_irq_ops;
	ctl->opaque = f;
}

void fake_irq_destroy(struct fake_irq *f)
{
	pthread_mutex_destroy(&f->lock);
}

int fake_irq_ioeventfd(struct fake_irq *f, u64 addr, bool mmio)
{
	unsigned int i;
	int efd = -1;

	pthread_mutex_lock(&f->lock);
	for (i = 0; i < f->nr_ioev; i++)
		if (f->ioev[i].addr == addr && f->ioev[i].mmio == mmio)
			efd = f->ioev[i].efd;
	pthread_mutex_unlock(&f->lock);
	return efd;
}

int fake_irq_irqfd(struct fake_irq *f, u32 gsi)
{
	struct fake_irq_route *r;
	int efd = -1;

	pthread_mutex_lock(&f->lock);
	r = route_of(f, gsi);
	if (r)
		efd = r->irqfd;
	pthread_mutex_unlock(&f->lock);
	return efd;
}

int fake_irq_msi_fd(struct fake_irq *f, u64 addr, u32 data)
{
	unsigned int i;
	int efd = -1;

	pthread_mutex_lock(&f->lock);
	for (i = 0; i < f->next_gsi - IRQ_IOAPIC_PINS; i++) {
		const struct fake_irq_route *r = &f->gsi[i];

		if (r->routed && r->addr == addr && r->data == data)
			efd = r->irqfd;
	}
	pthread_mutex_unlock(&f->lock);
	return efd;
}
