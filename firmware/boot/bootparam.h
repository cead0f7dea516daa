/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_BOOTPARAM_H
#define SQUEEZE_BOOTPARAM_H

#include <stddef.h>

#include "firmware/boot/e820.h"
#include "vmm/base/types.h"

/*
 * The x86 Linux boot protocol structures, laid out from the kernel's
 * Documentation/arch/x86/boot.rst (setup header) and zero-page.rst
 * (struct boot_params), and the PVH start of day structure from Xen's
 * xen/include/public/arch-x86/hvm/start_info.h. Only the boot_params fields
 * squeeze writes are named; the rest is padding to the documented offsets.
 */

#define BOOT_HDR_OFFSET 0x1f1	   /* setup header in file and zero page */
#define BOOT_HDR_MAGIC	0x53726448 /* "HdrS" at 0x202 */
#define BOOT_FLAG_MAGIC 0xaa55

/* loadflags */
#define LOADED_HIGH  0x01
#define CAN_USE_HEAP 0x80

/* xloadflags (protocol 2.12+) */
#define XLF_KERNEL_64 0x0001

#define BOOT_LOADER_UNDEFINED 0xff /* type_of_loader: not an assigned id */
#define BOOT_E820_MAX	      128

/* boot.rst "THE REAL-MODE KERNEL HEADER", offsets in the comments. */
struct setup_header {
	u8 setup_sects; /* 0x1f1, 0 means 4 */
	u16 root_flags;
	u32 syssize; /* 0x1f4, 16-byte paragraphs */
	u16 ram_size;
	u16 vid_mode;
	u16 root_dev;
	u16 boot_flag; /* 0x1fe */
	u16 jump;      /* 0x200, 0xeb + header length */
	u32 header;    /* 0x202 */
	u16 version;   /* 0x206 */
	u32 realmode_swtch;
	u16 start_sys_seg;
	u16 kernel_version;
	u8 type_of_loader; /* 0x210 */
	u8 loadflags;	   /* 0x211 */
	u16 setup_move_size;
	u32 code32_start;
	u32 ramdisk_image; /* 0x218 */
	u32 ramdisk_size;  /* 0x21c */
	u32 bootsect_kludge;
	u16 heap_end_ptr; /* 0x224 */
	u8 ext_loader_ver;
	u8 ext_loader_type;
	u32 cmd_line_ptr;      /* 0x228 */
	u32 initrd_addr_max;   /* 0x22c, inclusive */
	u32 kernel_alignment;  /* 0x230 */
	u8 relocatable_kernel; /* 0x234 */
	u8 min_alignment;
	u16 xloadflags;	  /* 0x236 */
	u32 cmdline_size; /* 0x238, without the NUL */
	u32 hardware_subarch;
	u64 hardware_subarch_data;
	u32 payload_offset;
	u32 payload_length;
	u64 setup_data;	  /* 0x250 */
	u64 pref_address; /* 0x258 */
	u32 init_size;	  /* 0x260 */
	u32 handover_offset;
	u32 kernel_info_offset; /* 0x268 */
} __packed;

/* zero-page.rst */
struct boot_params {
	u8 _pad0[0x070];
	u64 acpi_rsdp_addr; /* 0x070, read by protocol 2.14+ */
	u8 _pad1[0x0c0 - 0x078];
	u32 ext_ramdisk_image; /* 0x0c0 */
	u32 ext_ramdisk_size;  /* 0x0c4 */
	u32 ext_cmd_line_ptr;  /* 0x0c8 */
	u8 _pad2[0x1e8 - 0x0cc];
	u8 e820_entries; /* 0x1e8 */
	u8 _pad3[BOOT_HDR_OFFSET - 0x1e9];
	struct setup_header hdr; /* 0x1f1 */
	u8 _pad4[0x2d0 - BOOT_HDR_OFFSET - sizeof(struct setup_header)];
	struct e820_entry e820_table[BOOT_E820_MAX]; /* 0x2d0 */
	u8 _pad5[0x1000 - 0xcd0]; /* 0xcd0: unused to the end */
} __packed;

