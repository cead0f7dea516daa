/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_BOOT_H
#define SQUEEZE_BOOT_H

#include "vmm/guest_mem.h"
#include "vmm/types.h"

/*
 * Kernel loading in two steps, so that every problem with the files is
 * found before a VM exists: kernel_image_open() reads and validates, then
 * boot_setup() writes kernel, initrd, command line, zero page or PVH start
 * info, e820, page tables and GDT into guest memory.
 */

enum kernel_kind {
	KERNEL_BZIMAGE,			/* boot protocol >= 2.06, 64-bit entry */
	KERNEL_ELF,			/* ELF vmlinux, 64-bit entry at e_entry */
	KERNEL_PVH,			/* ELF with XEN_ELFNOTE_PHYS32_ENTRY */
};

struct kernel_image {
	enum kernel_kind kind;
	u8 *data;			/* whole file, malloc'd */
	u64 size;
	u16 protocol;			/* bzImage: header version, e.g. 0x20f */
	u64 entry;			/* ELF e_entry (physical) or PVH entry */
	u8 *initrd;			/* whole initrd, malloc'd; NULL if none */
	u64 initrd_size;
};

/*
 * Read @path (and @initrd_path unless NULL) and check them against a VM of
 * @mem_size bytes: magic, protocol >= 2.06, 64-bit entry support,
 * segments inside guest RAM, initrd under the kernel's limit. Returns 0 or
 * -errno with one line naming the file and the problem in @err.
 */
int kernel_image_open(struct kernel_image *ki, const char *path,
		      const char *initrd_path, u64 mem_size, char *err,
		      size_t errlen);
void kernel_image_close(struct kernel_image *ki);

enum boot_mode {
	BOOT_MODE_LONG,			/* 64-bit: paging on, rsi = zero page */
	BOOT_MODE_PVH,			/* 32-bit protected, paging off, rbx = start info */
};

/* What the boot vCPU's registers must be set to; vmm/vcpu.c applies it. */
struct boot_entry {
	enum boot_mode mode;
	u64 rip;
	u64 rsi;			/* LONG: zero page address */
	u64 rbx;			/* PVH: hvm_start_info address */
	u64 cr3;			/* LONG: LAYOUT_PML4 */
	u64 gdt_base;			/* LAYOUT_GDT */
	u16 gdt_limit;
	u16 code_sel;			/* 0x10 (LONG: 64-bit code, PVH: 32-bit code) */
	u16 data_sel;			/* 0x18 */
};

/* GDT written at LAYOUT_GDT: null, null, code, data (Linux boot.rst). */
#define BOOT_GDT_CODE64	0x10
#define BOOT_GDT_DATA	0x18
#define BOOT_GDT_CODE32	0x20		/* flat 32-bit code, PVH entry */

struct boot_config {
	const struct kernel_image *ki;
	const char *cmdline;		/* final, with squeeze's additions */
	u32 nr_cpus;
	u64 rsdp_addr;			/* where acpi_build() put the RSDP */
};

/* Returns 0 or -errno with @err set (e.g. command line too long). */
int boot_setup(const struct guest_mem *mem, const struct boot_config *bc,
	       struct boot_entry *entry, char *err, size_t errlen);

#endif
