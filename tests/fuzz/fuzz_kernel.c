// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the kernel-image loaders (bzImage, ELF vmlinux, PVH
 * ELF). The input is the kernel file (in a memfd); kernel_image_open()
 * must refuse it or describe something boot_setup() then writes into 64
 * MiB of guest RAM (zero page or PVH start info, command line, page
 * tables): every offset and size taken from the file must be checked.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "firmware/boot/boot.h"
#include "tests/fuzz/fuzz_seed.h"

#include "tests/fuzz/fuzz_file.h"
/* The unit tests' kernel builders, for the seeds. */
#include "tests/unit/lib/synth_kernel.h"

#define MEM	  (64 * MiB)
#define MAX_INPUT (4 * MiB)

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static u8 *ram;
	static struct guest_mem mem;
	struct kernel_image ki;
	struct boot_config bc;
	struct boot_entry entry;
	struct err err;
	char path[64];
	int fd;

	if (size > MAX_INPUT)
		return 0;
	if (!ram) {
		ram = mmap(NULL, MEM, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (ram == MAP_FAILED || guest_mem_add(&mem, 0, MEM, ram))
			abort();
	}
	fd = fuzz_memfd("fuzz-kernel", data, size, path, sizeof(path));
	if (fd < 0)
		return 0;
	if (!kernel_image_open(&ki, path, NULL, MEM, &err)) {
		bc = (struct boot_config){ .ki = &ki,
					   .nr_cpus = 2,
					   .cmdline = "console=ttyS0" };
		boot_setup(&mem, &bc, &entry, &err);
		kernel_image_close(&ki);
	}
	close(fd);
	return 0;
}

/* The kernels test_kernel_image.c and test_elf_image.c build. */
static void seeds(void)
{
	struct synth_bz bz = synth_bz_default();
	u8 note[64], *b;
	size_t len, nlen = synth_pvh_note(note, 0x100010, 4);
	struct synth_seg pvh[] = {
		{ 1, 0x100000, 0x100000, 0x200, 0x1000, NULL, 0 },
		{ 4, 0, 0, nlen, nlen, note, 0 },
	};

	b = synth_bzimage(&bz, &len);
	fuzz_seed("bzimage", b, len);
	free(b);
	b = synth_elf(1, 62, 0x1000000, synth_vmlinux_segs, 2, &len);
	fuzz_seed("vmlinux", b, len);
	free(b);
	b = synth_elf(0, 3, 0x100000, pvh, 2, &len);
	fuzz_seed("pvh32", b, len);
	free(b);
	b = synth_elf(1, 62, 0x100000, pvh, 2, &len);
	fuzz_seed("pvh64", b, len);
	free(b);
}

FUZZ_SEEDS(seeds)