#define BP_OFF(f) offsetof(struct boot_params, f)
_Static_assert(sizeof(struct e820_entry) == 20, "boot_e820_entry is 20 bytes");
_Static_assert(BP_OFF(acpi_rsdp_addr) == 0x070, "acpi_rsdp_addr");
_Static_assert(BP_OFF(ext_ramdisk_image) == 0x0c0, "ext_ramdisk_image");
_Static_assert(BP_OFF(ext_cmd_line_ptr) == 0x0c8, "ext_cmd_line_ptr");
_Static_assert(BP_OFF(e820_entries) == 0x1e8, "e820_entries");
_Static_assert(BP_OFF(hdr.setup_sects) == 0x1f1, "setup_sects");
_Static_assert(BP_OFF(hdr.syssize) == 0x1f4, "syssize");
_Static_assert(BP_OFF(hdr.boot_flag) == 0x1fe, "boot_flag");
_Static_assert(BP_OFF(hdr.header) == 0x202, "header");
_Static_assert(BP_OFF(hdr.version) == 0x206, "version");
_Static_assert(BP_OFF(hdr.type_of_loader) == 0x210, "type_of_loader");
_Static_assert(BP_OFF(hdr.ramdisk_image) == 0x218, "ramdisk_image");
_Static_assert(BP_OFF(hdr.heap_end_ptr) == 0x224, "heap_end_ptr");
_Static_assert(BP_OFF(hdr.cmd_line_ptr) == 0x228, "cmd_line_ptr");
_Static_assert(BP_OFF(hdr.initrd_addr_max) == 0x22c, "initrd_addr_max");
_Static_assert(BP_OFF(hdr.relocatable_kernel) == 0x234, "relocatable_kernel");
_Static_assert(BP_OFF(hdr.xloadflags) == 0x236, "xloadflags");
_Static_assert(BP_OFF(hdr.cmdline_size) == 0x238, "cmdline_size");
_Static_assert(BP_OFF(hdr.pref_address) == 0x258, "pref_address");
_Static_assert(BP_OFF(hdr.init_size) == 0x260, "init_size");
_Static_assert(BP_OFF(hdr.kernel_info_offset) == 0x268, "kernel_info_offset");
_Static_assert(BP_OFF(e820_table) == 0x2d0, "e820_table");
_Static_assert(sizeof(struct boot_params) == 4096, "zero page is one page");
#undef BP_OFF

/* start_info.h: handed to a PVH entry in %ebx. */
#define HVM_START_MAGIC	  0x336ec578
#define HVM_START_VERSION 1

struct hvm_start_info {
	u32 magic;
	u32 version;
	u32 flags;
	u32 nr_modules;
	u64 modlist_paddr; /* array of struct hvm_modlist_entry */
	u64 cmdline_paddr;
	u64 rsdp_paddr;
	u64 memmap_paddr; /* version 1+: memmap table */
	u32 memmap_entries;
	u32 reserved;
} __packed;

struct hvm_modlist_entry {
	u64 paddr;
	u64 size;
	u64 cmdline_paddr;
	u64 reserved;
} __packed;

/* type uses the e820 values (1 RAM, 2 reserved, 3 ACPI). */
struct hvm_memmap_table_entry {
	u64 addr;
	u64 size;
	u32 type;
	u32 reserved;
} __packed;

_Static_assert(offsetof(struct hvm_start_info, rsdp_paddr) == 32, "rsdp");
_Static_assert(offsetof(struct hvm_start_info, memmap_paddr) == 40, "memmap");
_Static_assert(sizeof(struct hvm_start_info) == 56, "hvm_start_info");
_Static_assert(sizeof(struct hvm_modlist_entry) == 32, "hvm_modlist_entry");
_Static_assert(sizeof(struct hvm_memmap_table_entry) == 24, "memmap entry");

#endif
