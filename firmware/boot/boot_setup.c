// SPDX-License-Identifier: MIT
/*
 * Writes what kernel_image_open() validated into guest memory and works
 * out the boot vCPU's entry state. Every write still goes through
 * guest_mem_ptr(): the image was checked against a RAM size, this checks
 * it against the RAM actually mapped.
 */
#include <errno.h>
#include <string.h>

#include "firmware/boot/boot.h"
#include "firmware/boot/boot_int.h"
#include "firmware/boot/e820.h"
#include "vmm/core/layout.h"
#include "vmm/base/err.h"
#include "vmm/base/log.h"

static int write_kernel(const struct guest_mem *mem,
			const struct kernel_image *ki, struct err *err)
{
	unsigned int i;

	for (i = 0; i < ki->nr_segs; i++) {
		const struct kernel_segment *s = &ki->seg[i];
		u8 *dst = guest_mem_ptr(mem, s->paddr, s->memsz);

		if (!dst)
			return err_input(
				err, -EFAULT,
				"kernel segment at 0x%llx size 0x%llx is not in guest RAM",
				(unsigned long long)s->paddr,
				(unsigned long long)s->memsz);
		memcpy(dst, ki->data + s->file_off, s->filesz);
		memset(dst + s->filesz, 0, s->memsz - s->filesz);
	}
	return 0;
}

static int write_initrd(const struct guest_mem *mem,
			const struct kernel_image *ki, struct err *err)
{
	if (!ki->initrd)
		return 0;
	if (guest_mem_write(mem, ki->initrd_addr, ki->initrd, ki->initrd_size))
		return err_input(
			err, -EFAULT,
			"initrd at 0x%llx size 0x%llx is not in guest RAM",
			(unsigned long long)ki->initrd_addr,
			(unsigned long long)ki->initrd_size);
	return 0;
}

int boot_check_cmdline(const struct kernel_image *ki, const char *cmdline,
		       struct err *err)
{
	size_t len = cmdline ? strlen(cmdline) : 0;

	if (len > ki->cmdline_max)
		return err_input(
			err, -E2BIG,
			"kernel command line is %zu bytes, the kernel takes at most %llu",
			len, (unsigned long long)ki->cmdline_max);
	return 0;
}

static int write_cmdline(const struct guest_mem *mem,
			 const struct boot_config *bc, struct err *err)
{
	const char *cmdline = bc->cmdline ? bc->cmdline : "";
	size_t len = strlen(cmdline);
	int ret = boot_check_cmdline(bc->ki, cmdline, err);

	if (ret)
		return ret;
	if (guest_mem_write(mem, LAYOUT_CMDLINE, cmdline, len + 1))
		return err_input(
			err, -EFAULT,
			"guest RAM does not cover the command line at 0x%llx",
			LAYOUT_CMDLINE);
	return 0;
}

static void set_entry(struct boot_entry *e, const struct kernel_image *ki)
{
	memset(e, 0, sizeof(*e));
	e->rip = ki->entry;
	e->gdt_base = LAYOUT_GDT;
	e->gdt_limit = BOOT_GDT_ENTRIES * 8 - 1;
	e->data_sel = BOOT_GDT_DATA;
	if (ki->kind == KERNEL_PVH) {
		e->mode = BOOT_MODE_PVH;
		e->rbx = LAYOUT_PVH_START_INFO;
		e->code_sel = BOOT_GDT_CODE32;
	} else {
		e->mode = BOOT_MODE_LONG;
		e->rsi = LAYOUT_ZERO_PAGE;
		e->cr3 = LAYOUT_PML4;
		e->code_sel = BOOT_GDT_CODE64;
	}
}

int boot_setup(const struct guest_mem *mem, const struct boot_config *bc,
	       struct boot_entry *entry, struct err *err)
{
	const struct kernel_image *ki = bc->ki;
	struct e820_entry map[E820_MAX_ENTRIES];
	int nr, ret;

	ret = write_kernel(mem, ki, err);
	if (!ret)
		ret = write_initrd(mem, ki, err);
	if (!ret)
		ret = write_cmdline(mem, bc, err);
	if (!ret)
		ret = boot_gdt_write(mem, err);
	if (ret)
		return ret;
	nr = e820_build(mem, map, ARRAY_SIZE(map));
	if (nr < 0)
		return err_input(err, nr, "too many e820 entries");
	if (ki->kind == KERNEL_PVH) {
		ret = pvh_start_info_write(mem, bc, map, nr, err);
	} else {
		ret = zero_page_write(mem, bc, map, nr, err);
		if (!ret)
			ret = boot_pagetables_write(mem, err);
	}
	if (ret)
		return ret;
	set_entry(entry, ki);
	return 0;
}
