// SPDX-License-Identifier: MIT
/*
 * Unit tests of guest_mem_ptr(), the one bounds-checked accessor, and
 * the PC RAM layout around the PCI hole.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmm/core/layout.h"
#include "vmm/core/guest_mem.h"

static struct guest_mem mem;
static u8 *low, *high;

static void setup(void)
{
	memset(&mem, 0, sizeof(mem));
	low = calloc(1, 0x10000);
	high = calloc(1, 0x1000);
	cr_assert_eq(guest_mem_add(&mem, 0, 0x10000, low), 0);
	cr_assert_eq(guest_mem_add(&mem, 0x100000, 0x1000, high), 0);
}

static void teardown(void)
{
	free(low);
	free(high);
}

TestSuite(guest_mem, .init = setup, .fini = teardown);

Test(guest_mem, inside_region)
{
	cr_assert_eq(guest_mem_ptr(&mem, 0, 0x10000), low);
	cr_assert_eq(guest_mem_ptr(&mem, 0xfff0, 0x10), low + 0xfff0);
	cr_assert_eq(guest_mem_ptr(&mem, 0x100800, 0x800), high + 0x800);
}

Test(guest_mem, range_must_fit_one_region)
{
	cr_assert_null(guest_mem_ptr(&mem, 0xfff0, 0x11));
	cr_assert_null(guest_mem_ptr(&mem, 0x10000, 1));
	cr_assert_null(guest_mem_ptr(&mem, 0x100fff, 2));
	cr_assert_null(guest_mem_ptr(&mem, 0xffff0, 0x20));
}

Test(guest_mem, wrapping_ranges_rejected)
{
	cr_assert_null(guest_mem_ptr(&mem, ~0ULL, 2));
	cr_assert_null(guest_mem_ptr(&mem, 0x10, ~0ULL));
	cr_assert_null(guest_mem_ptr(&mem, 0x100010, ~0ULL - 0x8));
}

Test(guest_mem, zero_length_still_needs_ram)
{
	cr_assert_not_null(guest_mem_ptr(&mem, 0x100, 0));
	cr_assert_null(guest_mem_ptr(&mem, 0x20000, 0));
}

Test(guest_mem, overlapping_add_refused)
{
	u8 buf[16];

	cr_assert_eq(guest_mem_add(&mem, 0x8000, sizeof(buf), buf), -EEXIST);
}

Test(guest_mem, copy_helpers)
{
	u32 v = 0x12345678, r = 0;

	cr_assert_eq(guest_mem_write(&mem, 0x100ffc, &v, 4), 0);
	cr_assert_eq(guest_mem_read(&mem, 0x100ffc, &r, 4), 0);
	cr_assert_eq(r, v);
	cr_assert_eq(guest_mem_write(&mem, 0x100ffd, &v, 4), -EFAULT);
}

Test(guest_mem_alloc, splits_around_pci_hole)
{
	struct guest_mem m;

	cr_assert_eq(guest_mem_alloc(&m, 5 * GiB), 0);
	cr_assert_eq(m.nr, 2);
	cr_assert_eq(m.region[0].size, LAYOUT_PCI_HOLE_START);
	cr_assert_eq(m.region[1].gpa, LAYOUT_HIGH_RAM_START);
	cr_assert_eq(guest_mem_total(&m), 5 * GiB);
	cr_assert_null(guest_mem_ptr(&m, LAYOUT_PCI_HOLE_START, 1));
	guest_mem_free(&m);
}

/* A restarted guest finds RAM zeroed: its pages dropped, or memset. */
Test(guest_mem_alloc, clear_zeroes_every_region)
{
	struct guest_mem m;
	u64 v = 0x5a5a5a5a5a5a5a5aULL, r = 1,
	    gpa[] = {
		    0x1000,
		    LAYOUT_PCI_HOLE_START - 8,
		    LAYOUT_HIGH_RAM_START + 4096,
	    };
	size_t i;

	cr_assert_eq(guest_mem_alloc(&m, 5 * GiB), 0);
	for (i = 0; i < ARRAY_SIZE(gpa); i++)
		cr_assert_eq(guest_mem_write(&m, gpa[i], &v, 8), 0);
	guest_mem_clear(&m);
	for (i = 0; i < ARRAY_SIZE(gpa); i++) {
		cr_assert_eq(guest_mem_read(&m, gpa[i], &r, 8), 0);
		cr_assert_eq(r, 0, "0x%llx kept its value",
			     (unsigned long long)gpa[i]);
	}
	guest_mem_free(&m);
}

Test(guest_mem, clear_memsets_ram_it_does_not_own)
{
	u32 v = 0xffffffff, r = 1;

	cr_assert_eq(guest_mem_write(&mem, 0x100000, &v, 4), 0);
	guest_mem_clear(&mem);
	cr_assert_eq(guest_mem_read(&mem, 0x100000, &r, 4), 0);
	cr_assert_eq(r, 0);
}

/*
 * Shared RAM: the same split, one memfd behind both regions at offsets
 * that follow each other, and the pages really are the file's (a write
 * through the mapping is seen by pread on the fd, as a backend would).
 */
Test(guest_mem_alloc, shared_split_maps_one_memfd)
{
	u64 low = LAYOUT_PCI_HOLE_START, got = 0, v = 0x5a5a1234;
	struct guest_mem m;
	struct stat st;

	cr_assert_eq(guest_mem_alloc_shared(&m, 5 * GiB), 0);
	cr_assert_eq(m.nr, 2);
	cr_assert_geq(m.memfd, 0);
	cr_assert_eq(m.region[0].fd, m.memfd);
	cr_assert_eq(m.region[1].fd, m.memfd);
	cr_assert_eq(m.region[0].fd_offset, 0);
	cr_assert_eq(m.region[1].fd_offset, low);
	cr_assert_eq(m.region[1].gpa, LAYOUT_HIGH_RAM_START);
	cr_assert_eq(fstat(m.memfd, &st), 0);
	cr_assert_eq((u64)st.st_size, 5 * GiB);
	cr_assert_eq(guest_mem_write(&m, LAYOUT_HIGH_RAM_START + 8, &v, 8), 0);
	cr_assert_eq(pread(m.memfd, &got, 8, low + 8), 8);
	cr_assert_eq(got, v);
	guest_mem_free(&m);
}

Test(guest_mem_alloc, private_ram_has_no_fd)
{
	struct guest_mem m;

	cr_assert_eq(guest_mem_alloc(&m, 32 * MiB), 0);
	cr_assert_eq(m.memfd, -1);
	cr_assert_eq(m.region[0].fd, -1);
	guest_mem_free(&m);
}

/* A restart clears shared RAM for the back-end too: the file is zero. */
Test(guest_mem_alloc, clear_zeroes_shared_ram_in_the_file)
{
	u64 v = 0x77, got = 1, low = LAYOUT_PCI_HOLE_START;
	struct guest_mem m;

	cr_assert_eq(guest_mem_alloc_shared(&m, 5 * GiB), 0);
	cr_assert_eq(guest_mem_write(&m, 0x2000, &v, 8), 0);
	cr_assert_eq(guest_mem_write(&m, LAYOUT_HIGH_RAM_START, &v, 8), 0);
	guest_mem_clear(&m);
	cr_assert_eq(pread(m.memfd, &got, 8, 0x2000), 8);
	cr_assert_eq(got, 0);
	cr_assert_eq(pread(m.memfd, &got, 8, low), 8);
	cr_assert_eq(got, 0);
	cr_assert_eq(guest_mem_read(&m, 0x2000, &got, 8), 0);
	cr_assert_eq(got, 0);
	guest_mem_free(&m);
}
