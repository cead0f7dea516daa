/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_TEST_VPCI_FIXTURE_H
#define SQUEEZE_TEST_VPCI_FIXTURE_H

/*
 * A PCI host with one virtio-pci function around a dummy device, on fake
 * memory and buses, with a small irq controller that records routes,
 * irqfds and ioeventfds. Config space is reached through ports
 * 0xcf8/0xcfc and BAR 0 through the MMIO bus, as a vCPU would.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>

#include "vmm/core/layout.h"
#include "virtio/pci/virtio_pci_int.h"

#define TEST_ID		42		/* a device type nobody else uses */
#define TEST_FEATURE	3		/* the one device feature we offer */
#define NQ		2

/* --- A recording irq controller --- */
struct rec_irq {
	u32 next_gsi;
	int irqfd[64];			/* by gsi - 24, -1 if none */
	u64 addr[64];
	u32 data[64];
	u64 ioev_addr[16];
	int ioev_fd[16];
	unsigned int nr_ioev;
	unsigned int ioev_calls;	/* assign attempts, failed ones too */
	bool fail_ioev;			/* KVM refuses the registration */
};

static inline int rec_set_line(void *o, u32 gsi, int level)
{
	(void)o; (void)gsi; (void)level;
	return 0;
}

static inline int rec_msi_alloc(void *o)
{
	struct rec_irq *r = o;

	return r->next_gsi++;
}

static inline int rec_msi_route(void *o, u32 gsi, u64 addr, u32 data)
{
	struct rec_irq *r = o;

	r->addr[gsi - 24] = addr;
	r->data[gsi - 24] = data;
	return 0;
}

static inline int rec_irqfd(void *o, int efd, u32 gsi, bool assign)
{
	struct rec_irq *r = o;

	r->irqfd[gsi - 24] = assign ? efd : -1;
	return 0;
}

static inline int rec_ioeventfd(void *o, u64 addr, u32 len, int efd, bool mmio,
			 bool assign)
{
	struct rec_irq *r = o;
	unsigned int i;

	(void)len; (void)mmio;
	r->ioev_calls += assign;
	if (assign && r->fail_ioev)
		return -ENOTTY;
	if (assign) {
		r->ioev_addr[r->nr_ioev] = addr;
		r->ioev_fd[r->nr_ioev++] = efd;
		return 0;
	}
	for (i = 0; i < r->nr_ioev; i++) {
		if (r->ioev_addr[i] == addr) {
			r->ioev_addr[i] = r->ioev_addr[--r->nr_ioev];
			r->ioev_fd[i] = r->ioev_fd[r->nr_ioev];
			return 0;
		}
	}
	return -ENOENT;
}

static const struct irq_ops rec_ops = {
	rec_set_line, rec_msi_alloc, rec_msi_route, rec_irqfd, rec_ioeventfd,
};

/* --- A dummy device --- */
struct dummy {
	struct virtio_dev vd;
	int activated, resets;
	u8 config[8];
};

static inline void dummy_read_config(struct virtio_dev *vd, u32 off, void *data,
			      u32 len)
{
	memcpy(data, container_of(vd, struct dummy, vd)->config + off, len);
}

static inline int dummy_activate(struct virtio_dev *vd)
{
	container_of(vd, struct dummy, vd)->activated++;
	return 0;
}

static inline void dummy_reset(struct virtio_dev *vd)
{
	container_of(vd, struct dummy, vd)->resets++;
}

static const struct virtio_dev_ops dummy_ops = {
	.device_id = TEST_ID, .nr_queues = NQ, .queue_size = 64,
	.features = 1ULL << TEST_FEATURE, .config_size = 8,
	.read_config = dummy_read_config,
	.activate = dummy_activate, .reset = dummy_reset,
};

struct t {
	struct guest_mem mem;
	void *ram;
	struct bus pio, mmio;
	struct rec_irq rec;
	struct irq_ctl irq;
	struct pci_host host;
	struct dummy dev;
	struct virtio_pci *vp;
	u64 bar;
};

static struct t *T;

static inline void setup(void)
{
	struct err err;
	unsigned int i;

	T = calloc(1, sizeof(*T));
	T->ram = calloc(1, 1 * MiB);
	cr_assert_eq(guest_mem_add(&T->mem, 0, 1 * MiB, T->ram), 0);
	bus_init(&T->pio, "pio");
	bus_init(&T->mmio, "mmio");
	T->rec.next_gsi = 24;
	for (i = 0; i < ARRAY_SIZE(T->rec.irqfd); i++)
		T->rec.irqfd[i] = -1;
	T->irq = (struct irq_ctl){ &rec_ops, &T->rec };
	cr_assert_eq(pci_host_init(&T->host, &T->pio, &T->mmio, &err), 0, "%s", err.msg);
	virtio_dev_init(&T->dev.vd, &dummy_ops, &T->mem);
	memcpy(T->dev.config, "squeeze!", 8);
	T->vp = virtio_pci_add(&T->host, &T->dev.vd, &T->irq, &err);
	cr_assert_not_null(T->vp, "%s", err.msg);
	T->bar = pci_bar_addr(virtio_pci_dev(T->vp), 0);
}

static inline void teardown(void)
{
	virtio_pci_destroy(T->vp);
	pci_host_destroy(&T->host);
	bus_destroy(&T->pio);
	bus_destroy(&T->mmio);
	free(T->ram);
	free(T);
}

/* Type 1 configuration access, as a vCPU's port I/O would do it. */
static inline u32 cfg_read(u32 slot, u32 fn, u32 off, u32 len)
{
	u32 a = 0x80000000u | slot << 11 | fn << 8 | (off & 0xfc), v = 0;

	bus_write(&T->pio, PORT_PCI_CONFIG_ADDR, &a, 4);
	bus_read(&T->pio, PORT_PCI_CONFIG_DATA + (off & 3), &v, len);
	return v;
}

static inline void cfg_write(u32 slot, u32 off, u32 val, u32 len)
{
	u32 a = 0x80000000u | slot << 11 | (off & 0xfc);

	bus_write(&T->pio, PORT_PCI_CONFIG_ADDR, &a, 4);
	bus_write(&T->pio, PORT_PCI_CONFIG_DATA + (off & 3), &val, len);
}

static inline u32 bar_rd(u64 off, u32 len)
{
	u32 v = 0;

	cr_assert(bus_read(&T->mmio, T->bar + off, &v, len));
	return v;
}

static inline void bar_wr(u64 off, u32 val, u32 len)
{
	cr_assert(bus_write(&T->mmio, T->bar + off, &val, len));
}

static inline u32 common_rd(u32 off, u32 len)
{
	return bar_rd(VIRTIO_PCI_COMMON_OFF + off, len);
}

static inline void common_wr(u32 off, u32 val, u32 len)
{
	bar_wr(VIRTIO_PCI_COMMON_OFF + off, val, len);
}

static inline bool readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) == 1;
}

#endif
