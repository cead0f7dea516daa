// SPDX-License-Identifier: MIT
/*
 * One PCI function's configuration space: header, memory BARs (sizing,
 * programming, mapping on the MMIO bus) and the capability list.
 */
#include <errno.h>
#include <string.h>

#include "devices/pci/pci.h"
#include "vmm/base/log.h"

u32 pci_cfg_get(const struct pci_dev *pd, u32 off, u32 len)
{
	u32 v = 0, i;

	for (i = 0; i < len && off + i < PCI_CFG_SIZE; i++)
		v |= (u32)pd->cfg[off + i] << (8 * i);
	return v;
}

void pci_cfg_set(struct pci_dev *pd, u32 off, u32 val, u32 len)
{
	u32 i;

	for (i = 0; i < len && off + i < PCI_CFG_SIZE; i++)
		pd->cfg[off + i] = val >> (8 * i);
}

static void wmask_set(struct pci_dev *pd, u32 off, u32 val, u32 len)
{
	u32 i;

	for (i = 0; i < len; i++)
		pd->wmask[off + i] = val >> (8 * i);
}

void pci_dev_init(struct pci_dev *pd, const struct pci_id *id,
		  const struct pci_dev_ops *ops, void *priv)
{
	memset(pd, 0, sizeof(*pd));
	pd->ops = ops;
	pd->priv = priv;
	pci_cfg_set(pd, PCI_VENDOR_ID, id->vendor, 2);
	pci_cfg_set(pd, PCI_DEVICE_ID, id->device, 2);
	pci_cfg_set(pd, PCI_REVISION_ID, id->revision, 1);
	pci_cfg_set(pd, PCI_CLASS_PROG, id->class, 3);
	pci_cfg_set(pd, PCI_SUBSYSTEM_VENDOR_ID, id->subsys_vendor, 2);
	pci_cfg_set(pd, PCI_SUBSYSTEM_ID, id->subsys, 2);
	/* Memory space, bus master, INTx disable; no I/O BARs. */
	wmask_set(pd, PCI_COMMAND,
		  PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER |
			  PCI_COMMAND_INTX_DISABLE,
		  2);
	wmask_set(pd, 0x0c, 0xff, 1); /* cache line size */
	wmask_set(pd, PCI_INTERRUPT_LINE, 0xff, 1);
	pd->cap_next = PCI_CAP_START;
}

int pci_dev_add_bar(struct pci_dev *pd, int bar, u64 size, bool is64,
		    const struct io_ops *ops, void *opaque)
{
	u32 off = PCI_BAR0 + 4 * bar;
	u64 mask = ~(size - 1);

	if (bar < 0 || bar + is64 >= PCI_NR_BARS || !IS_POW2(size) ||
	    size < 16 || (!is64 && size > 2 * GiB))
		return -EINVAL;
	if (pd->bar[bar].size || (bar && pd->bar[bar - 1].is64) ||
	    (is64 && pd->bar[bar + 1].size))
		return -EINVAL;
	pd->bar[bar] = (struct pci_bar){
		.size = size, .is64 = is64, .ops = ops, .opaque = opaque
	};
	/* Address bits above the size are writable; the flags are not. */
	pci_cfg_set(pd, off, is64 ? PCI_BAR_MEM_64 : 0, 4);
	wmask_set(pd, off, (u32)mask & ~0xfu, 4);
	if (is64)
		wmask_set(pd, off + 4, mask >> 32, 4);
	return 0;
}

int pci_dev_add_cap(struct pci_dev *pd, const void *data, u32 len,
		    const void *wmask)
{
	u32 off = ALIGN_UP((u32)pd->cap_next, 4);

	if (len < 2 || off + len > PCI_CFG_SIZE)
		return -ENOSPC;
	memcpy(&pd->cfg[off], data, len);
	if (wmask)
		memcpy(&pd->wmask[off], wmask, len);
	/* The ID and next pointer are never writable. */
	pd->wmask[off] = pd->wmask[off + 1] = 0;
	pd->cfg[off + 1] = 0;
	if (pd->cap_last)
		pd->cfg[pd->cap_last + 1] = off;
	else
		pd->cfg[PCI_CAPABILITY_LIST] = off;
	pci_cfg_set(pd, PCI_STATUS,
		    pci_cfg_get(pd, PCI_STATUS, 2) | PCI_STATUS_CAP_LIST, 2);
	pd->cap_last = off;
	pd->cap_next = off + len;
	return off;
}

