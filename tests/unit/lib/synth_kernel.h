/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_TEST_SYNTH_KERNEL_H
#define SQUEEZE_TEST_SYNTH_KERNEL_H

/*
 * Synthetic kernel images for the firmware unit tests, built from the
 * byte offsets of Linux's boot.rst and the ELF specification (not from
 * squeeze's own structs, so that a wrong struct offset shows up).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "firmware/boot/boot.h"
#include "vmm/base/err.h"
#include "vmm/base/types.h"

void put8(u8 *b, size_t off, u8 v);
void put16(u8 *b, size_t off, u16 v);
void put32(u8 *b, size_t off, u32 v);
void put64(u8 *b, size_t off, u64 v);
u16 get16(const u8 *b, size_t off);
u32 get32(const u8 *b, size_t off);
u64 get64(const u8 *b, size_t off);

struct synth_bz {
	u16 version;
	u8 setup_sects; /* as stored: 0 means 4 */
	u8 loadflags;
	u16 xloadflags;
	u8 relocatable;
	u64 pref_address;
	u32 init_size;
	u32 initrd_addr_max;
	u32 cmdline_size;
	u32 payload_size; /* multiple of 16 */
};
struct synth_bz synth_bz_default(void);
size_t synth_bz_setup_size(const struct synth_bz *p);

/* The payload byte at offset i, so tests can check what was copied. */
u8 synth_payload_byte(size_t i);
u8 *synth_bzimage(const struct synth_bz *p, size_t *len);

struct synth_seg {
	u32 type; /* 1 PT_LOAD, 4 PT_NOTE */
	u64 vaddr, paddr, filesz, memsz;
	const u8 *data; /* NULL: synth_payload_byte() pattern */
	u64 offset;	/* 0: placed after the headers */
};

/* vmlinux-like: text at 16 MiB linked at 0xffffffff81000000, and a bss. */
static const struct synth_seg synth_vmlinux_segs[2] = {
	{ 1, 0xffffffff81000000ULL, 0x1000000, 0x3000, 0x3000, NULL, 0 },
	{ 1, 0xffffffff81200000ULL, 0x1200000, 0x100, 0x5000, NULL, 0 },
};

/* ELF64 (class 2) or ELF32 (class 1) executable with @n segments. */
u8 *synth_elf(int class64, u16 machine, u64 entry, const struct synth_seg *s,
	      unsigned int n, size_t *len);

/* A GNU note, then the Xen PHYS32_ENTRY note with a @descsz-byte entry. */
size_t synth_pvh_note(u8 *buf, u64 entry, u32 descsz);

#endif
