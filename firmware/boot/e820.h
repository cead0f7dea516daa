/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_E820_H
#define SQUEEZE_E820_H

/* The e820 memory map the kernel is given, derived from guest RAM. */

#include "vmm/core/guest_mem.h"
#include "vmm/base/types.h"

#define E820_RAM      1
#define E820_RESERVED 2
#define E820_ACPI     3

#define E820_MAX_ENTRIES 16

struct e820_entry {
	u64 addr;
	u64 size;
	u32 type;
} __packed;

/*
 * The memory map of a VM with @mem's regions: RAM below the EBDA, the
 * EBDA..1 MiB hole reserved (ACPI tables live there), RAM from 1 MiB to
 * the end of low RAM, the ECAM window reserved, and high RAM above 4 GiB.
 * Returns the number of entries written (<= @max) or -ENOSPC.
 */
int e820_build(const struct guest_mem *mem, struct e820_entry *out,
	       unsigned int max);

#endif