u64 pci_bar_addr(const struct pci_dev *pd, int bar)
{
	u32 off = PCI_BAR0 + 4 * bar;
	u64 addr = pci_cfg_get(pd, off, 4) & ~0xfULL;

	if (pd->bar[bar].is64)
		addr |= (u64)pci_cfg_get(pd, off + 4, 4) << 32;
	return addr;
}

static void bar_unmap(struct pci_dev *pd, int bar)
{
	struct pci_bar *b = &pd->bar[bar];

	if (!b->mapped)
		return;
	if (pd->ops && pd->ops->bar_mapped)
		pd->ops->bar_mapped(pd, bar, b->mapped_addr, false);
	bus_unregister(pd->host->mmio, b->mapped_addr, b->opaque);
	b->mapped = false;
	trace_event(pd->host->trace, TRACE_PCI, "bar", __FILE__,
		    "pci 00:%02x.0 BAR%d unmapped from 0x%llx", pd->slot, bar,
		    (unsigned long long)b->mapped_addr);
}

/*
 * Make the MMIO bus agree with the command register and BAR @bar. An
 * address that collides with another range, wraps, or is 0 (unassigned)
 * stays unmapped: the guest just sees no device there, as on hardware
 * with a bad assignment.
 */
static void bar_update(struct pci_dev *pd, int bar)
{
	struct pci_bar *b = &pd->bar[bar];
	bool enable = pci_cfg_get(pd, PCI_COMMAND, 2) & PCI_COMMAND_MEMORY;
	u64 addr = pci_bar_addr(pd, bar);
	int ret;

	if (b->mapped && enable && b->mapped_addr == addr)
		return;
	bar_unmap(pd, bar);
	if (!enable || !addr)
		return;
	ret = bus_register(pd->host->mmio, addr, b->size, b->ops, b->opaque);
	if (ret) {
		if (warn_once(&pd->warned, PCI_WARN_BAR_MAP))
			pr_warn("pci: BAR at 0x%llx (slot %u) not mapped: %s",
				(unsigned long long)addr, pd->slot,
				strerror(-ret));
		return;
	}
	b->mapped = true;
	b->mapped_addr = addr;
	trace_event(pd->host->trace, TRACE_PCI, "bar", __FILE__,
		    "pci 00:%02x.0 BAR%d mapped at 0x%llx, %llu KiB: its "
		    "registers are on the MMIO bus",
		    pd->slot, bar, (unsigned long long)addr,
		    (unsigned long long)b->size / 1024);
	if (pd->ops && pd->ops->bar_mapped)
		pd->ops->bar_mapped(pd, bar, addr, true);
}

/* Called with the host lock held, after pd->host is set. */
void pci_dev_update_bars(struct pci_dev *pd)
{
	int i;

	for (i = 0; i < PCI_NR_BARS; i++)
		if (pd->bar[i].size)
			bar_update(pd, i);
}

void pci_dev_unmap_bars(struct pci_dev *pd)
{
	int i;

	for (i = 0; i < PCI_NR_BARS; i++)
		if (pd->bar[i].size)
			bar_unmap(pd, i);
}

void pci_dev_cfg_read(struct pci_dev *pd, u32 off, void *data, u32 len)
{
	u8 *out = data;
	u32 i;

	if (off < PCI_CFG_SIZE && pd->ops && pd->ops->config_read)
		pd->ops->config_read(pd, off, len);
	for (i = 0; i < len; i++)
		out[i] = off + i < PCI_CFG_SIZE ? pd->cfg[off + i] : 0;
}

void pci_dev_cfg_write(struct pci_dev *pd, u32 off, const void *data, u32 len)
{
	const u8 *in = data;
	u32 i;

	if (off >= PCI_CFG_SIZE)
		return; /* no extended capabilities */
	len = MIN(len, PCI_CFG_SIZE - off);
	for (i = 0; i < len; i++) {
		u8 m = pd->wmask[off + i];

		pd->cfg[off + i] = (pd->cfg[off + i] & ~m) | (in[i] & m);
	}
	if (pci_cfg_touches(off, len, PCI_COMMAND, PCI_COMMAND + 2) ||
	    pci_cfg_touches(off, len, PCI_BAR0, PCI_BAR0 + 4 * PCI_NR_BARS))
		pci_dev_update_bars(pd);
	if (pd->ops && pd->ops->config_write)
		pd->ops->config_write(pd, off, len);
}
