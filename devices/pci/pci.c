// SPDX-License-Identifier: MIT
/*
 * The PCI host bridge: bus 0 through the type 1 configuration mechanism
 * (0xcf8 address latch, 0xcfc data window) and through ECAM, a registry of
 * one function per slot, and a firmware-style allocator for memory BARs.
 */
#include <errno.h>
#include <string.h>

#include "vmm/core/layout.h"
#include "devices/pci/pci.h"
#include "vmm/base/err.h"
#include "vmm/base/log.h"

#define CFG_ADDR_ENABLE 0x80000000u
#define CFG_ADDR_MASK	0x80fffffcu /* enable, bus, slot, fn, dword */

static struct pci_dev *lookup(struct pci_host *h, u32 slot, u32 fn)
{
	if (slot >= PCI_MAX_SLOTS || fn != 0)
		return NULL;
	return h->dev[slot];
}

/*
 * Configuration access to bus 0, slot @slot, function @fn, as both
 * mechanisms see it: a missing function reads all-ones, writes to it are
 * dropped.
 */
static void pci_host_cfg_read(struct pci_host *h, u32 slot, u32 fn, u32 off,
			      void *data, u32 len)
{
	struct pci_dev *pd;

	pthread_mutex_lock(&h->lock);
	pd = lookup(h, slot, fn);
	if (pd)
		pci_dev_cfg_read(pd, off, data, len);
	else
		memset(data, 0xff, len); /* no device answers */
	pthread_mutex_unlock(&h->lock);
}

static void pci_host_cfg_write(struct pci_host *h, u32 slot, u32 fn, u32 off,
			       const void *data, u32 len)
{
	struct pci_dev *pd;

	pthread_mutex_lock(&h->lock);
	pd = lookup(h, slot, fn);
	if (pd)
		pci_dev_cfg_write(pd, off, data, len);
	pthread_mutex_unlock(&h->lock);
}

/* --- Type 1: the address latch at 0xcf8 takes whole dwords only. --- */

static void addr_read(void *opaque, u64 off, void *data, u32 len)
{
	struct pci_host *h = opaque;
	u32 v = __atomic_load_n(&h->config_addr, __ATOMIC_RELAXED);

	if (off == 0 && len == 4)
		memcpy(data, &v, 4);
	else
		memset(data, 0xff, len);
}

static void addr_write(void *opaque, u64 off, const void *data, u32 len)
{
	struct pci_host *h = opaque;
	u32 v;

	if (off != 0 || len != 4)
		return;
	memcpy(&v, data, 4);
	__atomic_store_n(&h->config_addr, v & CFG_ADDR_MASK, __ATOMIC_RELAXED);
}

/* Decode the latch; false if config cycles are off or not for bus 0. */
static bool type1_target(struct pci_host *h, u64 off, u32 *slot, u32 *fn,
			 u32 *reg)
{
	u32 a = __atomic_load_n(&h->config_addr, __ATOMIC_RELAXED);

	if (!(a & CFG_ADDR_ENABLE) || ((a >> 16) & 0xff) != 0)
		return false;
	*slot = (a >> 11) & 0x1f;
	*fn = (a >> 8) & 0x7;
	*reg = (a & 0xfc) + (u32)off;
	return true;
}

static void data_read(void *opaque, u64 off, void *data, u32 len)
{
	u32 slot, fn, reg;

	if (!type1_target(opaque, off, &slot, &fn, &reg)) {
		memset(data, 0xff, len);
		return;
	}
	pci_host_cfg_read(opaque, slot, fn, reg, data, len);
}

static void data_write(void *opaque, u64 off, const void *data, u32 len)
{
	u32 slot, fn, reg;

	if (type1_target(opaque, off, &slot, &fn, &reg))
		pci_host_cfg_write(opaque, slot, fn, reg, data, len);
}

/* --- ECAM: bus 0 only, 4 KiB per function; no access may cross one. --- */

static bool ecam_target(u64 off, u32 len, u32 *slot, u32 *fn, u32 *reg)
{
	*slot = (off >> 15) & 0x1f;
	*fn = (off >> 12) & 0x7;
	*reg = off & 0xfff;
	return *reg + len <= 0x1000;
}

