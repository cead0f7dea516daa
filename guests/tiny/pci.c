// SPDX-License-Identifier: MIT
/* PCI configuration space, type 1 mechanism, bus 0. */
#include "pci.h"

#define PCI_CONFIG_ADDR	  0xcf8
#define PCI_CONFIG_DATA	  0xcfc
#define PCI_CONFIG_ENABLE 0x80000000u
#define PCI_MAX_CAPS	  48 /* (256 - 64) / 4: walk bound */
#define PCI_BAR_IO	  (1 << 0)
#define PCI_BAR_TYPE_64	  (2 << 1)
#define PCI_BAR_TYPE_MASK (3 << 1)
#define PCI_BAR_MEM_MASK  (~0xfULL)

static void pci_select(const struct pci_dev *d, u16 off)
{
	outl(PCI_CONFIG_ADDR, PCI_CONFIG_ENABLE | (u32)d->dev << 11 |
				      (u32)d->fn << 8 | (off & 0xfc));
}

u32 pci_read32(const struct pci_dev *d, u16 off)
{
	pci_select(d, off);
	return inl(PCI_CONFIG_DATA);
}

u16 pci_read16(const struct pci_dev *d, u16 off)
{
	return (u16)(pci_read32(d, off) >> ((off & 2) * 8));
}

u8 pci_read8(const struct pci_dev *d, u16 off)
{
	return (u8)(pci_read32(d, off) >> ((off & 3) * 8));
}

void pci_write32(const struct pci_dev *d, u16 off, u32 v)
{
	pci_select(d, off);
	outl(PCI_CONFIG_DATA, v);
}

/* Narrow writes go to 0xcfc + (off & 3), as on real chipsets. */
void pci_write16(const struct pci_dev *d, u16 off, u16 v)
{
	pci_select(d, off);
	outw(PCI_CONFIG_DATA + (off & 2), v);
}

void pci_write8(const struct pci_dev *d, u16 off, u8 v)
{
	pci_select(d, off);
	outb(PCI_CONFIG_DATA + (off & 3), v);
}

int pci_find(u16 vendor, u16 device, struct pci_dev *d)
{
	return pci_find_nth(vendor, device, 0, d);
}

int pci_find_nth(u16 vendor, u16 device, unsigned int n, struct pci_dev *d)
{
	u8 dev, fn, nr_fn;

	for (dev = 0; dev < 32; dev++) {
		nr_fn = 1;
		for (fn = 0; fn < nr_fn; fn++) {
			struct pci_dev p = { .dev = dev, .fn = fn };
			u32 id = pci_read32(&p, PCI_VENDOR_ID);

			if ((id & 0xffff) == 0xffff)
				continue;
			if (fn == 0 && (pci_read8(&p, PCI_HEADER_TYPE) & 0x80))
				nr_fn = 8;
			p.vendor = (u16)id;
			p.device = (u16)(id >> 16);
			if (p.vendor == vendor && p.device == device &&
			    n-- == 0) {
				*d = p;
				return 0;
			}
		}
	}
	return -1;
}

u8 pci_find_cap(const struct pci_dev *d, u8 id, u8 after)
{
	unsigned int hops;
	u8 ptr;

	if (!(pci_read16(d, PCI_STATUS) & PCI_STATUS_CAP_LIST))
		return 0;
	ptr = after ? pci_read8(d, after + 1) : pci_read8(d, PCI_CAP_PTR);
	for (hops = 0; hops < PCI_MAX_CAPS; hops++) {
		ptr &= 0xfc;
		if (ptr < 0x40)
			return 0;
		if (pci_read8(d, ptr) == id)
			return ptr;
		ptr = pci_read8(d, ptr + 1);
	}
	return 0;
}

/* Write all-ones, read back the mask, restore: the size of one BAR. */
static u64 pci_bar_probe(const struct pci_dev *d, u16 off, bool is64, u64 *addr)
{
	u32 lo = pci_read32(d, off), hi = 0, mlo, mhi = 0xffffffff;

	pci_write32(d, off, 0xffffffff);
	mlo = pci_read32(d, off);
	pci_write32(d, off, lo);
	if (is64) {
		hi = pci_read32(d, off + 4);
		pci_write32(d, off + 4, 0xffffffff);
		mhi = pci_read32(d, off + 4);
		pci_write32(d, off + 4, hi);
	}
	*addr = ((u64)hi << 32 | lo) & PCI_BAR_MEM_MASK;
	if (!is64 && !(mlo & PCI_BAR_MEM_MASK))
		return 0; /* BAR not implemented */
	return ~(((u64)mhi << 32 | mlo) & PCI_BAR_MEM_MASK) + 1;
}

void pci_bars_clear(const struct pci_dev *d)
{
	u16 cmd = pci_read16(d, PCI_COMMAND);
	unsigned int bar;

	pci_write16(d, PCI_COMMAND, cmd & ~PCI_COMMAND_MEMORY);
	for (bar = 0; bar < PCI_NR_BARS; bar++) {
		u16 off = (u16)(PCI_BAR0 + 4 * bar);
		u32 lo = pci_read32(d, off);

		if (lo & PCI_BAR_IO)
			continue;
		pci_write32(d, off, lo & 0xf);
		if ((lo & PCI_BAR_TYPE_MASK) == PCI_BAR_TYPE_64 &&
		    bar + 1 < PCI_NR_BARS)
			pci_write32(d, off + 4 * ++bar, 0);
	}
	pci_write16(d, PCI_COMMAND, cmd);
}

int pci_bar_map(const struct pci_dev *d, unsigned int bar,
		struct pci_window *win, u64 *base, u64 *size)
{
	u16 off = (u16)(PCI_BAR0 + 4 * bar), cmd;
	u32 lo;
	bool is64;
	u64 addr, sz;
	int ret = 0;

	if (bar >= PCI_NR_BARS)
		return -1;
	lo = pci_read32(d, off);
	if (lo & PCI_BAR_IO)
		return -1;
	is64 = (lo & PCI_BAR_TYPE_MASK) == PCI_BAR_TYPE_64;
	if (is64 && bar == PCI_NR_BARS - 1)
		return -1;

	/* No decoding while the BAR briefly holds all-ones. */
	cmd = pci_read16(d, PCI_COMMAND);
	pci_write16(d, PCI_COMMAND, cmd & ~PCI_COMMAND_MEMORY);
	sz = pci_bar_probe(d, off, is64, &addr);
	if (!sz || (sz & (sz - 1))) {
		ret = -1;
		goto restore_cmd;
	}
	if (!addr) {
		addr = ALIGN_UP(win->next, sz);
		if (addr < win->next || addr + sz > win->end) {
			ret = -2;
			goto restore_cmd;
		}
		pci_write32(d, off, (u32)addr | (lo & 0xf));
		if (is64)
			pci_write32(d, off + 4, (u32)(addr >> 32));
		win->next = addr + sz;
	} else if (addr + sz > (4ULL << 30) || addr + sz < addr) {
		ret = -2; /* outside our 4 GiB identity map */
		goto restore_cmd;
	}
	*base = addr;
	*size = sz;
restore_cmd:
	pci_write16(d, PCI_COMMAND, cmd);
	return ret;
}
