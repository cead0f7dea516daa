// SPDX-License-Identifier: MIT
/* kernel_image_open(): bzImages, files of no known kind, initrds. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/boot/boot.h"
#include "vmm/core/layout.h"
#include "tests/unit/lib/synth_open.h"

#define MEM_256M (256ULL << 20)

static struct err err;

static int open_bz(const struct synth_bz *p, size_t cut, const void *initrd,
		   size_t ilen, u64 mem, struct kernel_image *ki,
		   struct synth_files *f)
{
	size_t len;
	u8 *b = synth_bzimage(p, &len);
	int ret;

	ret = synth_open(ki, b, len - cut, initrd, ilen, mem, f, &err);
	free(b);
	return ret;
}

static void assert_refused(int ret, const struct kernel_image *ki,
			   const struct synth_files *f, const char *what)
{
	synth_assert_refused(ret, ki, f, &err, what);
}

Test(bzimage, good_relocatable_loads_at_pref_address)
{
	struct synth_bz p = synth_bz_default();
	struct synth_files f;
	struct kernel_image ki;

	cr_assert_eq(open_bz(&p, 0, NULL, 0, MEM_256M, &ki, &f), 0, "%s",
		     err.msg);
	cr_assert_eq(ki.kind, KERNEL_BZIMAGE);
	cr_assert_eq(ki.protocol, 0x020f);
	cr_assert_eq(ki.nr_segs, 1);
	cr_assert_eq(ki.seg[0].paddr, 0x1000000);
	cr_assert_eq(ki.seg[0].file_off, 5 * 512);
	cr_assert_eq(ki.seg[0].filesz, p.payload_size);
	cr_assert_eq(ki.entry, 0x1000200);
	cr_assert_eq(ki.kernel_end, 0x1000000 + p.init_size);
	cr_assert_eq(ki.cmdline_max, 2047);
	kernel_image_close(&ki);
}

Test(bzimage, not_relocatable_loads_at_1m)
{
	struct synth_bz p = synth_bz_default();
	struct synth_files f;
	struct kernel_image ki;

	p.relocatable = 0;
	cr_assert_eq(open_bz(&p, 0, NULL, 0, MEM_256M, &ki, &f), 0, "%s",
		     err.msg);
	cr_assert_eq(ki.seg[0].paddr, LAYOUT_HIMEM_START);
	cr_assert_eq(ki.entry, LAYOUT_HIMEM_START + 0x200);
	/* It moves itself to pref_address and needs init_size from there. */
	cr_assert_eq(ki.kernel_end, 0x1000000 + p.init_size);
	kernel_image_close(&ki);
}

Test(bzimage, setup_sects_zero_means_four)
{
	struct synth_bz p = synth_bz_default();
	struct synth_files f;
	struct kernel_image ki;

	p.setup_sects = 0;
	cr_assert_eq(open_bz(&p, 0, NULL, 0, MEM_256M, &ki, &f), 0, "%s",
		     err.msg);
	cr_assert_eq(ki.seg[0].file_off, 5 * 512);
	kernel_image_close(&ki);
}

Test(bzimage, truncated_payload)
{
	struct synth_bz p = synth_bz_default();
	struct synth_files f;
	struct kernel_image ki;

	assert_refused(open_bz(&p, 0x100, NULL, 0, MEM_256M, &ki, &f), &ki, &f,
		       "truncated");
}

Test(bzimage, truncated_in_setup)
{
	struct synth_bz p = synth_bz_default();
	struct synth_files f;
	struct kernel_image ki;

	assert_refused(
		open_bz(&p, p.payload_size + 1024, NULL, 0, MEM_256M, &ki, &f),
		&ki, &f, "truncated");
}

Test(bzimage, protocol_below_2_06)
{
	struct synth_bz p = synth_bz_default();
	struct synth_files f;
	struct kernel_image ki;

	p.version = 0x0205;
	assert_refused(open_bz(&p, 0, NULL, 0, MEM_256M, &ki, &f), &ki, &f,
		       "boot protocol 2.05 is older than 2.06");
}

Test(bzimage, protocol_without_64bit_entry)
{
	struct synth_bz p = synth_bz_default();
	struct synth_files f;
	struct kernel_image ki;

	p.version = 0x020b;
	assert_refused(open_bz(&p, 0, NULL, 0, MEM_256M, &ki, &f), &ki, &f,
		       "2.11 has no 64-bit entry");
}

Test(bzimage, no_xlf_kernel_64)
{
	struct synth_bz p = synth_bz_default();
	struct synth_files f;
	struct kernel_image ki;

	p.xloadflags = 0x0002;
	assert_refused(open_bz(&p, 0, NULL, 0, MEM_256M, &ki, &f), &ki, &f,
		       "XLF_KERNEL_64");
}

Test(bzimage, zimage_refused)
{
	struct synth_bz p = synth_bz_default();
	struct synth_files f;
	struct kernel_image ki;

	p.loadflags = 0;
	assert_refused(open_bz(&p, 0, NULL, 0, MEM_256M, &ki, &f), &ki, &f,
		       "zImage");
}

