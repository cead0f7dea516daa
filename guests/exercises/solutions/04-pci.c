// SPDX-License-Identifier: MIT
/* Exercise 4, a solution: a type 1 scan of bus 0, functions included. */
#include "lib.h"

#define PCI_CONFIG_ADDRESS 0xcf8
#define PCI_CONFIG_DATA	   0xcfc
#define HEADER_MULTI_FN	   0x80

static u32 cfg_read32(unsigned int dev, unsigned int fn, unsigned int reg)
{
	outl(PCI_CONFIG_ADDRESS, 0x80000000u | dev << 11 | fn << 8 | reg);
	return inl(PCI_CONFIG_DATA);
}

int guest_main(const struct hvm_start_info *si)
{
	unsigned int dev, fn, fns;
	int found = 0;
	u32 id;

	(void)si;
	for (dev = 0; dev < 32; dev++) {
		fns = 1;
		for (fn = 0; fn < fns; fn++) {
			id = cfg_read32(dev, fn, 0);
			if ((id & 0xffff) == 0xffff)
				continue;
			if (fn == 0 &&
			    (cfg_read32(dev, 0, 0x0c) >> 16) & HEADER_MULTI_FN)
				fns = 8;
			printf("exercise 4: 00:%02x.%u %04x:%04x\n", dev, fn,
			       id & 0xffff, id >> 16);
			found++;
		}
	}
	return found;
}
