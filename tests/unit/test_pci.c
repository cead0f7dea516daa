// SPDX-License-Identifier: MIT
/*
 * The PCI host bridge: type 1 and ECAM configuration access, the slot
 * registry, BAR sizing / moving / decoding for 64- and 32-bit BARs, and a
 * well-formed capability chain on a virtio-pci function.
 */
#include "tests/unit/lib/vpci_fixture.h"

TestSuite(pci, .init = vpci_setup, .fini = vpci_teardown);

Test(pci, host_bridge_and_device_identity)
{
	cr_assert_eq(cfg_read(0, 0, PCI_VENDOR_ID, 2), 0x8086);
	cr_assert_eq(cfg_read(0, 0, 0x08, 4) >> 8, 0x060000);
	cr_assert_eq(cfg_read(1, 0, PCI_VENDOR_ID, 2), VIRTIO_PCI_VENDOR);
	cr_assert_eq(cfg_read(1, 0, PCI_DEVICE_ID, 2), 0x1040 + TEST_ID);
	cr_assert_eq(cfg_read(1, 0, PCI_REVISION_ID, 1), 1);
	cr_assert_geq(cfg_read(1, 0, PCI_SUBSYSTEM_ID, 2), 0x40);
	cr_assert_eq(cfg_read(1, 0, PCI_INTERRUPT_PIN, 1), 0);
	/* Empty slots, other functions and other buses read all-ones. */
	cr_assert_eq(cfg_read(2, 0, 0, 4), 0xffffffff);
	cr_assert_eq(cfg_read(1, 1, 0, 4), 0xffffffff);
}

Test(pci, ecam_sees_the_same_space)
{
	u32 off, a, b;

	for (off = 0; off < PCI_CFG_SIZE; off += 4) {
		a = cfg_read(1, 0, off, 4);
		cr_assert(bus_read(&VP->mmio,
				   LAYOUT_PCI_ECAM_START + (1 << 15) + off, &b,
				   4));
		cr_assert_eq(a, b, "offset 0x%x", off);
	}
	cr_assert(bus_read(&VP->mmio, LAYOUT_PCI_ECAM_START + (1 << 15) + 0x100,
			   &b, 4));
	cr_assert_eq(b, 0, "no extended capabilities");
}

Test(pci, bar_is_assigned_in_window_and_mapped)
{
	cr_assert_geq(VP->bar, LAYOUT_PCI_MMIO_START);
	cr_assert_leq(VP->bar + VIRTIO_PCI_BAR_SIZE,
		      LAYOUT_PCI_MMIO_START + LAYOUT_PCI_MMIO_SIZE);
	cr_assert_eq(VP->bar % VIRTIO_PCI_BAR_SIZE, 0);
	cr_assert(cfg_read(1, 0, PCI_COMMAND, 2) & PCI_COMMAND_MEMORY);
	cr_assert_eq(common_rd(VIRTIO_PCI_COMMON_NUMQ, 2), NQ);
}

