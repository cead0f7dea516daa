// SPDX-License-Identifier: MIT
/*
 * bzImage validation (boot.rst). squeeze enters the kernel at its 64-bit
 * entry, 0x200 past the start of the protected-mode code, so the real-mode
 * setup code is never run and only the header is used.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "firmware/boot/boot.h"
#include "firmware/boot/boot_int.h"
#include "firmware/boot/bootparam.h"
#include "vmm/core/layout.h"
#include "vmm/base/err.h"
#include "vmm/base/log.h"

#define SECTOR		    512ULL
#define DIV_ROUND_UP_MIB(x) ((x) / MiB + !!((x) % MiB))
#define ENTRY64_OFFSET	    0x200
#define HDR_END(field)                          \
	(offsetof(struct setup_header, field) + \
	 sizeof(((struct setup_header *)0)->field))

u64 bzimage_read_header(const struct kernel_image *ki, struct setup_header *h)
{
	u64 len = 0x202 + ki->data[0x201] - BOOT_HDR_OFFSET;

	memset(h, 0, sizeof(*h));
	len = MIN(len, (u64)sizeof(*h));
	len = MIN(len, ki->size - BOOT_HDR_OFFSET);
	memcpy(h, ki->data + BOOT_HDR_OFFSET, len);
	return len;
}

static int check_protocol(const struct setup_header *h, u64 hdr_len,
			  const char *path, struct err *err)
{
	unsigned int major = h->version >> 8, minor = h->version & 0xff;

	if (h->version < 0x0206)
		return err_input(
			err, -ENOEXEC,
			"kernel %s: boot protocol %u.%02u is older than 2.06",
			path, major, minor);
	if (h->version < 0x020c)
		return err_input(
			err, -ENOEXEC,
			"kernel %s: boot protocol %u.%02u has no 64-bit entry point (2.12 or newer needed)",
			path, major, minor);
	if (hdr_len < HDR_END(init_size))
		return err_input(
			err, -ENOEXEC,
			"kernel %s: truncated setup header (%llu bytes)", path,
			(unsigned long long)hdr_len);
	if (!(h->xloadflags & XLF_KERNEL_64))
		return err_input(
			err, -ENOEXEC,
			"kernel %s: no 64-bit entry point (XLF_KERNEL_64 not set)",
			path);
	if (!(h->loadflags & LOADED_HIGH))
		return err_input(
			err, -ENOEXEC,
			"kernel %s: a zImage (not loaded high); only bzImage is supported",
			path);
	return 0;
}

/* Where the protected-mode code goes: its preferred address if it may. */
static u64 load_address(const struct setup_header *h, u64 low_top, u64 payload)
{
	u64 pref = h->pref_address;

	if (h->relocatable_kernel && pref >= LAYOUT_HIMEM_START &&
	    IS_ALIGNED(pref, 2 * MiB) && pref < low_top &&
	    payload <= low_top - pref)
		return pref;
	return LAYOUT_HIMEM_START;
}

/*
 * Memory the kernel needs before it reads the e820 map: init_size bytes
 * from where it runs, which is pref_address when it was loaded below it
 * (a non-relocatable kernel moves itself there, a relocatable one
 * decompresses there).
 */
static int check_fit(struct kernel_image *ki, const struct setup_header *h,
		     u64 load, u64 payload, const char *path, struct err *err)
{
	u64 low_top = guest_mem_low_size(ki->mem_size);
	u64 run = MAX(load, (u64)h->pref_address);
	u64 init = h->init_size ? h->init_size : payload;
	u64 need;

	/* pref_address is the file's: saturate instead of wrapping. */
	need = run > ~0ULL - init ? ~0ULL : run + init;
	need = MAX(need, load + payload); /* both below 2^32 */
	if (need > low_top)
		return err_input(
			err, -ENOMEM,
			"kernel %s: needs RAM up to 0x%llx (%llu MiB) to start, the VM has %llu MiB of low RAM",
			path, (unsigned long long)need,
			(unsigned long long)DIV_ROUND_UP_MIB(need),
			(unsigned long long)(low_top / MiB));
	ki->kernel_end = need;
	return 0;
}

int bzimage_parse(struct kernel_image *ki, const char *path, u64 *initrd_end,
		  struct err *err)
{
	struct setup_header h;
	u64 hdr_len, setup, payload, load, low_top;
	int ret;

	if (ki->size < 0x208)
		return err_input(err, -ENOEXEC,
				 "kernel %s: truncated setup header", path);
	hdr_len = bzimage_read_header(ki, &h);
	ret = check_protocol(&h, hdr_len, path, err);
	if (ret)
		return ret;
	setup = ((h.setup_sects ? h.setup_sects : 4) + 1) * SECTOR;
	if (setup >= ki->size)
		return err_input(
			err, -ENOEXEC,
			"kernel %s: truncated: the setup code ends at 0x%llx, past the end of the file",
			path, (unsigned long long)setup);
	payload = ki->size - setup;
	if (h.syssize) {
		if ((u64)h.syssize * 16 > payload)
			return err_input(
				err, -ENOEXEC,
				"kernel %s: truncated: the header announces %llu bytes of kernel, the file has %llu",
				path, (unsigned long long)h.syssize * 16,
				(unsigned long long)payload);
		payload = (u64)h.syssize * 16;
	}
	low_top = guest_mem_low_size(ki->mem_size);
	load = load_address(&h, low_top, payload);
	ret = check_fit(ki, &h, load, payload, path, err);
	if (ret)
		return ret;

	ki->kind = KERNEL_BZIMAGE;
	ki->protocol = h.version;
	ki->entry = load + ENTRY64_OFFSET;
	ki->seg[0] = (struct kernel_segment){ setup, payload, load, payload };
	ki->nr_segs = 1;
	ki->cmdline_max = MIN((u64)h.cmdline_size, LAYOUT_CMDLINE_MAX - 1);
	*initrd_end = MIN((u64)h.initrd_addr_max + 1, low_top);
	return 0;
}
