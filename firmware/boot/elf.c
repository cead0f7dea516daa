// SPDX-License-Identifier: MIT
/*
 * ELF kernels: a Linux vmlinux (ELF64, entered at its 64-bit startup_64
 * like a bzImage) or any ELF32/ELF64 image carrying the PVH entry note,
 * which is preferred when present. Every header field is checked against
 * the file and the VM's RAM before boot_setup() trusts it.
 */
#include <elf.h>
#include <errno.h>
#include <string.h>

#include "firmware/boot/boot.h"
#include "firmware/boot/boot_int.h"
#include "vmm/core/layout.h"
#include "vmm/base/err.h"
#include "vmm/base/log.h"

#define XEN_ELFNOTE_PHYS32_ENTRY 18
#define ELF_CMDLINE_MAX		 2047

struct elf_info {
	bool is64;
	u64 entry;
	u64 phoff;
	u16 phnum;
	u16 phentsize;
};

/* Parse state: the segments' virtual addresses, to translate e_entry. */
struct elf_load {
	u64 vaddr[KERNEL_MAX_SEGMENTS];
	bool has_pvh;
	u64 pvh_entry;
};

bool elf_is_elf(const u8 *data, u64 size)
{
	return size >= SELFMAG && !memcmp(data, ELFMAG, SELFMAG);
}

static bool file_range_ok(u64 size, u64 off, u64 len)
{
	return off <= size && len <= size - off;
}

static int bad(const char *path, struct err *err, const char *what)
{
	return err_input(err, -ENOEXEC, "kernel %s: %s", path, what);
}

static int read_ehdr(const struct kernel_image *ki, const char *path,
		     struct elf_info *ei, struct err *err)
{
	const u8 *d = ki->data;
	u16 machine, type;
	Elf64_Ehdr e64;
	Elf32_Ehdr e32;

	if (ki->size < EI_NIDENT)
		return bad(path, err, "truncated ELF header");
	if (d[EI_DATA] != ELFDATA2LSB)
		return bad(path, err, "ELF is not little-endian");
	ei->is64 = d[EI_CLASS] == ELFCLASS64;
	if (ei->is64) {
		if (ki->size < sizeof(e64))
			return bad(path, err, "truncated ELF header");
		memcpy(&e64, d, sizeof(e64));
		machine = e64.e_machine;
		type = e64.e_type;
		ei->entry = e64.e_entry;
		ei->phoff = e64.e_phoff;
		ei->phnum = e64.e_phnum;
		ei->phentsize = e64.e_phentsize;
		if (ei->phentsize < sizeof(Elf64_Phdr))
			return bad(path, err, "bad e_phentsize");
	} else if (d[EI_CLASS] == ELFCLASS32) {
		if (ki->size < sizeof(e32))
			return bad(path, err, "truncated ELF header");
		memcpy(&e32, d, sizeof(e32));
		machine = e32.e_machine;
		type = e32.e_type;
		ei->entry = e32.e_entry;
		ei->phoff = e32.e_phoff;
		ei->phnum = e32.e_phnum;
		ei->phentsize = e32.e_phentsize;
		if (ei->phentsize < sizeof(Elf32_Phdr))
			return bad(path, err, "bad e_phentsize");
	} else {
		return bad(path, err, "unknown ELF class");
	}
	if (machine != EM_X86_64 && !(machine == EM_386 && !ei->is64))
		return bad(path, err, "ELF is not for x86");
	if (type != ET_EXEC)
		return bad(path, err, "ELF is not an executable (ET_EXEC)");
	if (ei->phnum == 0)
		return bad(path, err, "ELF has no program headers");
	if (!file_range_ok(ki->size, ei->phoff, (u64)ei->phnum * ei->phentsize))
		return bad(
			path, err,
			"truncated: program headers past the end of the file");
	return 0;
}

/* Program header @i as ELF64, whatever the class. */
static void read_phdr(const struct kernel_image *ki, const struct elf_info *ei,
		      unsigned int i, Elf64_Phdr *ph)
{
	const u8 *p = ki->data + ei->phoff + (u64)i * ei->phentsize;
	Elf32_Phdr p32;

	if (ei->is64) {
		memcpy(ph, p, sizeof(*ph));
		return;
	}
	memcpy(&p32, p, sizeof(p32));
	*ph = (Elf64_Phdr){
		.p_type = p32.p_type,
		.p_offset = p32.p_offset,
		.p_vaddr = p32.p_vaddr,
		.p_paddr = p32.p_paddr,
		.p_filesz = p32.p_filesz,
		.p_memsz = p32.p_memsz,
	};
}

static int scan_notes(const struct kernel_image *ki, const Elf64_Phdr *ph,
		      struct elf_load *ld, const char *path, struct err *err)
{
	u64 off = ph->p_offset, left = ph->p_filesz;