Test(pci, bar_sizing_and_moving)
{
	u64 old = VP->bar, new_addr = 0xd0000000ULL;
	u32 v;

	cfg_write(1, PCI_COMMAND, 0, 2);
	cr_assert_not(bus_read(&VP->mmio, old, &v, 4), "decode off");
	cfg_write(1, PCI_BAR0, 0xffffffff, 4);
	cfg_write(1, PCI_BAR0 + 4, 0xffffffff, 4);
	cr_assert_eq(cfg_read(1, 0, PCI_BAR0, 4),
		     (u32) ~(VIRTIO_PCI_BAR_SIZE - 1) | PCI_BAR_MEM_64);
	cr_assert_eq(cfg_read(1, 0, PCI_BAR0 + 4, 4), 0xffffffff);
	/* Unused BARs size to 0. */
	cfg_write(1, PCI_BAR0 + 8, 0xffffffff, 4);
	cr_assert_eq(cfg_read(1, 0, PCI_BAR0 + 8, 4), 0);

	cfg_write(1, PCI_BAR0, (u32)new_addr, 4);
	cfg_write(1, PCI_BAR0 + 4, 0, 4);
	cfg_write(1, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
	VP->bar = new_addr;
	cr_assert_eq(common_rd(VIRTIO_PCI_COMMON_NUMQ, 2), NQ);
	cr_assert_not(bus_read(&VP->mmio, old, &v, 4), "old address gone");
	/* The doorbell ioeventfds moved with the BAR. */
	cr_assert_eq(VP->rec.nr_ioev, NQ);
	cr_assert_eq(VP->rec.ioev_addr[0] & ~0xfffULL,
		     new_addr + VIRTIO_PCI_NOTIFY_OFF);

	/* Moving while decoding is on remaps at once, too. */
	cfg_write(1, PCI_BAR0, (u32)(new_addr + 0x100000), 4);
	VP->bar = new_addr + 0x100000;
	cr_assert_eq(common_rd(VIRTIO_PCI_COMMON_NUMQ, 2), NQ);
	cr_assert_not(bus_read(&VP->mmio, new_addr, &v, 4));
}

Test(pci, capability_chain_is_well_formed)
{
	u32 pos = cfg_read(1, 0, PCI_CAPABILITY_LIST, 1), hops = 0;
	u32 seen_types = 0;
	bool msix = false;

	cr_assert(cfg_read(1, 0, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST);
	while (pos) {
		u32 id = cfg_read(1, 0, pos, 1);

		cr_assert_geq(pos, 0x40);
		cr_assert_eq(pos % 4, 0);
		cr_assert_lt(++hops, 16, "chain loops");
		if (id == PCI_CAP_ID_VNDR) {
			u32 type = cfg_read(1, 0, pos + 3, 1);
			u32 off = cfg_read(1, 0, pos + 8, 4);
			u32 len = cfg_read(1, 0, pos + 12, 4);

			cr_assert_leq(pos + cfg_read(1, 0, pos + 2, 1), 256);
			cr_assert_eq(cfg_read(1, 0, pos + 4, 1), 0, "BAR 0");
			cr_assert_leq(off + len, VIRTIO_PCI_BAR_SIZE);
			if (type == VIRTIO_PCI_CAP_NOTIFY_CFG)
				cr_assert_eq(cfg_read(1, 0, pos + 16, 4), 4);
			seen_types |= 1u << type;
		} else if (id == PCI_CAP_ID_MSIX) {
			cr_assert_eq((cfg_read(1, 0, pos + 2, 2) & 0x7ff) + 1,
				     NQ + 1);
			cr_assert_eq(cfg_read(1, 0, pos + 4, 4),
				     VIRTIO_PCI_MSIX_OFF);
			msix = true;
		}
		pos = cfg_read(1, 0, pos + 1, 1);
	}
	cr_assert_eq(seen_types, 0x3e, "common, notify, isr, device, pci_cfg");
	cr_assert(msix);
}

Test(pci, pci_cfg_capability_window)
{
	u32 pos = VP->vp->pcicfg_cap;

	cfg_write(1, pos + 4, 0, 1); /* BAR 0 */
	cfg_write(1, pos + 8, VIRTIO_PCI_COMMON_OFF + VIRTIO_PCI_COMMON_NUMQ,
		  4);
	cfg_write(1, pos + 12, 2, 4);
	cr_assert_eq(cfg_read(1, 0, pos + 16, 2), NQ);
}

/* A plain register block behind a 32-bit BAR. */
struct reg4k {
	u32 last_write;
};

static void reg_read(void *opaque, u64 off, void *data, u32 len)
{
	u32 v = 0xabc00000u | (u32)off;

	(void)opaque;
	memcpy(data, &v, MIN(len, 4u));
}

static void reg_write(void *opaque, u64 off, const void *data, u32 len)
{
	struct reg4k *r = opaque;

	(void)off;
	memcpy(&r->last_write, data, MIN(len, 4u));
}

static const struct io_ops reg_ops = { .read = reg_read, .write = reg_write };

Test(pci, bar_32bit_sizing_and_decode)
{
	static const struct pci_id id = { .vendor = 0x1234,
					  .device = 0x5678,
					  .class = 0xff0000 };
	struct pci_dev *pd = calloc(1, sizeof(*pd));
	struct reg4k r = { 0 };
	struct err err;
	u32 v, slot;
	int ret;

	pci_dev_init(pd, &id, NULL, NULL);
	cr_assert_eq(pci_dev_add_bar(pd, 2, 4096, false, &reg_ops, &r), 0);
	cr_assert_eq(pci_dev_add_bar(pd, 2, 4096, false, &reg_ops, &r), -EINVAL,
		     "slot already used");
	cr_assert_eq(pci_dev_add_bar(pd, 3, 3000, false, &reg_ops, &r), -EINVAL,
		     "not a power of two");
	cr_assert_eq(pci_dev_add_bar(pd, 5, 4096, true, &reg_ops, &r), -EINVAL,
		     "a 64-bit BAR needs two slots");
	ret = pci_host_add(&VP->host, pd, &err);
	cr_assert_eq(ret, 2, "%s", err.msg);
	slot = ret;
	cr_assert_eq(cfg_read(slot, 0, PCI_BAR0 + 8, 4) & 0xf, 0, "32-bit mem");
	cfg_write(slot, PCI_COMMAND, 0, 2);
	cfg_write(slot, PCI_BAR0 + 8, 0xffffffff, 4);
	cr_assert_eq(cfg_read(slot, 0, PCI_BAR0 + 8, 4), 0xfffff000);
	cfg_write(slot, PCI_BAR0 + 8, 0xd8000000, 4);
	cr_assert_not(bus_read(&VP->mmio, 0xd8000010, &v, 4), "decode off");
	cfg_write(slot, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
	cr_assert(bus_read(&VP->mmio, 0xd8000010, &v, 4));
	cr_assert_eq(v, 0xabc00010);
	v = 77;
	cr_assert(bus_write(&VP->mmio, 0xd8000ffc, &v, 4));
	cr_assert_eq(r.last_write, 77);
	/* A BAR moved onto another device's range stays unmapped. */
	cfg_write(slot, PCI_BAR0 + 8, (u32)VP->bar, 4);
	cr_assert_eq(common_rd(VIRTIO_PCI_COMMON_NUMQ, 2), NQ);
	pci_host_remove(&VP->host, pd);
	cr_assert_eq(cfg_read(slot, 0, 0, 4), 0xffffffff);
	free(pd);
}

Test(pci, thirty_one_slots_then_full)
{
	static const struct pci_id id = { .vendor = 0x1234, .device = 1 };
	struct pci_dev *pd = calloc(31, sizeof(*pd));
	struct err err;
	int i;

	/* Slot 0 is the bridge, slot 1 the fixture's device. */
	for (i = 0; i < 30; i++) {
		pci_dev_init(&pd[i], &id, NULL, NULL);
		cr_assert_eq(pci_host_add(&VP->host, &pd[i], &err), i + 2);
	}
	pci_dev_init(&pd[30], &id, NULL, NULL);
	cr_assert_eq(pci_host_add(&VP->host, &pd[30], &err), -ENOSPC);
	cr_assert_eq(cfg_read(31, 0, PCI_VENDOR_ID, 2), 0x1234);
	for (i = 0; i < 30; i++)
		pci_host_remove(&VP->host, &pd[i]);
	free(pd);
}

Test(pci, config_latch_ignores_partial_writes)
{
	u32 a = 0x80000800u, v = 0;
	u8 b = 0;

	bus_write(&VP->pio, PORT_PCI_CONFIG_ADDR, &a, 4);
	bus_write(&VP->pio, PORT_PCI_CONFIG_ADDR + 1, &b, 1);
	bus_read(&VP->pio, PORT_PCI_CONFIG_ADDR, &v, 4);
	cr_assert_eq(v, a);
	/* With the enable bit clear, data reads float high. */
	a = 0x00000800u;
	bus_write(&VP->pio, PORT_PCI_CONFIG_ADDR, &a, 4);
	bus_read(&VP->pio, PORT_PCI_CONFIG_DATA, &v, 4);
	cr_assert_eq(v, 0xffffffff);
	/* Bus 1 does not exist. */
	a = 0x80010000u;
	bus_write(&VP->pio, PORT_PCI_CONFIG_ADDR, &a, 4);
	bus_read(&VP->pio, PORT_PCI_CONFIG_DATA, &v, 4);
	cr_assert_eq(v, 0xffffffff);
}
