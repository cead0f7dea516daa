// SPDX-License-Identifier: MIT
/* The snapshot state file: sections, header, CRC, and hostile files. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/snapshot/snap_file.h"

/* A small state image: three sections, one of odd length. */
static u8 *build(size_t *len)
{
	struct snap_writer w;
	u64 clock = 42;
	u8 *copy;

	snap_writer_init(&w);
	snap_add(&w, SNAP_MACHINE, 0, "{\"x\":1}", 7);
	snap_add(&w, SNAP_CLOCK, 0, &clock, sizeof(clock));
	snap_add(&w, SNAP_VCPU_REGS, 3, "abc", 3);
	cr_assert_eq(snap_writer_finish(&w, 1 << 20), 0);
	copy = malloc(w.len);
	memcpy(copy, w.buf, w.len);
	*len = w.len;
	snap_writer_free(&w);
	return copy;
}

static int parse(u8 *buf, size_t len, struct snap_reader *r, struct err *e)
{
	memset(e, 0, sizeof(*e));
	return snap_parse(r, buf, len, e);
}

Test(snap_file, round_trip_finds_each_section_by_type_index_and_size)
{
	struct snap_reader r;
	struct err e;
	size_t len;
	u8 *buf = build(&len);
	const u64 *clock;
	u64 size;

	cr_assert_eq(len % 8, 0, "sections are padded to 8 bytes");
	cr_assert_eq(parse(buf, len, &r, &e), 0, "%s", e.msg);
	cr_assert_eq(r.memory_size, 1 << 20);
	clock = snap_get(&r, SNAP_CLOCK, 0, sizeof(*clock));
	cr_assert(clock && *clock == 42);
	cr_assert_null(snap_get(&r, SNAP_CLOCK, 0, 4), "wrong size: not found");
	cr_assert_null(snap_get(&r, SNAP_CLOCK, 1, 8), "wrong index");
	cr_assert(!memcmp(snap_find(&r, SNAP_VCPU_REGS, 3, &size), "abc", 3));
	cr_assert_eq(size, 3);
	snap_reader_free(&r);
}

Test(snap_file, a_flipped_byte_is_a_checksum_mismatch)
{
	struct snap_reader r;
	struct err e;
	size_t len;
	u8 *buf = build(&len);

	buf[len - 12] ^= 1;
	cr_assert_eq(parse(buf, len, &r, &e), -EINVAL);
	cr_assert_eq(e.class, ERR_INPUT);
	cr_assert(strstr(e.msg, "checksum"), "%s", e.msg);
	snap_reader_free(&r);
}

Test(snap_file, the_version_is_named_before_the_checksum)
{
	struct snap_reader r;
	struct err e;
	size_t len;
	u8 *buf = build(&len);
	u32 v = 7;

	memcpy(buf + 8, &v, 4);
	cr_assert_eq(parse(buf, len, &r, &e), -EINVAL);
	cr_assert(strstr(e.msg, "version 7"), "%s", e.msg);
	snap_reader_free(&r);
}

Test(snap_file, truncation_magic_and_garbage_are_refused)
{
	struct snap_reader r;
	struct err e;
	size_t len;
	u8 *buf = build(&len);

	cr_assert_eq(parse(buf, len - 8, &r, &e), -EINVAL);
	cr_assert(strstr(e.msg, "truncated"), "%s", e.msg);
	r.buf = NULL; /* still ours */
	snap_reader_free(&r);
	buf[0] = 'X';
	cr_assert_eq(parse(buf, len, &r, &e), -EINVAL);
	cr_assert(strstr(e.msg, "not a squeeze snapshot"), "%s", e.msg);
	snap_reader_free(&r);
	buf = calloc(1, 10);
	cr_assert_eq(parse(buf, 10, &r, &e), -EINVAL);
	snap_reader_free(&r);
}

/* A section whose size runs past the end, with a valid CRC over it. */
Test(snap_file, a_section_past_the_end_is_refused_even_with_a_good_crc)
{
	struct snap_writer w;
	struct snap_reader r;
	struct snap_section s;
	struct err e;
	u8 *buf;

	snap_writer_init(&w);
	snap_add(&w, SNAP_CLOCK, 0, "12345678", 8);
	memcpy(&s, w.buf + sizeof(struct snap_header), sizeof(s));
	s.size = 1 << 20;
	memcpy(w.buf + sizeof(struct snap_header), &s, sizeof(s));
	cr_assert_eq(snap_writer_finish(&w, 0), 0);
	buf = malloc(w.len);
	memcpy(buf, w.buf, w.len);
	cr_assert_eq(parse(buf, w.len, &r, &e), -EINVAL);
	cr_assert(strstr(e.msg, "past"), "%s", e.msg);
	snap_reader_free(&r);
	snap_writer_free(&w);
}
