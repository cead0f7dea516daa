// SPDX-License-Identifier: MIT
/*
 * virtio-blk request parsing (virtio/blk/blk_req.c) on hand-made chains:
 * every malformed shape gets the status the spec asks for, or -EIO
 * (NEEDS_RESET) when there is no status byte to write.
 */
#include <criterion/criterion.h>
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "virtio/blk/blk_req.h"

#define POOL_SIZE (4 * MiB)

struct builder {
	struct vq_chain c;
	u8 *pool;
	size_t used;
};

static struct builder *b;
static const struct blk_limits lim = {
	.capacity = 100,
	.discard = true,
	.write_zeroes = true,
};

static void setup(void)
{
	b = calloc(1, sizeof(*b));
	b->pool = calloc(1, POOL_SIZE);
}

static void teardown(void)
{
	free(b->pool);
	free(b);
}

TestSuite(blk_req, .init = setup, .fini = teardown);

/* Append a segment; out (readable) ones must come before in ones. */
static u8 *seg(size_t len, bool in)
{
	u8 *p = b->pool + b->used;
	struct vq_chain *c = &b->c;

	cr_assert_leq(b->used + len, POOL_SIZE);
	cr_assert(in || c->nr_in == 0, "test bug: out after in");
	b->used += ALIGN_UP(len, 16) + 16;
	c->iov[c->nr_out + c->nr_in] = (struct iovec){ p, len };
	if (in) {
		c->nr_in++;
		c->in_len += len;
	} else {
		c->nr_out++;
		c->out_len += len;
	}
	return p;
}

static u8 *hdr(u32 type, u64 sector)
{
	u8 *p = seg(BLK_HDR_LEN, false);
	u32 t = htole32(type);
	u64 s = htole64(sector);

	memcpy(p, &t, 4);
	memcpy(p + 8, &s, 8);
	return p;
}

static void range(u64 sector, u32 num, u32 flags)
{
	u8 *p = seg(16, false);
	u64 s = htole64(sector);
	u32 n = htole32(num), f = htole32(flags);

	memcpy(p, &s, 8);
	memcpy(p + 8, &n, 4);
	memcpy(p + 12, &f, 4);
}

static struct blk_req parse_ok(const struct blk_limits *l)
{
	struct blk_req r;

	cr_assert_eq(blk_req_parse(&b->c, l, &r), 0);
	return r;
}

static void expect_status(const struct blk_limits *l, u8 status)
{
	struct blk_req r = parse_ok(l);

	cr_assert_eq(r.action, BLK_ACT_STATUS, "action %d, want a status",
		     r.action);
	cr_assert_eq(r.status, status, "status %u, want %u", r.status, status);
}

Test(blk_req, read_parses)
{
	u8 *data, *status;
	struct iovec iov[4];
	struct blk_req r;

	hdr(VIRTIO_BLK_T_IN, 7);
	data = seg(1024, true);
	status = seg(1, true);
	r = parse_ok(&lim);
	cr_assert_eq(r.action, BLK_ACT_DISK);
	cr_assert_eq(r.op, DISK_OP_READ);
	cr_assert_eq(r.offset, 7 * 512);
	cr_assert_eq(r.len, 1024);
	cr_assert_eq(r.status_ptr, status);
	cr_assert_eq(blk_req_data_iov(&b->c, &r, iov, 4), 1);
	cr_assert_eq(iov[0].iov_base, data);
	cr_assert_eq(iov[0].iov_len, 1024);
}

Test(blk_req, write_with_header_and_data_in_one_segment)
{
	u8 *p = seg(BLK_HDR_LEN + 512, false);
	struct iovec iov[2];
	struct blk_req r;

	p[0] = VIRTIO_BLK_T_OUT;
	p[8] = 3;
	seg(1, true);
	r = parse_ok(&lim);
	cr_assert_eq(r.op, DISK_OP_WRITE);
	cr_assert_eq(r.offset, 3 * 512);
	cr_assert_eq(blk_req_data_iov(&b->c, &r, iov, 2), 1);
	cr_assert_eq(iov[0].iov_base, p + BLK_HDR_LEN);
	cr_assert_eq(iov[0].iov_len, 512);
}

Test(blk_req, status_byte_shares_the_data_segment)
{
	u8 *p;
	struct blk_req r;

	hdr(VIRTIO_BLK_T_IN, 0);
	p = seg(513, true);
	r = parse_ok(&lim);
	cr_assert_eq(r.len, 512);
	cr_assert_eq(r.status_ptr, p + 512);
}

Test(blk_req, header_split_over_segments)
{
	u8 *a = seg(4, false), *c;
	struct blk_req r;

	a[0] = VIRTIO_BLK_T_IN;
	seg(4, false);
	c = seg(8, false);
	c[0] = 5;
	seg(512, true);
	seg(1, true);
	r = parse_ok(&lim);
	cr_assert_eq(r.op, DISK_OP_READ);
	cr_assert_eq(r.offset, 5 * 512);
}

Test(blk_req, short_header_is_ioerr)
{
	seg(8, false);
	seg(512, true);
	seg(1, true);
	expect_status(&lim, VIRTIO_BLK_S_IOERR);
}

