// SPDX-License-Identifier: MIT
/*
 * The e820 map is derived from the guest_mem regions, so it cannot claim
 * RAM that is not mapped. RAM is cut around the windows below, which are
 * then listed as reserved: the EBDA..1 MiB area holds the ACPI tables
 * (the RSDP is scanned for there), and Linux only uses the MCFG ECAM
 * window when the e820 map marks it reserved.
 */
#include <errno.h>

#include "firmware/boot/e820.h"
#include "vmm/core/layout.h"

struct e820_window {
	u64 start, end;
};

static const struct e820_window reserved[] = {
	{ LAYOUT_EBDA_START, LAYOUT_HIMEM_START },
	{ LAYOUT_PCI_ECAM_START, LAYOUT_PCI_ECAM_START + LAYOUT_PCI_ECAM_SIZE },
};

struct e820_out {
	struct e820_entry *e;
	unsigned int max, nr;
};

static int add(struct e820_out *o, u64 start, u64 end, u32 type)
{
	if (start >= end)
		return 0;
	if (o->nr == o->max)
		return -ENOSPC;
	o->e[o->nr++] = (struct e820_entry){ start, end - start, type };
	return 0;
}

static int add_ram(struct e820_out *o, const struct guest_region *r)
{
	u64 cur = r->gpa, end = r->gpa + r->size;
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(reserved); i++) {
		const struct e820_window *w = &reserved[i];

		if (w->end <= cur || w->start >= end)
			continue;
		ret = add(o, cur, w->start, E820_RAM);
		if (ret)
			return ret;
		cur = MAX(cur, w->end);
	}
	return add(o, cur, end, E820_RAM);
}

static void sort_by_addr(struct e820_entry *e, unsigned int n)
{
	unsigned int i, j;

	for (i = 1; i < n; i++) {
		struct e820_entry x = e[i];

		for (j = i; j > 0 && e[j - 1].addr > x.addr; j--)
			e[j] = e[j - 1];
		e[j] = x;
	}
}

int e820_build(const struct guest_mem *mem, struct e820_entry *out,
	       unsigned int max)
{
	struct e820_out o = { out, max, 0 };
	unsigned int i;
	int ret;

	for (i = 0; i < mem->nr; i++) {
		ret = add_ram(&o, &mem->region[i]);
		if (ret)
			return ret;
	}
	for (i = 0; i < ARRAY_SIZE(reserved); i++) {
		ret = add(&o, reserved[i].start, reserved[i].end,
			  E820_RESERVED);
		if (ret)
			return ret;
	}
	sort_by_addr(out, o.nr);
	return o.nr;
}
