// SPDX-License-Identifier: MIT
/*
 * virtio-blk request parsing. A request is a 16-byte header the device
 * reads, data, and a status byte the device writes: the last byte of the
 * chain (virtio 1.2 section 5.2.6).
 *
 * What we do with a malformed request:
 *  - no device-writable byte at the end of the chain: there is nowhere to
 *    put a status, so the driver could never learn the request failed;
 *    the caller marks the device NEEDS_RESET (section 2.1.2).
 *  - a status byte exists but the rest is wrong (header shorter than 16
 *    bytes, data on the wrong side, a length that is no multiple of 512,
 *    a sector past the end): VIRTIO_BLK_S_IOERR, so a buggy request fails
 *    alone and the device keeps serving the others.
 *  - an unknown type, or discard/write-zeroes not negotiated, or flags we
 *    do not know: VIRTIO_BLK_S_UNSUPP (section 5.2.6).
 *  - on a read-only disk every write, discard and write-zeroes request:
 *    VIRTIO_BLK_S_IOERR, before any other check (section 5.2.6).
 */
#include <endian.h>
#include <errno.h>
#include <string.h>

#include "virtio/blk/blk_req.h"
#include "vmm/base/iov.h"

struct blk_outhdr {
	u32 type;
	u32 ioprio;
	u64 sector;
} __packed;

struct blk_range {
	u64 sector;
	u32 num_sectors;
	u32 flags;
} __packed;

/* The last non-empty device-writable segment holds the status byte. */
static u8 *blk_status_ptr(const struct vq_chain *c)
{
	unsigned int i = c->nr_out + c->nr_in;

	while (i > c->nr_out) {
		const struct iovec *v = &c->iov[--i];

		if (v->iov_len)
			return (u8 *)v->iov_base + v->iov_len - 1;
	}
	return NULL;
}

static void blk_fail(struct blk_req *r, u8 status)
{
	r->action = BLK_ACT_STATUS;
	r->status = status;
}

/* Is [sector, sector + bytes / 512) inside the disk? Overflow-safe. */
static bool blk_in_range(const struct blk_limits *lim, u64 sector, u64 bytes)
{
	return sector <= lim->capacity &&
	       bytes / BLK_SECTOR <= lim->capacity - sector;
}

static void blk_parse_rw(const struct vq_chain *c, const struct blk_limits *lim,
			 const struct blk_outhdr *h, struct blk_req *r)
{
	bool in = h->type == VIRTIO_BLK_T_IN;
	/* The in side ends with the status byte; out starts with the header. */
	u64 len = in ? c->in_len - 1 : c->out_len - BLK_HDR_LEN;

	/* Data on the other side would be read where we write, or back. */
	if ((in && c->out_len != BLK_HDR_LEN) || (!in && c->in_len != 1))
		return blk_fail(r, VIRTIO_BLK_S_IOERR);
	if (len == 0 || len % BLK_SECTOR ||
	    len > (u64)BLK_SEG_MAX * BLK_SIZE_MAX)
		return blk_fail(r, VIRTIO_BLK_S_IOERR);
	if (!blk_in_range(lim, h->sector, len))
		return blk_fail(r, VIRTIO_BLK_S_IOERR);
	if (!in && lim->readonly)
		return blk_fail(r, VIRTIO_BLK_S_IOERR);
	r->action = BLK_ACT_DISK;
	r->op = in ? DISK_OP_READ : DISK_OP_WRITE;
	r->offset = h->sector * BLK_SECTOR;
	r->len = len;
	r->data_in = in;
	r->data_skip = in ? 0 : BLK_HDR_LEN;
}

static void blk_parse_range(const struct vq_chain *c,
			    const struct blk_limits *lim, u32 type,
			    struct blk_req *r)
{
	bool discard = type == VIRTIO_BLK_T_DISCARD;
	u64 data = c->out_len - BLK_HDR_LEN;
	struct blk_range seg;

