// SPDX-License-Identifier: MIT
/* ELF vmlinux and PVH images: validation in kernel_image_open(). */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/boot/boot.h"
#include "vmm/core/layout.h"
#include "tests/unit/lib/synth_open.h"

#define MEM_256M (256ULL << 20)

static struct err err;

static void assert_refused(int ret, const struct kernel_image *ki,
			   const struct synth_files *f, const char *what)
{
	synth_assert_refused(ret, ki, f, &err, what);
}

static int open_elf(int class64, u16 machine, u64 entry,
		    const struct synth_seg *s, unsigned int n, u64 mem,
		    const void *initrd, size_t ilen, struct kernel_image *ki,
		    struct synth_files *f)
{
	size_t len;
	u8 *b = synth_elf(class64, machine, entry, s, n, &len);
	int ret;

	ret = synth_open(ki, b, len, initrd, ilen, mem, f, &err);
	free(b);
	return ret;
}

Test(elf, vmlinux_virtual_entry_made_physical)
{
	struct synth_files f;
	struct kernel_image ki;

	cr_assert_eq(open_elf(1, 62, 0xffffffff81000040ULL, synth_vmlinux_segs,
			      2, MEM_256M, NULL, 0, &ki, &f),
		     0, "%s", err.msg);
	cr_assert_eq(ki.kind, KERNEL_ELF);
	cr_assert_eq(ki.entry, 0x1000040);
	cr_assert_eq(ki.nr_segs, 2);
	cr_assert_eq(ki.seg[1].paddr, 0x1200000);
	cr_assert_eq(ki.seg[1].filesz, 0x100);
	cr_assert_eq(ki.seg[1].memsz, 0x5000);
	cr_assert_eq(ki.kernel_end, 0x1205000);
	kernel_image_close(&ki);
}

Test(elf, vmlinux_physical_entry)
{
	struct synth_files f;
	struct kernel_image ki;

	cr_assert_eq(open_elf(1, 62, 0x1000000, synth_vmlinux_segs, 2, MEM_256M,
			      NULL, 0, &ki, &f),
		     0, "%s", err.msg);
	cr_assert_eq(ki.entry, 0x1000000);
	kernel_image_close(&ki);
}

Test(elf, entry_outside_segments)
{
	struct synth_files f;
	struct kernel_image ki;

	assert_refused(open_elf(1, 62, 0x5000000, synth_vmlinux_segs, 2,
				MEM_256M, NULL, 0, &ki, &f),
		       &ki, &f, "entry point");
}

Test(elf, segment_beyond_ram)
{
	struct synth_files f;
	struct kernel_image ki;

	/* The bss ends at 0x1205000, above a 18 MiB VM. */
	assert_refused(open_elf(1, 62, 0x1000000, synth_vmlinux_segs, 2,
				18 << 20, NULL, 0, &ki, &f),
		       &ki, &f, "outside guest RAM");
}

Test(elf, segment_in_pci_hole)
{
	struct synth_seg s = { 1, 0, 0xd0000000ULL, 0x100, 0x100, NULL, 0 };
	struct synth_files f;
	struct kernel_image ki;

	assert_refused(open_elf(1, 62, 0xd0000000ULL, &s, 1, 5ULL << 30, NULL,
				0, &ki, &f),
		       &ki, &f, "outside guest RAM");
}

Test(elf, segment_in_high_ram_accepted)
{
	struct synth_seg s[] = {
		{ 1, 0, 0x1000000, 0x100, 0x100, NULL, 0 },
		{ 1, 0, 0x100000000ULL, 0x100, 0x1000, NULL, 0 },
	};
	struct synth_files f;
	struct kernel_image ki;

	cr_assert_eq(
		open_elf(1, 62, 0x1000000, s, 2, 5ULL << 30, NULL, 0, &ki, &f),
		0, "%s", err.msg);
	cr_assert_eq(ki.kernel_end, 0x1000100); /* low RAM part only */
	kernel_image_close(&ki);
}

Test(elf, segment_below_1m)
{
	struct synth_seg s = { 1, 0, 0x8000, 0x100, 0x100, NULL, 0 };
	struct synth_files f;
	struct kernel_image ki;

	assert_refused(
		open_elf(1, 62, 0x8000, &s, 1, MEM_256M, NULL, 0, &ki, &f), &ki,
		&f, "outside guest RAM");
}

