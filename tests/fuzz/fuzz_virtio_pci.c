// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the virtio-pci transport's guest-facing accessors.
 * A modern virtio-pci function with a dummy device sits on a PCI host
 * bridge with a recording interrupt controller; the input is a list of
 * 8-byte accesses, each read or write, to BAR 0 (common configuration,
 * ISR, device configuration, doorbells, MSI-X table and PBA) or to PCI
 * configuration space (through ports 0xcf8/0xcfc, as a vCPU would),
 * with any offset, width and value. Nothing may crash, leak or touch
 * memory outside its structures.
 */
#include <stdlib.h>
#include <string.h>

#include "devices/pci/pci.h"
#include "tests/fuzz/fuzz_seed.h"
#include "virtio/pci/virtio_pci.h"
#include "vmm/core/layout.h"

#define OP_LEN 8

static int no_line(void *o, u32 gsi, int level)
{
	(void)o, (void)gsi, (void)level;
	return 0;
}

static int next_gsi(void *o)
{
	return (*(int *)o)++;
}

static int ok_route(void *o, u32 gsi, u64 addr, u32 data)
{
	(void)o, (void)gsi, (void)addr, (void)data;
	return 0;
}

static int ok_irqfd(void *o, int efd, u32 gsi, bool assign)
{
	(void)o, (void)efd, (void)gsi, (void)assign;
	return 0;
}

static int ok_ioeventfd(void *o, u64 addr, u32 len, int efd, bool mmio,
			bool assign)
{
	(void)o, (void)addr, (void)len, (void)efd, (void)mmio, (void)assign;
	return 0;
}

static const struct irq_ops irq_ops = {
	no_line, next_gsi, ok_route, ok_irqfd, ok_ioeventfd,
};

static u8 dev_config[8] = "squeeze!";

static void read_config(struct virtio_dev *vd, u32 off, void *data, u32 len)
{
	(void)vd;
	memset(data, 0, len);
	if (off < sizeof(dev_config))
		memcpy(data, dev_config + off,
		       MIN(len, sizeof(dev_config) - off));
}

static int activate(struct virtio_dev *vd)
{
	(void)vd;
	return 0;
}

static const struct virtio_dev_ops dev_ops = {
	.device_id = 42,
	.nr_queues = 2,
	.queue_size = 64,
	.features = 1ULL << 3,
	.config_size = sizeof(dev_config),
	.read_config = read_config,
	.activate = activate,
};

static void access(struct bus *pio, struct bus *mmio, u64 bar, const u8 *op)
{
	static const u32 lens[4] = { 1, 2, 4, 8 };
	u32 len = lens[op[1] & 3], off, val;
	u64 v = 0;

	memcpy(&off, op + 2, 2);
	off &= 0xffff;
	memcpy(&val, op + 4, 4);
	v = val;
	switch (op[0] & 3) {
	case 0:
		bus_read(mmio, bar + off % VIRTIO_PCI_BAR_SIZE, &v, len);
		break;
	case 1:
		bus_write(mmio, bar + off % VIRTIO_PCI_BAR_SIZE, &v, len);
		break;
	case 2:
	case 3:
		/* Device 00:01.0's configuration space, type 1. */
		val = 0x80000000u | 1 << 11 | (off & 0xfc);
		bus_write(pio, PORT_PCI_CONFIG_ADDR, &val, 4);
		len = MIN(len, 4 - (off & 3));
		if (op[0] & 1)
			bus_write(pio, PORT_PCI_CONFIG_DATA + (off & 3), op + 4,
				  len);
		else
			bus_read(pio, PORT_PCI_CONFIG_DATA + (off & 3), &v,
				 len);
		break;
	}
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static u8 ram[256 * KiB];
	struct guest_mem mem = { 0 };
	struct bus pio, mmio;
	struct pci_host host;
	struct virtio_dev vd;
	struct virtio_pci *vp;
	struct irq_ctl irq;
	struct err err;
	int gsi = 24;
	size_t i;
	u64 bar;

	guest_mem_add(&mem, 0, sizeof(ram), ram);
	bus_init(&pio, "pio");
	bus_init(&mmio, "mmio");
	irq = (struct irq_ctl){ &irq_ops, &gsi };
	if (pci_host_init(&host, &pio, &mmio, &err))
		abort();
	virtio_dev_init(&vd, &dev_ops, &mem);
	vp = virtio_pci_add(&host, &vd, &irq, &err);
	if (!vp)
		abort();
	bar = pci_bar_addr(virtio_pci_dev(vp), 0);
	for (i = 0; i + OP_LEN <= size && i < 4096 * OP_LEN; i += OP_LEN)
		access(&pio, &mmio, bar, data + i);
	virtio_pci_destroy(vp);
	pci_host_destroy(&host);
	bus_destroy(&pio);
	bus_destroy(&mmio);
	return 0;
}

/* The driver's dance of test_virtio_pci.c, as accesses. */
static u8 *put(u8 *p, u8 kind, u8 lensel, u16 off, u32 val)
{
	p[0] = kind;
	p[1] = lensel;
	memcpy(p + 2, &off, 2);
	memcpy(p + 4, &val, 4);
	return p + OP_LEN;
}

static void seeds(void)
{
	u8 buf[64 * OP_LEN], *p = buf;
	u16 q;

	p = put(p, 3, 1, 0x04, 0x6); /* command: memory, master */
	p = put(p, 2, 2, 0x34, 0);   /* capabilities pointer */
	p = put(p, 1, 0, 0x14, 1);   /* ACKNOWLEDGE */
	p = put(p, 1, 0, 0x14, 3);   /* DRIVER */
	p = put(p, 1, 2, 0x00, 1);   /* device_feature_select 1 */
	p = put(p, 0, 2, 0x04, 0);
	p = put(p, 1, 2, 0x08, 1);  /* driver_feature_select 1 */
	p = put(p, 1, 2, 0x0c, 1);  /* VERSION_1 */
	p = put(p, 1, 0, 0x14, 11); /* FEATURES_OK */
	for (q = 0; q < 2; q++) {
		p = put(p, 1, 1, 0x16, q); /* queue_select */
		p = put(p, 0, 1, 0x18, 0); /* queue_size */
		p = put(p, 1, 1, 0x1a, q); /* queue_msix_vector */
		p = put(p, 1, 2, 0x20, 0x1000 + q * 0x4000);
		p = put(p, 1, 2, 0x28, 0x2000 + q * 0x4000);
		p = put(p, 1, 2, 0x30, 0x3000 + q * 0x4000);
		p = put(p, 1, 1, 0x1c, 1); /* queue_enable */
	}
	p = put(p, 1, 2, 0x4000, 0xfee00000); /* MSI-X entry 0 */
	p = put(p, 1, 2, 0x4008, 0x41);
	p = put(p, 1, 2, 0x400c, 0); /* unmask */
	p = put(p, 1, 0, 0x14, 15);  /* DRIVER_OK */
	p = put(p, 1, 1, 0x3000, 0); /* doorbell */
	p = put(p, 0, 0, 0x1000, 0); /* ISR */
	p = put(p, 0, 2, 0x2000, 0); /* device config */
	p = put(p, 0, 3, 0x5000, 0); /* PBA */
	p = put(p, 1, 0, 0x14, 0);   /* reset */
	fuzz_seed("driver", buf, p - buf);
}

FUZZ_SEEDS(seeds)
