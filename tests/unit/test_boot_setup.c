// SPDX-License-Identifier: MIT
/*
 * Unit tests of boot_setup(): what lands in guest memory for bzImage,
 * ELF and PVH kernels (zero page, start info, page tables, GDT).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/acpi/acpi.h"
#include "firmware/boot/boot.h"
#include "firmware/boot/e820.h"
#include "vmm/core/layout.h"
#include "tests/unit/lib/synth_open.h"

#define MEM	(256ULL << 20)
#define CMDLINE "console=ttyS0 earlyprintk=serial nokaslr"
/* All of RAM but the EBDA..1 MiB window e820.h keeps reserved. */
#define E820_RAM_TOTAL (MEM - (LAYOUT_HIMEM_START - LAYOUT_EBDA_START))

static struct guest_mem mem;
static struct kernel_image ki;
static struct boot_entry entry;
static struct err err;
static u8 initrd[12345];

static void setup(void)
{
	size_t i;

	cr_assert_eq(guest_mem_alloc(&mem, MEM), 0);
	for (i = 0; i < sizeof(initrd); i++)
		initrd[i] = (u8)(i ^ (i >> 8));
}

static void teardown(void)
{
	kernel_image_close(&ki);
	guest_mem_free(&mem);
}

TestSuite(boot, .init = setup, .fini = teardown);

static u8 *gp(u64 gpa, u64 len)
{
	u8 *p = guest_mem_ptr(&mem, gpa, len);

	cr_assert_not_null(p, "0x%llx+0x%llx not in RAM",
			   (unsigned long long)gpa, (unsigned long long)len);
	return p;
}

static int setup_with(const char *cmdline)
{
	struct acpi_config ac = { .nr_cpus = 2, .pci = true };
	struct boot_config bc = { &ki, cmdline, 2, 0 };

	bc.rsdp_addr = acpi_build(&mem, &ac, &err);
	cr_assert_neq(bc.rsdp_addr, 0, "%s", err.msg);
	return boot_setup(&mem, &bc, &entry, &err);
}

static void open_bz(const struct synth_bz *p)
{
	struct synth_files f;
	size_t len;
	u8 *b = synth_bzimage(p, &len);

	cr_assert_eq(
		synth_open(&ki, b, len, initrd, sizeof(initrd), MEM, &f, &err),
		0, "%s", err.msg);
	free(b);
}

/* Walk PML4 -> PDPT -> PD for @va; returns the 2 MiB page or ~0. */
static u64 walk(u64 cr3, u64 va)
{
	u64 pml4e = get64(gp(cr3, 4096), ((va >> 39) & 511) * 8);
	u64 pdpte, pde;

	if (!(pml4e & 1))
		return ~0ULL;
	pdpte = get64(gp(pml4e & ~0xfffULL, 4096), ((va >> 30) & 511) * 8);
	if (!(pdpte & 1) || (pdpte & 0x80))
		return ~0ULL;
	pde = get64(gp(pdpte & ~0xfffULL, 4096), ((va >> 21) & 511) * 8);
	if (!(pde & 1) || !(pde & 0x80) || !(pde & 2))
		return ~0ULL;
	return pde & ~0x1fffffULL & ((1ULL << 52) - 1);
}

static void check_e820_in_zero_page(const u8 *zp)
{
	u8 n = zp[0x1e8];
	u64 ram = 0, i;

	cr_assert_geq(n, 3);
	for (i = 0; i < n; i++) {
		const u8 *e = zp + 0x2d0 + i * 20;

		if (get32(e, 16) == 1)
			ram += get64(e, 8);
	}
	cr_assert_eq(ram, E820_RAM_TOTAL);
	cr_assert_eq(get64(zp + 0x2d0, 0), 0); /* first entry: RAM at 0 */
	cr_assert_eq(get32(zp + 0x2d0, 16), 1);
}

Test(boot, bzimage_zero_page)
{
	struct synth_bz p = synth_bz_default();
	u8 *zp;
	u32 rd, rd_size;

	open_bz(&p);
	cr_assert_eq(setup_with(CMDLINE), 0, "%s", err.msg);
	zp = gp(LAYOUT_ZERO_PAGE, 4096);

	/* The kernel's header is copied through, loader fields set. */
	cr_assert_eq(memcmp(zp + 0x202, "HdrS", 4), 0);
	cr_assert_eq(get16(zp, 0x206), 0x020f);
	cr_assert_eq(get16(zp, 0x20e), 0x1234);
	cr_assert_eq(get32(zp, 0x260), p.init_size);
	cr_assert_eq(zp[0x210], 0xff, "type_of_loader");
	cr_assert_eq(zp[0x211] & 0x81, 0x81, "LOADED_HIGH | CAN_USE_HEAP");
	cr_assert_neq(get16(zp, 0x224), 0, "heap_end_ptr");

	/* cmd_line_ptr points at the command line in guest memory. */
	cr_assert_eq(get32(zp, 0xc8), 0, "ext_cmd_line_ptr");
	cr_assert_str_eq((char *)gp(get32(zp, 0x228), sizeof(CMDLINE)),
			 CMDLINE);

	/* The ramdisk is inside RAM, page-aligned, and holds the initrd. */
	rd = get32(zp, 0x218);
	rd_size = get32(zp, 0x21c);
	cr_assert_eq(rd_size, sizeof(initrd));
	cr_assert_eq(rd % 4096, 0);
	cr_assert_leq((u64)rd + rd_size, MEM);
	cr_assert_geq(rd, 0x1000000 + p.init_size);
	cr_assert_eq(memcmp(gp(rd, rd_size), initrd, rd_size), 0);

	/* acpi_rsdp_addr at 0x70 points at an RSDP. */
	cr_assert_eq(memcmp(gp(get64(zp, 0x70), 8), "RSD PTR ", 8), 0);
	check_e820_in_zero_page(zp);
}

