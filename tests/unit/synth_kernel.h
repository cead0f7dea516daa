/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_TEST_SYNTH_KERNEL_H
#define SQUEEZE_TEST_SYNTH_KERNEL_H

/*
 * Synthetic kernel images for the firmware unit tests, built from the
 * byte offsets of Linux's boot.rst and the ELF specification (not from
 * squeeze's own structs, so that a wrong struct offset shows up).
 */

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "firmware/boot/boot.h"
#include "vmm/base/err.h"
#include "vmm/base/types.h"

static inline void put8(u8 *b, size_t off, u8 v)
{
	b[off] = v;
}

static inline void put16(u8 *b, size_t off, u16 v)
{
	memcpy(b + off, &v, 2);
}

static inline void put32(u8 *b, size_t off, u32 v)
{
	memcpy(b + off, &v, 4);
}

static inline void put64(u8 *b, size_t off, u64 v)
{
	memcpy(b + off, &v, 8);
}

static inline u16 get16(const u8 *b, size_t off)
{
	u16 v;

	memcpy(&v, b + off, 2);
	return v;
}

static inline u32 get32(const u8 *b, size_t off)
{
	u32 v;

	memcpy(&v, b + off, 4);
	return v;
}

static inline u64 get64(const u8 *b, size_t off)
{
	u64 v;

	memcpy(&v, b + off, 8);
	return v;
}

struct synth_bz {
	u16 version;
	u8 setup_sects;			/* as stored: 0 means 4 */
	u8 loadflags;
	u16 xloadflags;
	u8 relocatable;
	u64 pref_address;
	u32 init_size;
	u32 initrd_addr_max;
	u32 cmdline_size;
	u32 payload_size;		/* multiple of 16 */
};

static inline struct synth_bz synth_bz_default(void)
{
	return (struct synth_bz){
		.version = 0x020f, .setup_sects = 4, .loadflags = 0x01,
		.xloadflags = 0x0003, .relocatable = 1,
		.pref_address = 0x1000000, .init_size = 0x800000,
		.initrd_addr_max = 0x7fffffff, .cmdline_size = 2047,
		.payload_size = 0x4000,
	};
}

static inline size_t synth_bz_setup_size(const struct synth_bz *p)
{
	return ((p->setup_sects ? p->setup_sects : 4) + 1) * 512;
}

/* The payload byte at offset i, so tests can check what was copied. */
static inline u8 synth_payload_byte(size_t i)
{
	return (u8)(i * 7 + 3);
}

static inline u8 *synth_bzimage(const struct synth_bz *p, size_t *len)
{
	size_t setup = synth_bz_setup_size(p), i;
	u8 *b;

	*len = setup + p->payload_size;
	b = calloc(1, *len);
	cr_assert_not_null(b);
	put8(b, 0x1f1, p->setup_sects);
	put32(b, 0x1f4, p->payload_size / 16);
	put16(b, 0x1fe, 0xaa55);
	put8(b, 0x200, 0xeb);
	put8(b, 0x201, 0x6a);		/* header runs to 0x26c */
	memcpy(b + 0x202, "HdrS", 4);
	put16(b, 0x206, p->version);
	put16(b, 0x20e, 0x1234);	/* kernel_version: copied through */
	put8(b, 0x211, p->loadflags);
	put32(b, 0x22c, p->initrd_addr_max);
	put32(b, 0x230, 0x200000);
	put8(b, 0x234, p->relocatable);
	put16(b, 0x236, p->xloadflags);
	put32(b, 0x238, p->cmdline_size);
	put64(b, 0x258, p->pref_address);
	put32(b, 0x260, p->init_size);
	for (i = 0; i < p->payload_size; i++)
		b[setup + i] = synth_payload_byte(i);
	return b;
}

struct synth_seg {
	u32 type;			/* 1 PT_LOAD, 4 PT_NOTE */
	u64 vaddr, paddr, filesz, memsz;
	const u8 *data;			/* NULL: synth_payload_byte() pattern */
	u64 offset;			/* 0: placed after the headers */
};

/* vmlinux-like: text at 16 MiB linked at 0xffffffff81000000, and a bss. */
static const struct synth_seg synth_vmlinux_segs[2] = {
	{ 1, 0xffffffff81000000ULL, 0x1000000, 0x3000, 0x3000, NULL, 0 },
	{ 1, 0xffffffff81200000ULL, 0x1200000, 0x100, 0x5000, NULL, 0 },
};