static void ecam_read(void *opaque, u64 off, void *data, u32 len)
{
	u32 slot, fn, reg;

	if (!ecam_target(off, len, &slot, &fn, &reg)) {
		memset(data, 0xff, len);
		return;
	}
	pci_host_cfg_read(opaque, slot, fn, reg, data, len);
}

static void ecam_write(void *opaque, u64 off, const void *data, u32 len)
{
	u32 slot, fn, reg;

	if (ecam_target(off, len, &slot, &fn, &reg))
		pci_host_cfg_write(opaque, slot, fn, reg, data, len);
}

/* --- For --trace: the latch, and a function's registers by name. --- */

static void describe_addr(void *opaque, const struct io_access *a,
			  struct trace_note *n)
{
	u32 v = a->val;

	(void)opaque;
	note_printf(n, "pci.CONFIG_ADDRESS %s 0x%08x", a->write ? "<-" : "->",
		    v);
	if (!(v & CFG_ADDR_ENABLE))
		note_printf(n, " (config cycles off)");
	else
		note_printf(n, " (selects %02x:%02x.%u register 0x%02x)",
			    (v >> 16) & 0xff, (v >> 11) & 0x1f, (v >> 8) & 7,
			    v & 0xfc);
}

/* "pci 00:01.0 cfg BAR0 <- 0xffffffff (size probe)" */
static void describe_cfg(struct pci_host *h, u32 slot, u32 fn, u32 reg,
			 const struct io_access *a, struct trace_note *n)
{
	struct pci_dev *pd;

	note_printf(n, "pci 00:%02x.%u cfg ", slot, fn);
	pthread_mutex_lock(&h->lock);
	pd = lookup(h, slot, fn);
	if (pd)
		pci_cfg_describe(pd, reg, a->len, a->write, a->val, n);
	pthread_mutex_unlock(&h->lock);
	if (!pd)
		note_printf(n, "0x%02x %s 0x%llx (no device: all-ones)", reg,
			    a->write ? "<-" : "->", (unsigned long long)a->val);
}

static void describe_data(void *opaque, const struct io_access *a,
			  struct trace_note *n)
{
	u32 slot, fn, reg;

	if (!type1_target(opaque, a->off, &slot, &fn, &reg))
		note_printf(n, "pci.CONFIG_DATA %s 0x%llx (no config cycle)",
			    a->write ? "<-" : "->", (unsigned long long)a->val);
	else
		describe_cfg(opaque, slot, fn, reg, a, n);
}

static void describe_ecam(void *opaque, const struct io_access *a,
			  struct trace_note *n)
{
	u32 slot, fn, reg;

	if (!ecam_target(a->off, a->len, &slot, &fn, &reg))
		note_printf(n, "pci.ECAM+0x%llx (crosses a function)",
			    (unsigned long long)a->off);
	else
		describe_cfg(opaque, slot, fn, reg, a, n);
}

static const struct io_desc addr_desc = {
	.file = __FILE__,
	.trace_class = TRACE_PCI,
	.name = "pci",
	.describe = describe_addr,
};
static const struct io_desc data_desc = {
	.file = "devices/pci/pci_dev.c",
	.trace_class = TRACE_PCI,
	.name = "pci",
	.describe = describe_data,
};
static const struct io_desc ecam_desc = {
	.file = "devices/pci/pci_dev.c",
	.trace_class = TRACE_PCI,
	.name = "pci",
	.describe = describe_ecam,
};

static const struct io_ops addr_ops = { addr_read, addr_write, &addr_desc };
static const struct io_ops data_ops = { data_read, data_write, &data_desc };
static const struct io_ops ecam_ops = { ecam_read, ecam_write, &ecam_desc };

static void unregister_mechanisms(struct pci_host *h)
{
	bus_unregister(h->pio, PORT_PCI_CONFIG_ADDR, h);
	bus_unregister(h->pio, PORT_PCI_CONFIG_DATA, h);
	bus_unregister(h->mmio, LAYOUT_PCI_ECAM_START, h);
}

int pci_host_init(struct pci_host *h, struct bus *pio, struct bus *mmio,
		  struct err *err)
{
	static const struct pci_id bridge_id = {
		/* A Q35-like DRAM controller. */
		.vendor = 0x8086, .device = 0x29c0,  .subsys_vendor = 0x8086,
		.subsys = 0x29c0, .class = 0x060000, /* host bridge */
	};
	int ret;

