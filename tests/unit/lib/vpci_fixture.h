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

#define TEST_ID	     42 /* a device type nobody else uses */
#define TEST_FEATURE 3	/* the one device feature we offer */
#define NQ	     2

/* --- A recording irq controller --- */
struct rec_irq {
	u32 next_gsi;
	int irqfd[64]; /* by gsi - 24, -1 if none */
	u64 addr[64];
	u32 data[64];
	u64 ioev_addr[16];
	int ioev_fd[16];
	unsigned int nr_ioev;
	unsigned int ioev_calls; /* assign attempts, failed ones too */
	bool fail_ioev;		 /* KVM refuses the registration */
};
int rec_set_line(void *o, u32 gsi, int level);
int rec_msi_alloc(void *o);
int rec_msi_route(void *o, u32 gsi, u64 addr, u32 data);
int rec_irqfd(void *o, int efd, u32 gsi, bool assign);
int rec_ioeventfd(void *o, u64 addr, u32 len, int efd, bool mmio, bool assign);

extern const struct irq_ops rec_ops;

/* --- A dummy device --- */
struct dummy {
	struct virtio_dev vd;
	int activated, resets;
	u8 config[8];
};
void dummy_read_config(struct virtio_dev *vd, u32 off, void *data, u32 len);
int dummy_activate(struct virtio_dev *vd);
void dummy_reset(struct virtio_dev *vd);

extern const struct virtio_dev_ops dummy_ops;

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

extern struct t *VP;
void vpci_setup(void);
void vpci_teardown(void);

/* Type 1 configuration access, as a vCPU's port I/O would do it. */
u32 cfg_read(u32 slot, u32 fn, u32 off, u32 len);
void cfg_write(u32 slot, u32 off, u32 val, u32 len);
u32 bar_rd(u64 off, u32 len);
void bar_wr(u64 off, u32 val, u32 len);
u32 common_rd(u32 off, u32 len);
void common_wr(u32 off, u32 val, u32 len);
bool readable(int fd);

#endif
