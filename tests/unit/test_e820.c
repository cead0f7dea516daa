// SPDX-License-Identifier: MIT
/*
 * Unit tests of the e820 map built from guest RAM regions.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>

#include "firmware/boot/e820.h"
#include "vmm/core/layout.h"

#define LOW_HOLE (LAYOUT_HIMEM_START - LAYOUT_EBDA_START)

static struct e820_entry map[E820_MAX_ENTRIES];

static int build(u64 size, struct guest_mem *mem)
{
	cr_assert_eq(guest_mem_alloc(mem, size), 0);
	return e820_build(mem, map, ARRAY_SIZE(map));
}

static bool overlaps(const struct e820_entry *e, u64 start, u64 end)
{
	return e->addr < end && start < e->addr + e->size;
}

static const struct e820_entry *find(int n, u64 addr, u32 type)
{
	int i;

	for (i = 0; i < n; i++)
		if (map[i].addr == addr && map[i].type == type)
			return &map[i];
	return NULL;
}

/* The invariants every map must keep, whatever the size. */
static void check_map(int n, u64 size)
{
	u64 ram = 0;
	int i;

	cr_assert_gt(n, 0);
	for (i = 0; i < n; i++) {
		cr_assert_gt(map[i].size, 0, "entry %d empty", i);
		cr_assert(map[i].type == E820_RAM ||
			  map[i].type == E820_RESERVED);
		if (i)
			cr_assert_geq(map[i].addr,
				      map[i - 1].addr + map[i - 1].size,
				      "entry %d not sorted or overlaps", i);
		if (map[i].type != E820_RAM)
			continue;
		ram += map[i].size;
		cr_assert_not(overlaps(&map[i], LAYOUT_PCI_HOLE_START,
				       LAYOUT_HIGH_RAM_START),
			      "RAM in the PCI hole");
		cr_assert_not(overlaps(&map[i], LAYOUT_EBDA_START,
				       LAYOUT_HIMEM_START),
			      "RAM in the EBDA");
	}
	cr_assert_eq(ram, size - LOW_HOLE, "RAM %llx", (unsigned long long)ram);
	cr_assert_not_null(find(n, 0, E820_RAM));
	cr_assert_eq(find(n, 0, E820_RAM)->size, LAYOUT_EBDA_START);
	cr_assert_not_null(find(n, LAYOUT_EBDA_START, E820_RESERVED));
	cr_assert_not_null(find(n, LAYOUT_HIMEM_START, E820_RAM));
	cr_assert_not_null(find(n, LAYOUT_PCI_ECAM_START, E820_RESERVED),
			   "the MCFG window must be reserved");
	cr_assert_eq(find(n, LAYOUT_PCI_ECAM_START, E820_RESERVED)->size,
		     LAYOUT_PCI_ECAM_SIZE);
}

Test(e820, mem_128m)
{
	struct guest_mem mem;
	int n = build(128ULL << 20, &mem);

	check_map(n, 128ULL << 20);
	cr_assert_eq(n, 4);
	cr_assert_eq(find(n, LAYOUT_HIMEM_START, E820_RAM)->size,
		     (128ULL << 20) - LAYOUT_HIMEM_START);
	guest_mem_free(&mem);
}

Test(e820, mem_3g)
{
	struct guest_mem mem;
	int n = build(3ULL << 30, &mem);

	check_map(n, 3ULL << 30);
	cr_assert_eq(n, 4, "3 GiB fits below the hole: no high RAM");
	cr_assert_eq(find(n, LAYOUT_HIMEM_START, E820_RAM)->size,
		     LAYOUT_PCI_HOLE_START - LAYOUT_HIMEM_START);
	guest_mem_free(&mem);
}

Test(e820, mem_5g)
{
	struct guest_mem mem;
	int n = build(5ULL << 30, &mem);

	check_map(n, 5ULL << 30);
	cr_assert_eq(n, 5);
	cr_assert_not_null(find(n, LAYOUT_HIGH_RAM_START, E820_RAM));
	cr_assert_eq(find(n, LAYOUT_HIGH_RAM_START, E820_RAM)->size,
		     (5ULL << 30) - LAYOUT_PCI_HOLE_START);
	guest_mem_free(&mem);
}

Test(e820, too_small_output)
{
	struct guest_mem mem;

	cr_assert_eq(guest_mem_alloc(&mem, 5ULL << 30), 0);
	cr_assert_eq(e820_build(&mem, map, 4), -ENOSPC);
	guest_mem_free(&mem);
}

Test(e820, regions_out_of_order)
{
	struct guest_mem mem = { 0 };
	void *a = calloc(1, 4096), *b = calloc(1, 2 << 20);
	int n;

	/* A high region added first must still come out sorted. */
	cr_assert_eq(guest_mem_add(&mem, 0x200000, 4096, a), 0);
	cr_assert_eq(guest_mem_add(&mem, 0, 2 << 20, b), 0);
	n = e820_build(&mem, map, ARRAY_SIZE(map));
	cr_assert_eq(n, 5);
	cr_assert_eq(map[0].addr, 0);
	cr_assert_eq(map[1].addr, LAYOUT_EBDA_START);
	cr_assert_eq(map[2].addr, LAYOUT_HIMEM_START);
	cr_assert_eq(map[2].size, 1 << 20);
	cr_assert_eq(map[3].addr, 0x200000);
	cr_assert_eq(map[4].addr, LAYOUT_PCI_ECAM_START);
	free(a);
	free(b);
}
