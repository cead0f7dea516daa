// SPDX-License-Identifier: MIT
/*
 * The zero page (struct boot_params) for the 64-bit entry of a bzImage or
 * an ELF vmlinux. boot.rst: the loader copies the kernel's setup header
 * into it and then fills in the fields a loader owns.
 */
#include <errno.h>
#include <string.h>

#include "firmware/boot/boot.h"
#include "firmware/boot/boot_int.h"
#include "firmware/boot/bootparam.h"
#include "vmm/core/layout.h"
#include "vmm/base/err.h"
#include "vmm/base/log.h"

/* boot.rst: heap end as an offset from the real-mode code, minus 0x200. */
#define HEAP_END_PTR 0xfe00

/* A vmlinux has no header: give it the one a 2.15 bzImage would have. */
static void make_elf_header(struct setup_header *h,
			    const struct kernel_image *ki)
{
	h->boot_flag = BOOT_FLAG_MAGIC;
	h->header = BOOT_HDR_MAGIC;
	h->version = 0x020f;
	h->loadflags = LOADED_HIGH;
	h->xloadflags = XLF_KERNEL_64;
	h->cmdline_size = ki->cmdline_max;
	h->initrd_addr_max = (u32)(LAYOUT_PCI_HOLE_START - 1);
}

static void set_loader_fields(struct boot_params *bp,
			      const struct boot_config *bc)
{
	const struct kernel_image *ki = bc->ki;
	struct setup_header *h = &bp->hdr;

	h->type_of_loader = BOOT_LOADER_UNDEFINED;
	h->loadflags |= LOADED_HIGH | CAN_USE_HEAP;
	h->heap_end_ptr = HEAP_END_PTR;
	h->cmd_line_ptr = (u32)LAYOUT_CMDLINE;
	bp->ext_cmd_line_ptr = (u32)(LAYOUT_CMDLINE >> 32);
	if (ki->initrd) {
		h->ramdisk_image = (u32)ki->initrd_addr;
		h->ramdisk_size = (u32)ki->initrd_size;
		bp->ext_ramdisk_image = (u32)(ki->initrd_addr >> 32);
		bp->ext_ramdisk_size = (u32)(ki->initrd_size >> 32);
	}
	bp->acpi_rsdp_addr = bc->rsdp_addr;
}

int zero_page_write(const struct guest_mem *mem, const struct boot_config *bc,
		    const struct e820_entry *map, unsigned int nr_map,
		    struct err *err)
{
	struct boot_params *bp;

	bp = guest_mem_ptr(mem, LAYOUT_ZERO_PAGE, sizeof(*bp));
	if (!bp)
		return err_input(
			err, -EFAULT,
			"guest RAM does not cover the zero page at 0x%llx",
			LAYOUT_ZERO_PAGE);
	if (nr_map > BOOT_E820_MAX)
		return err_input(
			err, -ENOSPC,
			"e820 map of %u entries does not fit the zero page",
			nr_map);
	memset(bp, 0, sizeof(*bp));
	if (bc->ki->kind == KERNEL_BZIMAGE)
		bzimage_read_header(bc->ki, &bp->hdr);
	else
		make_elf_header(&bp->hdr, bc->ki);
	set_loader_fields(bp, bc);
	memcpy(bp->e820_table, map, nr_map * sizeof(*map));
	bp->e820_entries = nr_map;
	return 0;
}