	/* Read-only first: like a write, whether negotiated or not (5.2.6). */
	if (lim->readonly)
		return blk_fail(r, VIRTIO_BLK_S_IOERR);
	if (discard ? !lim->discard : !lim->write_zeroes)
		return blk_fail(r, VIRTIO_BLK_S_UNSUPP);
	if (c->in_len != 1 || data == 0 || data % sizeof(seg) ||
	    data / sizeof(seg) > BLK_DISCARD_SEG_MAX)
		return blk_fail(r, VIRTIO_BLK_S_IOERR);
	if (vq_copy_from_out(c, BLK_HDR_LEN, &seg, sizeof(seg)) != sizeof(seg))
		return blk_fail(r, VIRTIO_BLK_S_IOERR);
	seg.sector = le64toh(seg.sector);
	seg.num_sectors = le32toh(seg.num_sectors);
	seg.flags = le32toh(seg.flags);
	/* Unknown flags, and unmap on a discard, are unsupported (5.2.6). */
	if (seg.flags & ~VIRTIO_BLK_WZ_F_UNMAP ||
	    (discard && seg.flags & VIRTIO_BLK_WZ_F_UNMAP))
		return blk_fail(r, VIRTIO_BLK_S_UNSUPP);
	if (seg.num_sectors == 0 || seg.num_sectors > BLK_DISCARD_SECTORS_MAX ||
	    !blk_in_range(lim, seg.sector, seg.num_sectors * BLK_SECTOR))
		return blk_fail(r, VIRTIO_BLK_S_IOERR);
	r->action = BLK_ACT_DISK;
	r->op = discard ? DISK_OP_DISCARD : DISK_OP_WRITE_ZEROES;
	r->offset = seg.sector * BLK_SECTOR;
	r->len = seg.num_sectors * BLK_SECTOR;
	r->unmap = seg.flags & VIRTIO_BLK_WZ_F_UNMAP;
}

int blk_req_parse(const struct vq_chain *c, const struct blk_limits *lim,
		  struct blk_req *r)
{
	struct blk_outhdr h;

	memset(r, 0, sizeof(*r));
	r->status_ptr = blk_status_ptr(c);
	if (!r->status_ptr)
		return -EIO;
	if (c->out_len < BLK_HDR_LEN ||
	    vq_copy_from_out(c, 0, &h, sizeof(h)) != sizeof(h)) {
		blk_fail(r, VIRTIO_BLK_S_IOERR);
		return 0;
	}
	r->type = h.type = le32toh(h.type);
	h.sector = le64toh(h.sector);
	switch (h.type) {
	case VIRTIO_BLK_T_IN:
	case VIRTIO_BLK_T_OUT:
		blk_parse_rw(c, lim, &h, r);
		break;
	case VIRTIO_BLK_T_FLUSH:
		r->action = BLK_ACT_DISK;
		r->op = DISK_OP_FLUSH;
		break;
	case VIRTIO_BLK_T_GET_ID:
		if (c->in_len < 2)
			blk_fail(r, VIRTIO_BLK_S_IOERR);
		else
			r->action = BLK_ACT_GET_ID;
		r->data_in = true;
		r->len = MIN(c->in_len - 1, BLK_ID_LEN);
		break;
	case VIRTIO_BLK_T_DISCARD:
	case VIRTIO_BLK_T_WRITE_ZEROES:
		blk_parse_range(c, lim, h.type, r);
		break;
	default:
		blk_fail(r, VIRTIO_BLK_S_UNSUPP);
		break;
	}
	return 0;
}

int blk_req_data_iov(const struct vq_chain *c, const struct blk_req *r,
		     struct iovec *dst, int max)
{
	const struct iovec *v = c->iov + (r->data_in ? c->nr_out : 0);
	int n = r->data_in ? c->nr_in : c->nr_out, cnt, i;

	cnt = iov_slice(v, n, r->data_skip, r->len, dst, max);
	for (i = 0; i < cnt; i++)
		if (dst[i].iov_len > BLK_SIZE_MAX)
			return -EINVAL;
	return cnt;
}
