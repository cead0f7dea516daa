/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_VIRTIO_BLK_REQ_H
#define SQUEEZE_VIRTIO_BLK_REQ_H

#include "devices/block/disk.h"
#include "virtio/blk/blk.h"
#include "virtio/core/virtqueue.h"
#include "vmm/base/types.h"

/*
 * Turning a virtio-blk descriptor chain into a request (virtio 1.2 section
 * 5.2.6), apart from doing it: no I/O and no guest-visible side effect
 * here, so every rule can be unit-tested on a hand-made chain.
 */

#define VIRTIO_BLK_T_IN		  0
#define VIRTIO_BLK_T_OUT	  1
#define VIRTIO_BLK_T_FLUSH	  4
#define VIRTIO_BLK_T_GET_ID	  8
#define VIRTIO_BLK_T_DISCARD	  11
#define VIRTIO_BLK_T_WRITE_ZEROES 13

#define VIRTIO_BLK_S_OK	    0
#define VIRTIO_BLK_S_IOERR  1
#define VIRTIO_BLK_S_UNSUPP 2

#define VIRTIO_BLK_WZ_F_UNMAP 1 /* discard/write-zeroes segment flag */

#define BLK_HDR_LEN  16
#define BLK_SECTOR   512ULL
#define BLK_SEG_MAX  254	/* data segments in one request */
#define BLK_SIZE_MAX (1U << 20) /* bytes in one data segment */
/* One range per request: enough for Linux, and no partial completions. */
#define BLK_DISCARD_SEG_MAX	1
#define BLK_DISCARD_SECTORS_MAX (1U << 21) /* 1 GiB */

/* What the device allows; from the disk and the negotiated features. */
struct blk_limits {
	u64 capacity; /* in 512-byte sectors */
	bool readonly;
	bool discard;	   /* VIRTIO_BLK_F_DISCARD negotiated */
	bool write_zeroes; /* VIRTIO_BLK_F_WRITE_ZEROES acked */
};

enum blk_action {
	BLK_ACT_STATUS, /* finish now with @status */
	BLK_ACT_DISK,	/* submit @op to the disk */
	BLK_ACT_GET_ID, /* copy the serial into the data */
};

struct blk_req {
	enum blk_action action;
	u32 type;
	u8 status;	 /* BLK_ACT_STATUS */
	u8 *status_ptr;	 /* in guest memory, device-writable */
	enum disk_op op; /* BLK_ACT_DISK */
	u64 offset;	 /* bytes */
	u64 len;	 /* bytes of data or of the range */
	bool unmap;
	/* Data: @len bytes from the out side (write) or in side (read). */
	bool data_in;
	u64 data_skip; /* bytes before the data on that side */
};

/*
 * Parse chain @c. Returns 0 with @r filled (an invalid request becomes
 * BLK_ACT_STATUS with IOERR or UNSUPP), or -EIO when the chain has no
 * device-writable status byte: nothing can be reported to the driver,
 * the device must be marked NEEDS_RESET.
 */
int blk_req_parse(const struct vq_chain *c, const struct blk_limits *lim,
		  struct blk_req *r);

/*
 * The iovecs of @r's data inside @c, into @dst (room for @max). Returns
 * their number, or -EINVAL if more than @max are needed or one segment is
 * longer than BLK_SIZE_MAX. Zero-length segments are dropped.
 */
int blk_req_data_iov(const struct vq_chain *c, const struct blk_req *r,
		     struct iovec *dst, int max);

#endif
