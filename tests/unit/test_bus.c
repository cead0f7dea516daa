// SPDX-License-Identifier: MIT
/*
 * Unit tests of the port/MMIO bus: dispatch offsets, overlap refusal,
 * unclaimed accesses.
 */
#include <criterion/criterion.h>
#include <errno.h>

#include "vmm/core/bus.h"

struct reg {
	u64 last_off;
	u32 last_len;
	u32 value;
};

static void reg_read(void *opaque, u64 off, void *data, u32 len)
{
	struct reg *r = opaque;

	r->last_off = off;
	r->last_len = len;
	memcpy(data, &r->value, len < 4 ? len : 4);
}

static void reg_write(void *opaque, u64 off, const void *data, u32 len)
{
	struct reg *r = opaque;

	r->last_off = off;
	r->last_len = len;
	memcpy(&r->value, data, len < 4 ? len : 4);
}

static const struct io_ops reg_ops = { .read = reg_read, .write = reg_write };

Test(bus, dispatch_relative_offset)
{
	struct bus bus;
	struct reg a = { .value = 0xabcd }, b = { 0 };
	u32 v = 0;

	bus_init(&bus, "test");
	cr_assert_eq(bus_register(&bus, 0x3f8, 8, &reg_ops, &a), 0);
	cr_assert_eq(bus_register(&bus, 0x60, 1, &reg_ops, &b), 0);
	cr_assert(bus_read(&bus, 0x3fa, &v, 2));
	cr_assert_eq(a.last_off, 2);
	cr_assert_eq(v, 0xabcd);
	v = 7;
	cr_assert(bus_write(&bus, 0x60, &v, 1));
	cr_assert_eq(b.value, 7);
	bus_destroy(&bus);
}

Test(bus, overlap_refused)
{
	struct bus bus;
	struct reg a;

	bus_init(&bus, "test");
	cr_assert_eq(bus_register(&bus, 0x1000, 0x100, &reg_ops, &a), 0);
	cr_assert_eq(bus_register(&bus, 0x10ff, 1, &reg_ops, &a), -EEXIST);
	cr_assert_eq(bus_register(&bus, 0xf00, 0x101, &reg_ops, &a), -EEXIST);
	cr_assert_eq(bus_register(&bus, 0x0, 0, &reg_ops, &a), -EINVAL);
	cr_assert_eq(bus_register(&bus, ~0ULL, 2, &reg_ops, &a), -EINVAL);
	cr_assert_eq(bus_register(&bus, 0x1100, 0x10, &reg_ops, &a), 0);
	bus_destroy(&bus);
}

Test(bus, unclaimed_reads_all_ones_and_counts)
{
	struct bus bus;
	struct reg a;
	u64 v = 0;

	bus_init(&bus, "test");
	cr_assert_eq(bus_register(&bus, 0x1000, 4, &reg_ops, &a), 0);
	cr_assert_not(bus_read(&bus, 0x2000, &v, 8));
	cr_assert_eq(v, ~0ULL);
	/* Starts inside the range but runs past its end. */
	cr_assert_not(bus_read(&bus, 0x1002, &v, 4));
	cr_assert_not(bus_write(&bus, 0x5, &v, 1));
	cr_assert_eq(bus.unhandled, 3);
	bus_destroy(&bus);
}

Test(bus, unregister_then_reuse)
{
	struct bus bus;
	struct reg a, b;

	bus_init(&bus, "test");
	cr_assert_eq(bus_register(&bus, 0xc0000000, 0x4000, &reg_ops, &a), 0);
	cr_assert_eq(bus_unregister(&bus, 0xc0000000, &b), -ENOENT);
	cr_assert_eq(bus_unregister(&bus, 0xc0000000, &a), 0);
	cr_assert_eq(bus_register(&bus, 0xc0000000, 0x4000, &reg_ops, &b), 0);
	bus_destroy(&bus);
}