/* ELF64 (class 2) or ELF32 (class 1) executable with @n segments. */
static inline u8 *synth_elf(int class64, u16 machine, u64 entry,
			    const struct synth_seg *s, unsigned int n,
			    size_t *len)
{
	size_t eh = class64 ? 64 : 52, ph = class64 ? 56 : 32;
	size_t off = ALIGN_UP(eh + n * ph, 16), total = off, i, j;
	u64 offs[16];
	u8 *b;

	cr_assert(n <= 16);
	for (i = 0; i < n; i++) {
		offs[i] = s[i].offset ? s[i].offset : total;
		if (!s[i].offset)
			total += ALIGN_UP(s[i].filesz, 16);
	}
	*len = total;
	b = calloc(1, total);
	cr_assert_not_null(b);
	memcpy(b, "\x7f" "ELF", 4);
	b[4] = class64 ? 2 : 1;
	b[5] = 1;			/* little-endian */
	b[6] = 1;
	put16(b, 16, 2);		/* ET_EXEC */
	put16(b, 18, machine);
	put32(b, 20, 1);
	if (class64) {
		put64(b, 24, entry);
		put64(b, 32, eh);	/* e_phoff */
		put16(b, 52, eh);
		put16(b, 54, ph);
		put16(b, 56, n);
	} else {
		put32(b, 24, entry);
		put32(b, 28, eh);
		put16(b, 40, eh);
		put16(b, 42, ph);
		put16(b, 44, n);
	}
	for (i = 0; i < n; i++) {
		u8 *p = b + eh + i * ph;

		if (class64) {
			put32(p, 0, s[i].type);
			put64(p, 8, offs[i]);
			put64(p, 16, s[i].vaddr);
			put64(p, 24, s[i].paddr);
			put64(p, 32, s[i].filesz);
			put64(p, 40, s[i].memsz);
		} else {
			put32(p, 0, s[i].type);
			put32(p, 4, offs[i]);
			put32(p, 8, s[i].vaddr);
			put32(p, 12, s[i].paddr);
			put32(p, 16, s[i].filesz);
			put32(p, 20, s[i].memsz);
		}
		if (s[i].offset)
			continue;
		for (j = 0; j < s[i].filesz; j++)
			b[offs[i] + j] = s[i].data ? s[i].data[j] :
						     synth_payload_byte(j);
	}
	return b;
}

/* A GNU note, then the Xen PHYS32_ENTRY note with a @descsz-byte entry. */
static inline size_t synth_pvh_note(u8 *buf, u64 entry, u32 descsz)
{
	size_t n = 0;

	put32(buf, n, 4);
	put32(buf, n + 4, 4);
	put32(buf, n + 8, 3);		/* NT_GNU_BUILD_ID-like */
	memcpy(buf + n + 12, "GNU", 4);
	put32(buf, n + 16, 0xdeadbeef);
	n += 20;
	put32(buf, n, 4);
	put32(buf, n + 4, descsz);
	put32(buf, n + 8, 18);		/* XEN_ELFNOTE_PHYS32_ENTRY */
	memcpy(buf + n + 12, "Xen", 4);
	memcpy(buf + n + 16, &entry, descsz);
	return n + 16 + ALIGN_UP(descsz, 4);
}

struct synth_files {
	char dir[64];
	char kernel[96];
	char initrd[96];
};

static inline void synth_write(const char *path, const void *p, size_t len)
{
	FILE *f = fopen(path, "wb");

	cr_assert_not_null(f, "%s", path);
	cr_assert_eq(fwrite(p, 1, len, f), len);
	cr_assert_eq(fclose(f), 0);
}

/*
 * Write the images to a fresh temp dir, open them, remove the files again.
 * @initrd NULL: no initrd.
 */
static inline int synth_open(struct kernel_image *ki, const void *kernel,
			     size_t klen, const void *initrd, size_t ilen,
			     u64 mem_size, struct synth_files *f, struct err *err)
{
	int ret;

	snprintf(f->dir, sizeof(f->dir), "/tmp/sqz-fw-XXXXXX");
	cr_assert_not_null(mkdtemp(f->dir));
	snprintf(f->kernel, sizeof(f->kernel), "%s/kernel", f->dir);
	snprintf(f->initrd, sizeof(f->initrd), "%s/initrd", f->dir);
	synth_write(f->kernel, kernel, klen);
	if (initrd)
		synth_write(f->initrd, initrd, ilen);
	ret = kernel_image_open(ki, f->kernel, initrd ? f->initrd : NULL,
				mem_size, err);
	unlink(f->kernel);
	unlink(f->initrd);
	rmdir(f->dir);
	return ret;
}

/*
 * A refused open: an error, in @err one line naming the file and saying
 * @what, and no image kept.
 */
static inline void synth_assert_refused(int ret, const struct kernel_image *ki,
					const struct synth_files *f,
					const struct err *err,
					const char *what)
{
	cr_assert_lt(ret, 0, "accepted, wanted \"%s\"", what);
	cr_assert_eq(err->class, ERR_INPUT, "not a bad-input error");
	cr_assert_not_null(strstr(err->msg, what),
			   "error \"%s\" lacks \"%s\"", err->msg, what);
	cr_assert_not_null(strstr(err->msg, f->dir),
			   "error \"%s\" names no file", err->msg);
	cr_assert_null(strchr(err->msg, '\n'));
	cr_assert_null(ki->data, "image kept after a failed open");
}

/*
 * Open a real kernel (Debian's, fetched by `make guests`) with no initrd
 * and @mem_size of RAM; skip the test if it is not there.
 */
static inline void synth_open_real(struct kernel_image *ki, const char *path,
				   u64 mem_size, struct err *err)
{
	struct stat st;

	if (stat(path, &st))
		cr_skip_test("%s absent: run make guests to fetch it", path);
	cr_assert_eq(kernel_image_open(ki, path, NULL, mem_size, err),
		     0, "%s", err->msg);
}

#endif