Test(blk_req, header_in_writable_buffer_is_ioerr)
{
	seg(BLK_HDR_LEN, true);
	seg(1, true);
	expect_status(&lim, VIRTIO_BLK_S_IOERR);
}

Test(blk_req, no_status_byte_needs_reset)
{
	struct blk_req r;

	hdr(VIRTIO_BLK_T_IN, 0);
	seg(1, false); /* the "status" is device-readable */
	cr_assert_eq(blk_req_parse(&b->c, &lim, &r), -EIO);
}

Test(blk_req, only_empty_writable_segments_need_reset)
{
	struct blk_req r;

	hdr(VIRTIO_BLK_T_FLUSH, 0);
	seg(0, true);
	cr_assert_eq(blk_req_parse(&b->c, &lim, &r), -EIO);
}

Test(blk_req, read_into_readonly_buffer_is_ioerr)
{
	hdr(VIRTIO_BLK_T_IN, 0);
	seg(512, false); /* device must write here: refused */
	seg(1, true);
	expect_status(&lim, VIRTIO_BLK_S_IOERR);
}

Test(blk_req, write_from_writable_buffer_is_ioerr)
{
	hdr(VIRTIO_BLK_T_OUT, 0);
	seg(512, true);
	seg(1, true);
	expect_status(&lim, VIRTIO_BLK_S_IOERR);
}

Test(blk_req, partial_sector_is_ioerr)
{
	hdr(VIRTIO_BLK_T_IN, 0);
	seg(100, true);
	seg(1, true);
	expect_status(&lim, VIRTIO_BLK_S_IOERR);
}

Test(blk_req, zero_length_read_is_ioerr)
{
	hdr(VIRTIO_BLK_T_IN, 0);
	seg(1, true);
	expect_status(&lim, VIRTIO_BLK_S_IOERR);
}

Test(blk_req, last_sector_ok)
{
	struct blk_req r;

	hdr(VIRTIO_BLK_T_IN, 99);
	seg(512, true);
	seg(1, true);
	r = parse_ok(&lim);
	cr_assert_eq(r.action, BLK_ACT_DISK);
	cr_assert_eq(r.offset, 99 * 512);
}

Test(blk_req, sector_beyond_capacity_is_ioerr)
{
	hdr(VIRTIO_BLK_T_IN, 100);
	seg(512, true);
	seg(1, true);
	expect_status(&lim, VIRTIO_BLK_S_IOERR);
}

Test(blk_req, request_crossing_the_end_is_ioerr)
{
	hdr(VIRTIO_BLK_T_OUT, 99);
	seg(1024, false);
	seg(1, true);
	expect_status(&lim, VIRTIO_BLK_S_IOERR);
}

Test(blk_req, huge_sector_does_not_wrap)
{
	hdr(VIRTIO_BLK_T_IN, UINT64_MAX - 1);
	seg(1024, true);
	seg(1, true);
	expect_status(&lim, VIRTIO_BLK_S_IOERR);
}

Test(blk_req, readonly_refuses_write)
{
	struct blk_limits ro = lim;

	ro.readonly = true;
	hdr(VIRTIO_BLK_T_OUT, 0);
	seg(512, false);
	seg(1, true);
	expect_status(&ro, VIRTIO_BLK_S_IOERR);
}

Test(blk_req, readonly_allows_read)
{
	struct blk_limits ro = lim;

	ro.readonly = true;
	hdr(VIRTIO_BLK_T_IN, 0);
	seg(512, true);
	seg(1, true);
	cr_assert_eq(parse_ok(&ro).op, DISK_OP_READ);
}

Test(blk_req, unsupported_type)
{
	hdr(10, 0); /* GET_LIFETIME: not offered */
	seg(1, true);
	expect_status(&lim, VIRTIO_BLK_S_UNSUPP);
}

Test(blk_req, unknown_type)
{
	hdr(0x7fffffff, 0);
	seg(512, true);
	seg(1, true);
	expect_status(&lim, VIRTIO_BLK_S_UNSUPP);
}

Test(blk_req, get_id)
{
	struct blk_req r;
	u8 *status;

	hdr(VIRTIO_BLK_T_GET_ID, 0);
	seg(BLK_ID_LEN, true);
	status = seg(1, true);
	r = parse_ok(&lim);
	cr_assert_eq(r.action, BLK_ACT_GET_ID);
	cr_assert_eq(r.len, BLK_ID_LEN);
	cr_assert_eq(r.status_ptr, status);
}

Test(blk_req, get_id_short_buffer)
{
	hdr(VIRTIO_BLK_T_GET_ID, 0);
	seg(8, true);
	seg(1, true);
	cr_assert_eq(parse_ok(&lim).len, 8);
}

Test(blk_req, get_id_without_buffer_is_ioerr)
{
	hdr(VIRTIO_BLK_T_GET_ID, 0);
	seg(1, true);
	expect_status(&lim, VIRTIO_BLK_S_IOERR);
}

Test(blk_req, flush)
{
	hdr(VIRTIO_BLK_T_FLUSH, 0);
	seg(1, true);
	cr_assert_eq(parse_ok(&lim).op, DISK_OP_FLUSH);
}

