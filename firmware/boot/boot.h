/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_BOOT_H
#define SQUEEZE_BOOT_H

#include "vmm/base/err.h"
#include "vmm/core/guest_mem.h"
#include "vmm/base/types.h"

/*
 * Kernel loading in two steps, so that every problem with the files is
 * found before a VM exists: kernel_image_open() reads and validates, then
 * boot_setup() writes kernel, initrd, command line, zero page or PVH start
 * info, e820, page tables and GDT into guest memory.
 */

enum kernel_kind {
	KERNEL_BZIMAGE, /* protocol >= 2.06, 64-bit entry */
	KERNEL_ELF,	/* ELF vmlinux, 64-bit e_entry */
	/* ELF with XEN_ELFNOTE_PHYS32_ENTRY, used over e_entry (Debian's). */
	KERNEL_PVH,
};

/* A piece of the file copied to guest-physical @paddr, zeroed up to @memsz. */
struct kernel_segment {
	u64 file_off;
	u64 filesz;
	u64 paddr;
	u64 memsz;
};

#define KERNEL_MAX_SEGMENTS 16

struct kernel_image {
	enum kernel_kind kind;
	u8 *data; /* whole file, malloc'd */
	u64 size;
	u16 protocol; /* bzImage header version, e.g. 0x20f */
	u64 entry;    /* physical: bzImage load + 0x200,
					 * ELF e_entry, or the PVH note's */
	u8 *initrd;   /* whole initrd, malloc'd, or NULL */
	u64 initrd_size;

	/* Worked out and validated by kernel_image_open() for boot_setup(). */
	struct kernel_segment seg[KERNEL_MAX_SEGMENTS];
	unsigned int nr_segs; /* bzImage: 1, protected-mode code */
	u64 kernel_end;	      /* above all the kernel needs */
	u64 initrd_addr;      /* page-aligned, highest that fits */
	u64 cmdline_max;      /* longest cmdline, without NUL */
	u64 mem_size;	      /* the VM size it was checked against */
	u64 initrd_end;	      /* where an initrd must end below */
};

/*
 * Read @path (and @initrd_path unless NULL) and check them against a VM of
 * @mem_size bytes: magic, protocol >= 2.06, 64-bit entry support,
 * segments inside guest RAM, initrd under the kernel's limit. Returns 0 or
 * -errno with one line naming the file and the problem in @err.
 */
int kernel_image_open(struct kernel_image *ki, const char *path,
		      const char *initrd_path, u64 mem_size, struct err *err);
void kernel_image_close(struct kernel_image *ki);

/*
 * An initrd made in memory instead of read from a file (a copy of the
 * @size bytes at @data is kept), after kernel_image_open() without one.
 * 0 or -errno with @err set.
 */
int kernel_image_set_initrd(struct kernel_image *ki, const u8 *data, u64 size,
			    struct err *err);

/*
 * The release @data (a whole kernel image) was built as, e.g.
 * "6.1.0-57-cloud-amd64", into @out. False when it has none (a tiny
 * test guest) or it does not fit.
 */
bool kernel_release(const u8 *data, u64 size, char *out, size_t len);

enum boot_mode {
	BOOT_MODE_LONG, /* 64-bit: paging on, rsi = zero page */
	BOOT_MODE_PVH,	/* 32-bit, no paging, rbx: start info */
};

/* What the boot vCPU's registers must be set to; vmm/kvm/vcpu.c applies it. */
struct boot_entry {
	enum boot_mode mode;
	u64 rip;
	u64 rsi;      /* LONG: zero page address */
	u64 rbx;      /* PVH: hvm_start_info address */
	u64 cr3;      /* LONG: LAYOUT_PML4 */
	u64 gdt_base; /* LAYOUT_GDT */
	u16 gdt_limit;
	u16 code_sel; /* BOOT_GDT_CODE64 or _CODE32 (PVH) */
	u16 data_sel; /* BOOT_GDT_DATA: ds es fs gs ss */
};

/*
 * GDT written at LAYOUT_GDT: null, null, 64-bit code, data (the selectors
 * Linux boot.rst asks for), then a flat 32-bit code segment for PVH. All
 * flat (base 0, limit 4 GiB), DPL 0, accessed bit set.
 */
#define BOOT_GDT_CODE64	 0x10
#define BOOT_GDT_DATA	 0x18
#define BOOT_GDT_CODE32	 0x20 /* flat 32-bit code, PVH entry */
#define BOOT_GDT_ENTRIES 5

/*
 * The raw descriptors at those selectors, so that vmm/kvm/vcpu.c can load the
 * hidden segment state consistently with the table in guest memory.
 */
#define BOOT_GDT_DESC_CODE64 0x00af9b000000ffffULL /* L=1, D=0, G=1 */
#define BOOT_GDT_DESC_DATA   0x00cf93000000ffffULL /* D/B=1, G=1, RW */
#define BOOT_GDT_DESC_CODE32 0x00cf9b000000ffffULL /* D=1, G=1, RX */

struct boot_config {
	const struct kernel_image *ki;
	const char *cmdline; /* the kernel command line */
	u32 nr_cpus;
	u64 rsdp_addr; /* acpi_build()'s result; 0: none */
};

/*
 * LONG (bzImage, ELF vmlinux): rip = 64-bit entry, rsi = LAYOUT_ZERO_PAGE,
 * cr3 = LAYOUT_PML4 (identity map of the first 4 GiB, 2 MiB pages), CR0.PE,
 * CR0.PG, CR4.PAE, EFER.LME|LMA, cs = BOOT_GDT_CODE64, others BOOT_GDT_DATA,
 * interrupts off.
 * PVH: rip = the note's 32-bit entry, rbx = LAYOUT_PVH_START_INFO,
 * CR0.PE only (paging off), cs = BOOT_GDT_CODE32, others BOOT_GDT_DATA.
 * Returns 0 or -errno with @err set (e.g. command line too long).
 */
int boot_setup(const struct guest_mem *mem, const struct boot_config *bc,
	       struct boot_entry *entry, struct err *err);

/*
 * Does @ki take @cmdline (NULL: empty)? 0, or -E2BIG with @err saying
 * how long each is. boot_setup() checks it too; callers that want to
 * refuse bad input before creating anything call it first.
 */
int boot_check_cmdline(const struct kernel_image *ki, const char *cmdline,
		       struct err *err);

#endif