Test(boot, bzimage_payload_and_entry)
{
	struct synth_bz p = synth_bz_default();
	u8 *k;
	size_t i;

	open_bz(&p);
	cr_assert_eq(setup_with(CMDLINE), 0, "%s", err.msg);
	k = gp(0x1000000, p.payload_size);
	for (i = 0; i < p.payload_size; i++)
		cr_assert_eq(k[i], synth_payload_byte(i), "byte %zu", i);
	cr_assert_eq(entry.mode, BOOT_MODE_LONG);
	cr_assert_eq(entry.rip, 0x1000200);
	cr_assert_eq(entry.rsi, LAYOUT_ZERO_PAGE);
	cr_assert_eq(entry.cr3, LAYOUT_PML4);
	cr_assert_eq(entry.code_sel, 0x10);
	cr_assert_eq(entry.data_sel, 0x18);
	cr_assert_eq(entry.gdt_base, LAYOUT_GDT);
	cr_assert_eq(entry.gdt_limit, 5 * 8 - 1);
}

Test(boot, identity_map_4g)
{
	static const u64 va[] = {
		0,	    0x1fffff,	0x200000,   0x1000000,
		0x7fffffff, 0xbfe00000, 0xfee00000, 0xffffffff,
	};
	struct synth_bz p = synth_bz_default();
	unsigned int i;

	open_bz(&p);
	cr_assert_eq(setup_with(CMDLINE), 0, "%s", err.msg);
	for (i = 0; i < ARRAY_SIZE(va); i++)
		cr_assert_eq(walk(entry.cr3, va[i]), va[i] & ~0x1fffffULL,
			     "0x%llx", (unsigned long long)va[i]);
	cr_assert_eq(walk(entry.cr3, 0x100000000ULL), ~0ULL);
	cr_assert_eq(walk(entry.cr3, 0x8000000000ULL), ~0ULL);
}

static u64 gdt(unsigned int sel)
{
	return get64(gp(LAYOUT_GDT + sel, 8), 0);
}

Test(boot, gdt_descriptors)
{
	struct synth_bz p = synth_bz_default();
	u64 c64, d, c32;

	open_bz(&p);
	cr_assert_eq(setup_with(CMDLINE), 0, "%s", err.msg);
	c64 = gdt(0x10);
	d = gdt(0x18);
	c32 = gdt(0x20);
	cr_assert_eq(gdt(0), 0);
	/* P, S, code (type bit 3), L set and D clear for 64-bit code. */
	cr_assert_eq(c64 >> 47 & 1, 1);
	cr_assert_eq(c64 >> 43 & 3, 3);
	cr_assert_eq(c64 >> 53 & 3, 1);
	/* data: P, S, writable, not code, 32-bit, 4 GiB limit (G) */
	cr_assert_eq(d >> 47 & 1, 1);
	cr_assert_eq(d >> 43 & 3, 2);
	cr_assert_eq(d >> 41 & 1, 1);
	cr_assert_eq(d >> 54 & 1, 1);
	cr_assert_eq(d >> 55 & 1, 1);
	/* 32-bit code for PVH: D set, L clear, flat. */
	cr_assert_eq(c32 >> 43 & 3, 3);
	cr_assert_eq(c32 >> 53 & 3, 2);
	cr_assert_eq(c32 & 0xffff, 0xffff);
	cr_assert_eq(c32 >> 48 & 0xf, 0xf);
}

Test(boot, cmdline_longer_than_cmdline_size)
{
	struct synth_bz p = synth_bz_default();

	p.cmdline_size = 16;
	open_bz(&p);
	cr_assert_eq(setup_with(CMDLINE), -E2BIG);
	cr_assert_not_null(strstr(err.msg, "command line"), "%s", err.msg);
	cr_assert_eq(setup_with("console=ttyS0"), 0, "%s", err.msg);
}