Test(bzimage, memory_too_small)
{
	struct synth_bz p = synth_bz_default();
	struct synth_files f;
	struct kernel_image ki;

	/* 16 MiB + 8 MiB of init_size do not fit in 20 MiB. */
	assert_refused(open_bz(&p, 0, NULL, 0, 20ULL << 20, &ki, &f), &ki, &f,
		       "needs");
}

Test(bzimage, hostile_pref_address)
{
	struct synth_bz p = synth_bz_default();
	struct synth_files f;
	struct kernel_image ki;

	/* Near 2^64: pref_address + init_size must not wrap to "fits". */
	p.relocatable = 0;
	p.pref_address = 0xffffffffffe00000ULL;
	assert_refused(open_bz(&p, 0, NULL, 0, MEM_256M, &ki, &f), &ki, &f,
		       "needs RAM");
}

Test(bzimage, initrd_placed_high_and_aligned)
{
	struct synth_bz p = synth_bz_default();
	struct synth_files f;
	struct kernel_image ki;
	u8 initrd[10000];

	memset(initrd, 0x5a, sizeof(initrd));
	cr_assert_eq(open_bz(&p, 0, initrd, sizeof(initrd), MEM_256M, &ki, &f),
		     0, "%s", err.msg);
	cr_assert_eq(ki.initrd_size, sizeof(initrd));
	cr_assert_eq(ki.initrd_addr % 4096, 0);
	cr_assert_leq(ki.initrd_addr + sizeof(initrd), MEM_256M);
	cr_assert_gt(ki.initrd_addr + sizeof(initrd), MEM_256M - 4096);
	cr_assert_eq(memcmp(ki.initrd, initrd, sizeof(initrd)), 0);
	kernel_image_close(&ki);
}

Test(bzimage, initrd_respects_initrd_addr_max)
{
	struct synth_bz p = synth_bz_default();
	struct synth_files f;
	struct kernel_image ki;
	static u8 initrd[4 << 20];

	p.initrd_addr_max = 0x1ffffff; /* last byte at 32 MiB - 1 */
	cr_assert_eq(open_bz(&p, 0, initrd, sizeof(initrd), MEM_256M, &ki, &f),
		     0, "%s", err.msg);
	cr_assert_eq(ki.initrd_addr, 0x2000000 - sizeof(initrd));
	kernel_image_close(&ki);
}

Test(bzimage, initrd_does_not_fit)
{
	struct synth_bz p = synth_bz_default();
	struct synth_files f;
	struct kernel_image ki;
	static u8 initrd[16 << 20];

	/* Between the kernel's 24 MiB and the 32 MiB limit there are 8. */
	p.initrd_addr_max = 0x1ffffff;
	assert_refused(
		open_bz(&p, 0, initrd, sizeof(initrd), MEM_256M, &ki, &f), &ki,
		&f, "do not fit");
}

Test(kernel_image, empty_file)
{
	struct synth_files f;
	struct kernel_image ki;

	assert_refused(synth_open(&ki, "", 0, NULL, 0, MEM_256M, &f, &err), &ki,
		       &f, "empty");
}

Test(kernel_image, wrong_magic)
{
	struct synth_files f;
	struct kernel_image ki;
	u8 junk[4096];

	memset(junk, 'x', sizeof(junk));
	assert_refused(synth_open(&ki, junk, sizeof(junk), NULL, 0, MEM_256M,
				  &f, &err),
		       &ki, &f, "not a bzImage or ELF kernel");
}

Test(kernel_image, missing_file)
{
	struct kernel_image ki;
	int ret;

	ret = kernel_image_open(&ki, "/nonexistent/sqz-kernel", NULL, MEM_256M,
				&err);
	cr_assert_eq(ret, -ENOENT);
	cr_assert_not_null(strstr(err.msg, "/nonexistent/sqz-kernel"), "%s",
			   err.msg);
}

Test(kernel_image, missing_initrd)
{
	struct synth_bz p = synth_bz_default();
	struct kernel_image ki;
	char path[] = "/tmp/sqz-fw-XXXXXX";
	size_t len;
	u8 *b = synth_bzimage(&p, &len);
	int fd = mkstemp(path);
	int ret;

	cr_assert_geq(fd, 0);
	close(fd);
	synth_write(path, b, len);
	ret = kernel_image_open(&ki, path, "/nonexistent/initrd", MEM_256M,
				&err);
	unlink(path);
	free(b);
	cr_assert_eq(ret, -ENOENT);
	cr_assert_not_null(strstr(err.msg, "initrd /nonexistent/initrd"), "%s",
			   err.msg);
	cr_assert_null(ki.data);
}

#define DEBIAN_BZIMAGE "build/debian/vmlinuz"

Test(debian, real_bzimage)
{
	struct kernel_image ki;

	synth_open_real(&ki, DEBIAN_BZIMAGE, MEM_256M, &err);
	cr_assert_eq(ki.kind, KERNEL_BZIMAGE);
	cr_assert_geq(ki.protocol, 0x020c);
	cr_assert_eq(ki.entry, ki.seg[0].paddr + 0x200);
	cr_assert_geq(ki.kernel_end, ki.seg[0].paddr + ki.seg[0].filesz);
	kernel_image_close(&ki);
}
