/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_BOOT_INT_H
#define SQUEEZE_BOOT_INT_H

#include "firmware/boot/boot.h"
#include "firmware/boot/e820.h"
#include "vmm/base/err.h"
#include "vmm/core/guest_mem.h"
#include "vmm/base/types.h"

struct setup_header;

/*
 * Internal to firmware/: the pieces of kernel_image_open() and
 * boot_setup(), one file each.
 */

/* Whether guest_mem_alloc(@mem_size) will map all of [addr, addr + len). */
bool kernel_ram_contains(u64 mem_size, u64 addr, u64 len);

/*
 * Parse ki->data (ki->size > 0): fill kind, protocol, entry, seg[],
 * kernel_end, cmdline_max and the first address above which no byte of
 * the initrd may lie in *@initrd_end. 0 or -errno with "@path: problem".
 */
int bzimage_parse(struct kernel_image *ki, const char *path, u64 *initrd_end,
		  struct err *err);
int elf_parse(struct kernel_image *ki, const char *path, u64 *initrd_end,
	      struct err *err);
bool elf_is_elf(const u8 *data, u64 size);

/*
 * Zero @h and copy into it as much of the bzImage setup header as the
 * file says it has (up to 0x202 + the jump byte at 0x201) and contains.
 * Returns the bytes copied. ki->size must be at least 0x202.
 */
u64 bzimage_read_header(const struct kernel_image *ki, struct setup_header *h);

/* boot_setup() parts; each returns 0 or -errno with @err set. */
int zero_page_write(const struct guest_mem *mem, const struct boot_config *bc,
		    const struct e820_entry *map, unsigned int nr_map,
		    struct err *err);
int pvh_start_info_write(const struct guest_mem *mem,
			 const struct boot_config *bc,
			 const struct e820_entry *map, unsigned int nr_map,
			 struct err *err);
int boot_gdt_write(const struct guest_mem *mem, struct err *err);
int boot_pagetables_write(const struct guest_mem *mem, struct err *err);

#endif