Test(boot, elf_vmlinux_zero_page_and_bss)
{
	struct synth_files f;
	size_t len, i;
	u8 *b = synth_elf(1, 62, 0xffffffff81000000ULL, synth_vmlinux_segs, 2,
			  &len);
	u8 *zp, *bss;

	cr_assert_eq(synth_open(&ki, b, len, NULL, 0, MEM, &f, &err), 0, "%s",
		     err.msg);
	free(b);
	bss = gp(0x1200000, 0x5000);
	memset(bss, 0xcc, 0x5000); /* stale data the loader must clear */
	cr_assert_eq(setup_with(CMDLINE), 0, "%s", err.msg);
	for (i = 0; i < 0x100; i++)
		cr_assert_eq(bss[i], synth_payload_byte(i));
	for (i = 0x100; i < 0x5000; i++)
		cr_assert_eq(bss[i], 0, "bss byte 0x%zx", i);
	zp = gp(LAYOUT_ZERO_PAGE, 4096);
	cr_assert_eq(get16(zp, 0x1fe), 0xaa55);
	cr_assert_eq(memcmp(zp + 0x202, "HdrS", 4), 0);
	cr_assert_eq(get16(zp, 0x206), 0x020f);
	cr_assert_eq(zp[0x210], 0xff);
	cr_assert_str_eq((char *)gp(get32(zp, 0x228), sizeof(CMDLINE)),
			 CMDLINE);
	cr_assert_eq(get32(zp, 0x218), 0, "no initrd given");
	check_e820_in_zero_page(zp);
	cr_assert_eq(entry.mode, BOOT_MODE_LONG);
	cr_assert_eq(entry.rip, 0x1000000);
}

Test(boot, pvh_start_info)
{
	u8 note[64];
	size_t nlen = synth_pvh_note(note, 0x100020, 4), len;
	struct synth_seg s[] = {
		{ 1, 0x100000, 0x100000, 0x200, 0x1000, NULL, 0 },
		{ 4, 0, 0, nlen, nlen, note, 0 },
	};
	struct synth_files f;
	u8 *b = synth_elf(0, 3, 0x100000, s, 2, &len);
	u8 *si, *mod, *mm;
	u64 ram = 0, rsdp;
	u32 i, n;

	cr_assert_eq(
		synth_open(&ki, b, len, initrd, sizeof(initrd), MEM, &f, &err),
		0, "%s", err.msg);
	free(b);
	cr_assert_eq(setup_with(CMDLINE), 0, "%s", err.msg);
	cr_assert_eq(entry.mode, BOOT_MODE_PVH);
	cr_assert_eq(entry.rip, 0x100020);
	cr_assert_eq(entry.rbx, LAYOUT_PVH_START_INFO);
	cr_assert_eq(entry.code_sel, 0x20);
	cr_assert_eq(entry.data_sel, 0x18);

	si = gp(entry.rbx, 56);
	cr_assert_eq(get32(si, 0), 0x336ec578);
	cr_assert_eq(get32(si, 4), 1);
	cr_assert_str_eq((char *)gp(get64(si, 24), sizeof(CMDLINE)), CMDLINE);
	rsdp = get64(si, 32);
	cr_assert_eq(memcmp(gp(rsdp, 8), "RSD PTR ", 8), 0);
	cr_assert_eq(get32(si, 12), 1, "one module: the initrd");
	mod = gp(get64(si, 16), 32);
	cr_assert_eq(get64(mod, 8), sizeof(initrd));
	cr_assert_eq(get64(mod, 0) % 4096, 0);
	cr_assert_eq(memcmp(gp(get64(mod, 0), sizeof(initrd)), initrd,
			    sizeof(initrd)),
		     0);

	n = get32(si, 48);
	cr_assert_geq(n, 3);
	mm = gp(get64(si, 40), n * 24);
	for (i = 0; i < n; i++) {
		cr_assert_eq(get32(mm + i * 24, 20), 0, "reserved field");
		if (get32(mm + i * 24, 16) == 1)
			ram += get64(mm + i * 24, 8);
	}
	cr_assert_eq(ram, E820_RAM_TOTAL);
	/* The ACPI tables' area is not RAM. */
	for (i = 0; i < n; i++)
		if (get32(mm + i * 24, 16) == 1)
			cr_assert(get64(mm + i * 24, 0) > rsdp ||
				  get64(mm + i * 24, 0) +
						  get64(mm + i * 24, 8) <=
					  rsdp);
}

Test(boot, ram_smaller_than_checked)
{
	struct synth_bz p = synth_bz_default();
	struct guest_mem small = { 0 };
	struct boot_config bc = { &ki, CMDLINE, 1, 0 };

	open_bz(&p);
	/* Validated for 256 MiB, but only 8 MiB are mapped. */
	cr_assert_eq(guest_mem_alloc(&small, 8ULL << 20), 0);
	cr_assert_eq(boot_setup(&small, &bc, &entry, &err), -EFAULT);
	cr_assert_not_null(strstr(err.msg, "not in guest RAM"), "%s", err.msg);
	guest_mem_free(&small);
}