	if (!file_range_ok(ki->size, off, left))
		return bad(path, err,
			   "truncated: PT_NOTE past the end of the file");
	while (left >= 12) {
		const u8 *n = ki->data + off;
		u32 namesz, descsz, type;
		u64 total;

		memcpy(&namesz, n, 4);
		memcpy(&descsz, n + 4, 4);
		memcpy(&type, n + 8, 4);
		total = 12 + ALIGN_UP((u64)namesz, 4) +
			ALIGN_UP((u64)descsz, 4);
		if (total > left)
			return bad(path, err, "truncated ELF note");
		if (namesz == 4 && !memcmp(n + 12, "Xen", 4) &&
		    type == XEN_ELFNOTE_PHYS32_ENTRY) {
			u64 v = 0;

			if (descsz != 4 && descsz != 8)
				return bad(path, err,
					   "bad PVH entry note size");
			memcpy(&v, n + 16, descsz);
			if (v >> 32)
				return bad(path, err, "PVH entry above 4 GiB");
			ld->has_pvh = true;
			ld->pvh_entry = v;
		}
		off += total;
		left -= total;
	}
	return 0;
}

static int add_segment(struct kernel_image *ki, const Elf64_Phdr *ph,
		       struct elf_load *ld, const char *path, struct err *err)
{
	unsigned int i;

	if (ph->p_filesz > ph->p_memsz)
		return bad(path, err, "segment with p_filesz > p_memsz");
	if (!file_range_ok(ki->size, ph->p_offset, ph->p_filesz))
		return bad(path, err,
			   "truncated: segment past the end of the file");
	if (ph->p_paddr < LAYOUT_HIMEM_START ||
	    !kernel_ram_contains(ki->mem_size, ph->p_paddr, ph->p_memsz))
		return err_input(
			err, -ENOMEM,
			"kernel %s: segment at 0x%llx size 0x%llx is outside guest RAM (1 MiB .. %llu MiB)",
			path, (unsigned long long)ph->p_paddr,
			(unsigned long long)ph->p_memsz,
			(unsigned long long)(ki->mem_size / MiB));
	for (i = 0; i < ki->nr_segs; i++) {
		const struct kernel_segment *s = &ki->seg[i];

		if (ph->p_paddr < s->paddr + s->memsz &&
		    s->paddr < ph->p_paddr + ph->p_memsz)
			return bad(path, err, "overlapping segments");
	}
	if (ki->nr_segs == KERNEL_MAX_SEGMENTS)
		return bad(path, err, "too many loadable segments");
	ld->vaddr[ki->nr_segs] = ph->p_vaddr;
	ki->seg[ki->nr_segs++] =
		(struct kernel_segment){ ph->p_offset, ph->p_filesz,
					 ph->p_paddr, ph->p_memsz };
	/* The initrd goes in low RAM: only low segments can be in its way. */
	if (ph->p_paddr < LAYOUT_PCI_HOLE_START)
		ki->kernel_end = MAX(ki->kernel_end, ph->p_paddr + ph->p_memsz);
	return 0;
}

/*
 * The physical entry: e_entry if it is inside a segment's physical range
 * (Linux links vmlinux with ENTRY(phys_startup_64)), otherwise e_entry
 * translated from the virtual range of the segment containing it.
 */
static bool resolve_entry(const struct kernel_image *ki,
			  const struct elf_load *ld, u64 entry, bool virt_ok,
			  u64 *phys)
{
	unsigned int i;

	for (i = 0; i < ki->nr_segs; i++)
		if (entry - ki->seg[i].paddr < ki->seg[i].memsz) {
			*phys = entry;
			return true;
		}
	for (i = 0; virt_ok && i < ki->nr_segs; i++)
		if (entry - ld->vaddr[i] < ki->seg[i].memsz) {
			*phys = entry - ld->vaddr[i] + ki->seg[i].paddr;
			return true;
		}
	return false;
}

static int read_segments(struct kernel_image *ki, const struct elf_info *ei,
			 struct elf_load *ld, const char *path, struct err *err)
{
	unsigned int i;
	Elf64_Phdr ph;
	int ret = 0;

	for (i = 0; i < ei->phnum && !ret; i++) {
		read_phdr(ki, ei, i, &ph);
		if (ph.p_type == PT_NOTE)
			ret = scan_notes(ki, &ph, ld, path, err);
		else if (ph.p_type == PT_LOAD && ph.p_memsz)
			ret = add_segment(ki, &ph, ld, path, err);
	}
	if (!ret && ki->nr_segs == 0)
		ret = bad(path, err, "ELF has no loadable segment");
	return ret;
}

int elf_parse(struct kernel_image *ki, const char *path, u64 *initrd_end,
	      struct err *err)
{
	struct elf_load ld = { 0 };
	struct elf_info ei = { 0 };
	int ret;

	ret = read_ehdr(ki, path, &ei, err);
	if (ret)
		return ret;
	ret = read_segments(ki, &ei, &ld, path, err);
	if (ret)
		return ret;
	if (ld.has_pvh) {
		ki->kind = KERNEL_PVH;
		if (!resolve_entry(ki, &ld, ld.pvh_entry, false, &ki->entry))
			return bad(path, err,
				   "PVH entry is not inside a loaded segment");
	} else if (!ei.is64) {
		return bad(
			path, err,
			"32-bit ELF without a PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY)");
	} else {
		ki->kind = KERNEL_ELF;
		if (!resolve_entry(ki, &ld, ei.entry, true, &ki->entry))
			return bad(
				path, err,
				"entry point is not inside a loaded segment");
	}
	/* Linux (vmlinux, or PVH) keeps COMMAND_LINE_SIZE = 2048 bytes. */
	ki->cmdline_max = ELF_CMDLINE_MAX;
	*initrd_end = guest_mem_low_size(ki->mem_size);
	return 0;
}