Test(blk_req, discard_parses)
{
	struct blk_req r;

	hdr(VIRTIO_BLK_T_DISCARD, 0);
	range(10, 20, 0);
	seg(1, true);
	r = parse_ok(&lim);
	cr_assert_eq(r.action, BLK_ACT_DISK);
	cr_assert_eq(r.op, DISK_OP_DISCARD);
	cr_assert_eq(r.offset, 10 * 512);
	cr_assert_eq(r.len, 20 * 512);
}

Test(blk_req, discard_out_of_bounds_is_ioerr)
{
	hdr(VIRTIO_BLK_T_DISCARD, 0);
	range(90, 11, 0);
	seg(1, true);
	expect_status(&lim, VIRTIO_BLK_S_IOERR);
}

Test(blk_req, discard_wrapping_sector_is_ioerr)
{
	hdr(VIRTIO_BLK_T_DISCARD, 0);
	range(UINT64_MAX, 2, 0);
	seg(1, true);
	expect_status(&lim, VIRTIO_BLK_S_IOERR);
}

Test(blk_req, discard_zero_sectors_is_ioerr)
{
	hdr(VIRTIO_BLK_T_DISCARD, 0);
	range(0, 0, 0);
	seg(1, true);
	expect_status(&lim, VIRTIO_BLK_S_IOERR);
}

Test(blk_req, discard_two_ranges_is_ioerr)
{
	hdr(VIRTIO_BLK_T_DISCARD, 0);
	range(0, 1, 0);
	range(2, 1, 0);
	seg(1, true);
	expect_status(&lim, VIRTIO_BLK_S_IOERR);
}

Test(blk_req, discard_partial_range_is_ioerr)
{
	hdr(VIRTIO_BLK_T_DISCARD, 0);
	seg(8, false);
	seg(1, true);
	expect_status(&lim, VIRTIO_BLK_S_IOERR);
}

Test(blk_req, discard_with_unmap_is_unsupp)
{
	hdr(VIRTIO_BLK_T_DISCARD, 0);
	range(0, 1, VIRTIO_BLK_WZ_F_UNMAP);
	seg(1, true);
	expect_status(&lim, VIRTIO_BLK_S_UNSUPP);
}

Test(blk_req, discard_not_negotiated_is_unsupp)
{
	struct blk_limits l = lim;

	l.discard = false;
	hdr(VIRTIO_BLK_T_DISCARD, 0);
	range(0, 1, 0);
	seg(1, true);
	expect_status(&l, VIRTIO_BLK_S_UNSUPP);
}

Test(blk_req, discard_readonly_is_ioerr)
{
	struct blk_limits l = lim;

	l.readonly = true;
	l.discard = false; /* not even offered: still IOERR */
	hdr(VIRTIO_BLK_T_DISCARD, 0);
	range(0, 1, 0);
	seg(1, true);
	expect_status(&l, VIRTIO_BLK_S_IOERR);
}

Test(blk_req, write_zeroes_unmap)
{
	struct blk_req r;

	hdr(VIRTIO_BLK_T_WRITE_ZEROES, 0);
	range(4, 8, VIRTIO_BLK_WZ_F_UNMAP);
	seg(1, true);
	r = parse_ok(&lim);
	cr_assert_eq(r.op, DISK_OP_WRITE_ZEROES);
	cr_assert(r.unmap);
	cr_assert_eq(r.len, 8 * 512);
}

Test(blk_req, write_zeroes_unknown_flag_is_unsupp)
{
	hdr(VIRTIO_BLK_T_WRITE_ZEROES, 0);
	range(4, 8, 2);
	seg(1, true);
	expect_status(&lim, VIRTIO_BLK_S_UNSUPP);
}

Test(blk_req, data_iov_skips_header_and_empty_segments)
{
	struct iovec iov[4];
	struct blk_req r;
	u8 *d1, *d2;

	hdr(VIRTIO_BLK_T_OUT, 0);
	d1 = seg(512, false);
	seg(0, false);
	d2 = seg(1024, false);
	seg(1, true);
	r = parse_ok(&lim);
	cr_assert_eq(r.len, 1536);
	cr_assert_eq(blk_req_data_iov(&b->c, &r, iov, 4), 2);
	cr_assert_eq(iov[0].iov_base, d1);
	cr_assert_eq(iov[1].iov_base, d2);
	cr_assert_eq(iov[1].iov_len, 1024);
	cr_assert_eq(blk_req_data_iov(&b->c, &r, iov, 1), -EINVAL);
}

Test(blk_req, oversized_segment_is_refused)
{
	struct iovec iov[2];
	struct blk_req r;

	hdr(VIRTIO_BLK_T_IN, 0);
	seg(BLK_SIZE_MAX + 512, true);
	seg(1, true);
	r = parse_ok(&(struct blk_limits){ .capacity = 1 << 20 });
	cr_assert_eq(r.action, BLK_ACT_DISK);
	cr_assert_eq(blk_req_data_iov(&b->c, &r, iov, 2), -EINVAL);
}
