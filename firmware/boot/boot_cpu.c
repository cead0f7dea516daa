// SPDX-License-Identifier: MIT
/*
 * The processor state the boot protocols ask for that lives in memory:
 * the GDT (both entries) and, for the 64-bit entry, an identity map of
 * the first 4 GiB. Linux's 64-bit boot protocol needs the kernel, its
 * init_size, the zero page and the command line identity-mapped; mapping
 * all of the low 4 GiB covers every placement squeeze makes.
 */
#include <errno.h>
#include <string.h>

#include "firmware/boot/boot.h"
#include "firmware/boot/boot_int.h"
#include "vmm/core/layout.h"
#include "vmm/base/err.h"
#include "vmm/base/log.h"

#define PAGE_SIZE  4096ULL
#define PT_ENTRIES 512
#define PT_PRESENT (1ULL << 0)
#define PT_WRITE   (1ULL << 1)
#define PT_HUGE	   (1ULL << 7) /* in a PD entry: a 2 MiB page */
#define PD_PAGES   4	       /* 4 x 512 x 2 MiB = 4 GiB */

_Static_assert(LAYOUT_PD + PD_PAGES * PAGE_SIZE <= LAYOUT_CMDLINE,
	       "page directories run into the command line");

int boot_gdt_write(const struct guest_mem *mem, struct err *err)
{
	const u64 gdt[BOOT_GDT_ENTRIES] = {
		[BOOT_GDT_CODE64 / 8] = BOOT_GDT_DESC_CODE64,
		[BOOT_GDT_DATA / 8] = BOOT_GDT_DESC_DATA,
		[BOOT_GDT_CODE32 / 8] = BOOT_GDT_DESC_CODE32,
	};

	if (guest_mem_write(mem, LAYOUT_GDT, gdt, sizeof(gdt)))
		return err_input(
			err, -EFAULT,
			"guest RAM does not cover the boot GDT at 0x%llx",
			LAYOUT_GDT);
	return 0;
}

static u64 *table(const struct guest_mem *mem, u64 gpa, u64 pages)
{
	u64 *t = guest_mem_ptr(mem, gpa, pages * PAGE_SIZE);

	if (t)
		memset(t, 0, pages * PAGE_SIZE);
	return t;
}

int boot_pagetables_write(const struct guest_mem *mem, struct err *err)
{
	u64 *pml4 = table(mem, LAYOUT_PML4, 1);
	u64 *pdpt = table(mem, LAYOUT_PDPT, 1);
	u64 *pd = table(mem, LAYOUT_PD, PD_PAGES);
	unsigned int i;

	if (!pml4 || !pdpt || !pd)
		return err_input(
			err, -EFAULT,
			"guest RAM does not cover the boot page tables");
	pml4[0] = LAYOUT_PDPT | PT_PRESENT | PT_WRITE;
	for (i = 0; i < PD_PAGES; i++)
		pdpt[i] = (LAYOUT_PD + i * PAGE_SIZE) | PT_PRESENT | PT_WRITE;
	for (i = 0; i < PD_PAGES * PT_ENTRIES; i++)
		pd[i] = (u64)i * 2 * MiB | PT_PRESENT | PT_WRITE | PT_HUGE;
	return 0;
}