Test(elf, filesz_above_memsz)
{
	struct synth_seg s = { 1, 0, 0x1000000, 0x200, 0x100, NULL, 0 };
	struct synth_files f;
	struct kernel_image ki;

	assert_refused(
		open_elf(1, 62, 0x1000000, &s, 1, MEM_256M, NULL, 0, &ki, &f),
		&ki, &f, "p_filesz > p_memsz");
}

Test(elf, segment_past_end_of_file)
{
	/* The offset is near 2^64: an unchecked sum would wrap. */
	struct synth_seg s = {
		1, 0, 0x1000000, 0x100, 0x100, NULL, ~0ULL - 0x10
	};
	struct synth_files f;
	struct kernel_image ki;

	assert_refused(
		open_elf(1, 62, 0x1000000, &s, 1, MEM_256M, NULL, 0, &ki, &f),
		&ki, &f, "truncated");
}

Test(elf, truncated_program_headers)
{
	struct synth_files f;
	struct kernel_image ki;
	size_t len;
	u8 *b = synth_elf(1, 62, 0x1000000, synth_vmlinux_segs, 2, &len);

	assert_refused(synth_open(&ki, b, 100, NULL, 0, MEM_256M, &f, &err),
		       &ki, &f, "truncated");
	free(b);
}

Test(elf, elf32_without_pvh_note)
{
	struct synth_seg s = { 1, 0x100000, 0x100000, 0x100, 0x100, NULL, 0 };
	struct synth_files f;
	struct kernel_image ki;

	assert_refused(
		open_elf(0, 3, 0x100000, &s, 1, MEM_256M, NULL, 0, &ki, &f),
		&ki, &f, "PVH");
}

Test(elf, initrd_must_not_overlap_kernel)
{
	struct synth_seg s = { 1, 0, 0x100000, 0x100, 30 << 20, NULL, 0 };
	struct synth_files f;
	struct kernel_image ki;
	static u8 initrd[4 << 20];

	assert_refused(open_elf(1, 62, 0x100000, &s, 1, 32 << 20, initrd,
				sizeof(initrd), &ki, &f),
		       &ki, &f, "do not fit");
}

static void check_pvh(int class64, u16 machine, u32 descsz)
{
	u8 note[64];
	size_t nlen = synth_pvh_note(note, 0x100010, descsz);
	struct synth_seg s[] = {
		{ 1, 0x100000, 0x100000, 0x200, 0x1000, NULL, 0 },
		{ 4, 0, 0, nlen, nlen, note, 0 },
	};
	struct synth_files f;
	struct kernel_image ki;

	cr_assert_eq(open_elf(class64, machine, 0x100000, s, 2, MEM_256M, NULL,
			      0, &ki, &f),
		     0, "%s", err.msg);
	cr_assert_eq(ki.kind, KERNEL_PVH);
	cr_assert_eq(ki.entry, 0x100010, "entry %llx",
		     (unsigned long long)ki.entry);
	cr_assert_eq(ki.nr_segs, 1);
	kernel_image_close(&ki);
}

Test(pvh, elf32_note_with_4_byte_entry)
{
	check_pvh(0, 3, 4);
}

Test(pvh, elf64_note_with_8_byte_entry)
{
	check_pvh(1, 62, 8);
}

Test(pvh, truncated_note)
{
	u8 note[64];
	size_t nlen = synth_pvh_note(note, 0x100010, 4);
	struct synth_seg s[] = {
		{ 1, 0x100000, 0x100000, 0x200, 0x1000, NULL, 0 },
		{ 4, 0, 0, nlen - 4, nlen - 4, note, 0 },
	};
	struct synth_files f;
	struct kernel_image ki;

	assert_refused(
		open_elf(0, 3, 0x100000, s, 2, MEM_256M, NULL, 0, &ki, &f), &ki,
		&f, "truncated ELF note");
}

#define DEBIAN_VMLINUX "build/debian/vmlinux"

Test(debian, real_vmlinux_has_pvh_entry)
{
	struct kernel_image ki;

	synth_open_real(&ki, DEBIAN_VMLINUX, MEM_256M, &err);
	/* Debian's kernel has CONFIG_PVH: the note wins over e_entry. */
	cr_assert_eq(ki.kind, KERNEL_PVH);
	cr_assert_geq(ki.entry, ki.seg[0].paddr);
	cr_assert_lt(ki.entry, ki.seg[0].paddr + ki.seg[0].memsz);
	kernel_image_close(&ki);
}
