// SPDX-License-Identifier: MIT
/*
 * Synthetic kernel images (bzImage, ELF, PVH) for the firmware tests and
 * the kernel fuzz target's seeds. See synth_kernel.h.
 */
#include "tests/unit/lib/synth_kernel.h"

void put8(u8 *b, size_t off, u8 v)
{
	b[off] = v;
}

void put16(u8 *b, size_t off, u16 v)
{
	memcpy(b + off, &v, 2);
}

void put32(u8 *b, size_t off, u32 v)
{
	memcpy(b + off, &v, 4);
}

void put64(u8 *b, size_t off, u64 v)
{
	memcpy(b + off, &v, 8);
}

u16 get16(const u8 *b, size_t off)
{
	u16 v;

	memcpy(&v, b + off, 2);
	return v;
}

u32 get32(const u8 *b, size_t off)
{
	u32 v;

	memcpy(&v, b + off, 4);
	return v;
}

u64 get64(const u8 *b, size_t off)
{
	u64 v;

	memcpy(&v, b + off, 8);
	return v;
}

struct synth_bz synth_bz_default(void)
{
	return (struct synth_bz){
		.version = 0x020f,
		.setup_sects = 4,
		.loadflags = 0x01,
		.xloadflags = 0x0003,
		.relocatable = 1,
		.pref_address = 0x1000000,
		.init_size = 0x800000,
		.initrd_addr_max = 0x7fffffff,
		.cmdline_size = 2047,
		.payload_size = 0x4000,
	};
}

size_t synth_bz_setup_size(const struct synth_bz *p)
{
	return ((p->setup_sects ? p->setup_sects : 4) + 1) * 512;
}

u8 synth_payload_byte(size_t i)
{
	return (u8)(i * 7 + 3);
}

u8 *synth_bzimage(const struct synth_bz *p, size_t *len)
{
	size_t setup = synth_bz_setup_size(p), i;
	u8 *b;

	*len = setup + p->payload_size;
	b = calloc(1, *len);
	if (!b)
		abort();
	put8(b, 0x1f1, p->setup_sects);
	put32(b, 0x1f4, p->payload_size / 16);
	put16(b, 0x1fe, 0xaa55);
	put8(b, 0x200, 0xeb);
	put8(b, 0x201, 0x6a); /* header runs to 0x26c */
	memcpy(b + 0x202, "HdrS", 4);
	put16(b, 0x206, p->version);
	put16(b, 0x20e, 0x1234); /* kernel_version: copied through */
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

u8 *synth_elf(int class64, u16 machine, u64 entry, const struct synth_seg *s,
	      unsigned int n, size_t *len)
{
	size_t eh = class64 ? 64 : 52, ph = class64 ? 56 : 32;
	size_t off = ALIGN_UP(eh + n * ph, 16), total = off, i, j;
	u64 offs[16];
	u8 *b;

	if (n > 16)
		abort();
	for (i = 0; i < n; i++) {
		offs[i] = s[i].offset ? s[i].offset : total;
		if (!s[i].offset)
			total += ALIGN_UP(s[i].filesz, 16);
	}
	*len = total;
	b = calloc(1, total);
	if (!b)
		abort();
	memcpy(b,
	       "\x7f"
	       "ELF",
	       4);
	b[4] = class64 ? 2 : 1;
	b[5] = 1; /* little-endian */
	b[6] = 1;
	put16(b, 16, 2); /* ET_EXEC */
	put16(b, 18, machine);
	put32(b, 20, 1);
	if (class64) {
		put64(b, 24, entry);
		put64(b, 32, eh); /* e_phoff */
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

size_t synth_pvh_note(u8 *buf, u64 entry, u32 descsz)
{
	size_t n = 0;

	put32(buf, n, 4);
	put32(buf, n + 4, 4);
	put32(buf, n + 8, 3); /* NT_GNU_BUILD_ID-like */
	memcpy(buf + n + 12, "GNU", 4);
	put32(buf, n + 16, 0xdeadbeef);
	n += 20;
	put32(buf, n, 4);
	put32(buf, n + 4, descsz);
	put32(buf, n + 8, 18); /* XEN_ELFNOTE_PHYS32_ENTRY */
	memcpy(buf + n + 12, "Xen", 4);
	memcpy(buf + n + 16, &entry, descsz);
	return n + 16 + ALIGN_UP(descsz, 4);
}
