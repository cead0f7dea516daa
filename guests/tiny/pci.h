/* SPDX-License-Identifier: MIT */
#ifndef TINY_PCI_H
#define TINY_PCI_H

/*
 * PCI for the tiny guests: configuration space through the type 1
 * mechanism (ports 0xcf8/0xcfc), bus 0 only, the capability list, and
 * BAR sizing/assignment for a VMM that leaves BARs unassigned.
 */
#include "lib.h"

#define PCI_VENDOR_ID	0x00
#define PCI_DEVICE_ID	0x02
#define PCI_COMMAND	0x04
#define PCI_STATUS	0x06
#define PCI_HEADER_TYPE 0x0e
#define PCI_BAR0	0x10
#define PCI_CAP_PTR	0x34

#define PCI_COMMAND_MEMORY  (1 << 1)
#define PCI_COMMAND_MASTER  (1 << 2)
#define PCI_STATUS_CAP_LIST (1 << 4)
#define PCI_CAP_ID_VNDR	    0x09
#define PCI_NR_BARS	    6

struct pci_dev {
	u8 dev, fn; /* bus 0 */
	u16 vendor, device;
};

/* Where unassigned memory BARs go: [next, end), moving up. */
struct pci_window {
	u64 next, end;
};

#define PCI_WINDOW_INIT                      \
	{                                    \
		0xc0000000ULL, 0xe0000000ULL \
	}

u8 pci_read8(const struct pci_dev *d, u16 off);
u16 pci_read16(const struct pci_dev *d, u16 off);
u32 pci_read32(const struct pci_dev *d, u16 off);
void pci_write8(const struct pci_dev *d, u16 off, u8 v);
void pci_write16(const struct pci_dev *d, u16 off, u16 v);
void pci_write32(const struct pci_dev *d, u16 off, u32 v);

/* Bus 0, devices 0..31 and their functions: 0 and @d filled, or -1. */
int pci_find(u16 vendor, u16 device, struct pci_dev *d);
/* The same for the @n-th such function (0 is the first). */
int pci_find_nth(u16 vendor, u16 device, unsigned int n, struct pci_dev *d);

/*
 * The config-space offset of the first capability with @id after the one
 * at @after (0: from the start of the list), or 0 if there is none. The
 * walk is bounded, so a looping list ends.
 */
u8 pci_find_cap(const struct pci_dev *d, u8 id, u8 after);

/*
 * Size memory BAR @bar (writing all-ones with decoding off) and assign it
 * from @win if it reads 0. On success sets @base and @size and returns 0;
 * -1 for an I/O or unimplemented BAR, -2 if @win is full or the BAR
 * the VMM assigned lies above 4 GiB (outside the identity map).
 */
int pci_bar_map(const struct pci_dev *d, unsigned int bar,
		struct pci_window *win, u64 *base, u64 *size);

/*
 * Set every memory BAR of @d to 0 with decoding off, as firmware that
 * assigned nothing would leave them: tests the pci_bar_map() assignment
 * path and the VMM's handling of a BAR that moves.
 */
void pci_bars_clear(const struct pci_dev *d);

#endif
