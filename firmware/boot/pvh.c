// SPDX-License-Identifier: MIT
/*
 * The PVH start of day page at LAYOUT_PVH_START_INFO: struct
 * hvm_start_info, then the module list (the initrd) and the memory map it
 * points to, all in the same page.
 */
#include <errno.h>
#include <string.h>

#include "firmware/boot/boot.h"
#include "firmware/boot/boot_int.h"
#include "firmware/boot/bootparam.h"
#include "vmm/core/layout.h"
#include "vmm/base/err.h"
#include "vmm/base/log.h"

#define PVH_PAGE	0x1000ULL
#define PVH_MODLIST_OFF 0x40ULL
#define PVH_MEMMAP_OFF	0x80ULL

_Static_assert(sizeof(struct hvm_start_info) <= PVH_MODLIST_OFF, "modlist");
_Static_assert(PVH_MODLIST_OFF + sizeof(struct hvm_modlist_entry) <=
		       PVH_MEMMAP_OFF,
	       "memmap");
_Static_assert(PVH_MEMMAP_OFF + E820_MAX_ENTRIES *
					sizeof(struct hvm_memmap_table_entry) <=
		       PVH_PAGE,
	       "page");
_Static_assert(LAYOUT_PVH_START_INFO + PVH_PAGE <= LAYOUT_ZERO_PAGE,
	       "start info runs into the zero page");

int pvh_start_info_write(const struct guest_mem *mem,
			 const struct boot_config *bc,
			 const struct e820_entry *map, unsigned int nr_map,
			 struct err *err)
{
	const struct kernel_image *ki = bc->ki;
	struct hvm_memmap_table_entry *mm;
	struct hvm_modlist_entry *mod;
	struct hvm_start_info *si;
	u8 *page = guest_mem_ptr(mem, LAYOUT_PVH_START_INFO, PVH_PAGE);
	unsigned int i;

	if (!page)
		return err_input(
			err, -EFAULT,
			"guest RAM does not cover the PVH start info at 0x%llx",
			LAYOUT_PVH_START_INFO);
	if (nr_map > E820_MAX_ENTRIES)
		return err_input(err, -ENOSPC,
				 "memory map of %u entries does not fit",
				 nr_map);
	memset(page, 0, PVH_PAGE);
	si = (struct hvm_start_info *)page;
	mod = (struct hvm_modlist_entry *)(page + PVH_MODLIST_OFF);
	mm = (struct hvm_memmap_table_entry *)(page + PVH_MEMMAP_OFF);

	si->magic = HVM_START_MAGIC;
	si->version = HVM_START_VERSION;
	si->cmdline_paddr = LAYOUT_CMDLINE;
	si->rsdp_paddr = bc->rsdp_addr;
	if (ki->initrd) {
		mod->paddr = ki->initrd_addr;
		mod->size = ki->initrd_size;
		si->nr_modules = 1;
		si->modlist_paddr = LAYOUT_PVH_START_INFO + PVH_MODLIST_OFF;
	}
	for (i = 0; i < nr_map; i++)
		mm[i] = (struct hvm_memmap_table_entry){ map[i].addr,
							 map[i].size,
							 map[i].type, 0 };
	si->memmap_paddr = LAYOUT_PVH_START_INFO + PVH_MEMMAP_OFF;
	si->memmap_entries = nr_map;
	return 0;
}