	memset(h, 0, sizeof(*h));
	h->pio = pio;
	h->mmio = mmio;
	pthread_mutex_init(&h->lock, NULL);
	h->mmio_next = LAYOUT_PCI_MMIO_START;
	h->mmio_end = LAYOUT_PCI_MMIO_START + LAYOUT_PCI_MMIO_SIZE;
	pci_dev_init(&h->bridge, &bridge_id, NULL, NULL);
	h->bridge.host = h;
	h->dev[0] = &h->bridge;

	ret = bus_register(pio, PORT_PCI_CONFIG_ADDR, 4, &addr_ops, h);
	if (!ret)
		ret = bus_register(pio, PORT_PCI_CONFIG_DATA, 4, &data_ops, h);
	if (!ret)
		ret = bus_register(mmio, LAYOUT_PCI_ECAM_START,
				   LAYOUT_PCI_ECAM_SIZE, &ecam_ops, h);
	if (ret) {
		unregister_mechanisms(h);
		pthread_mutex_destroy(&h->lock);
		return err_host(err, ret,
				"pci: cannot register config space: %s",
				strerror(-ret));
	}
	h->registered = true;
	return 0;
}

void pci_host_destroy(struct pci_host *h)
{
	unsigned int i;

	if (!h->registered)
		return;
	pthread_mutex_lock(&h->lock);
	for (i = 1; i < PCI_MAX_SLOTS; i++) {
		if (h->dev[i])
			pci_dev_unmap_bars(h->dev[i]);
		h->dev[i] = NULL;
	}
	pthread_mutex_unlock(&h->lock);
	unregister_mechanisms(h);
	pthread_mutex_destroy(&h->lock);
	h->registered = false;
}

/* Give every BAR of @pd an address, naturally aligned, in the window. */
static int assign_bars(struct pci_host *h, struct pci_dev *pd)
{
	u64 next = h->mmio_next, addr;
	int i;

	for (i = 0; i < PCI_NR_BARS; i++) {
		const struct pci_bar *b = &pd->bar[i];
		u32 off = PCI_BAR0 + 4 * i;

		if (!b->size)
			continue;
		addr = ALIGN_UP(next, b->size);
		if (addr < next || addr > h->mmio_end ||
		    b->size > h->mmio_end - addr)
			return -ENOSPC;
		pci_cfg_set(pd, off, (u32)addr | (b->is64 ? PCI_BAR_MEM_64 : 0),
			    4);
		if (b->is64)
			pci_cfg_set(pd, off + 4, addr >> 32, 4);
		next = addr + b->size;
	}
	h->mmio_next = next;
	return 0;
}

int pci_host_add(struct pci_host *h, struct pci_dev *pd, struct err *err)
{
	unsigned int slot, i;
	int ret;

	pthread_mutex_lock(&h->lock);
	for (slot = 1; slot < PCI_MAX_SLOTS && h->dev[slot]; slot++)
		;
	if (slot == PCI_MAX_SLOTS) {
		ret = err_input(err, -ENOSPC, "pci: all 31 slots in use");
		goto unlock;
	}
	ret = assign_bars(h, pd);
	if (ret) {
		err_input(err, ret, "pci: MMIO window full");
		goto unlock;
	}
	pd->host = h;
	pd->slot = slot;
	h->dev[slot] = pd;
	pci_cfg_set(pd, PCI_COMMAND,
		    pci_cfg_get(pd, PCI_COMMAND, 2) | PCI_COMMAND_MEMORY, 2);
	pci_dev_update_bars(pd);
	for (i = 0; i < PCI_NR_BARS; i++) {
		if (pd->bar[i].size && !pd->bar[i].mapped) {
			pci_dev_unmap_bars(pd);
			h->dev[slot] = NULL;
			/* Our own address map is wrong: not input. */
			ret = err_host(err, -EEXIST,
				       "pci: BAR %u of slot %u overlaps", i,
				       slot);
			goto unlock;
		}
	}
	ret = slot;
unlock:
	pthread_mutex_unlock(&h->lock);
	return ret;
}

void pci_host_remove(struct pci_host *h, struct pci_dev *pd)
{
	pthread_mutex_lock(&h->lock);
	pci_dev_unmap_bars(pd);
	if (pd->slot && pd->slot < PCI_MAX_SLOTS && h->dev[pd->slot] == pd)
		h->dev[pd->slot] = NULL;
	pthread_mutex_unlock(&h->lock);
}
