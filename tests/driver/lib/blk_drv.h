/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_TEST_BLK_DRV_H
#define SQUEEZE_TEST_BLK_DRV_H

#include "tests/driver/lib/driver.h"
#include "virtio/blk/blk.h"
#include "virtio/blk/blk_req.h"

/*
 * A virtio-blk driver on the in-process virtio driver: what Linux's
 * virtio_blk does with one queue. Each request is a chain
 * [16-byte header (readable)] [data...] [status byte (writable)], the
 * header and status living in a per-descriptor area the driver owns.
 * Data buffers are the caller's, in guest RAM (drv_alloc()).
 */

#define BLK_DRV_ALL_FEATURES                                                \
	((1ULL << VIRTIO_BLK_F_SIZE_MAX) | (1ULL << VIRTIO_BLK_F_SEG_MAX) | \
	 (1ULL << VIRTIO_BLK_F_RO) | (1ULL << VIRTIO_BLK_F_BLK_SIZE) |      \
	 (1ULL << VIRTIO_BLK_F_FLUSH) | (1ULL << VIRTIO_BLK_F_DISCARD) |    \
	 (1ULL << VIRTIO_BLK_F_WRITE_ZEROES) |                              \
	 (1ULL << VIRTIO_F_RING_EVENT_IDX) |                                \
	 (1ULL << VIRTIO_F_RING_INDIRECT_DESC))

#define BLK_DRV_MAX_DATA (DRV_INDIRECT_MAX - 2)

/* The fields of struct virtio_blk_config the tests look at. */
struct blk_drv_config {
	u64 capacity;
	u32 size_max;
	u32 seg_max;
	u32 blk_size;
	u16 num_queues;
	u32 max_discard_sectors;
	u32 max_discard_seg;
	u32 max_write_zeroes_sectors;
	u32 max_write_zeroes_seg;
	u8 write_zeroes_may_unmap;
};

struct blk_drv {
	struct drv_env *env;
	struct drv_dev dev;
	struct drv_vq *q;
	struct blk_drv_config cfg;
	u64 area_gpa; /* 32 bytes per descriptor index */
	u8 *area;
	u64 cookie[VQ_MAX_SIZE]; /* by chain head */
	bool indirect;		 /* put chains in indirect tables */
	unsigned int inflight;
};

/* Probe the @index-th virtio-blk function, negotiate @want, set up. */
int blk_drv_open(struct blk_drv *b, struct drv_env *env, unsigned int index,
		 u64 want, u16 queue_size);
/* Reset the device and set it up again (same features and size). */
int blk_drv_restart(struct blk_drv *b, u64 want, u16 queue_size);
int blk_drv_read_config(struct blk_drv *b);

/*
 * Queue one request with @n data buffers (their direction is the
 * caller's: a hostile test may get it wrong on purpose). Does not kick.
 * Returns the head (>= 0), -ENOSPC when the ring is full.
 */
int blk_drv_submit(struct blk_drv *b, u32 type, u64 sector,
		   const struct drv_buf *data, unsigned int n, u64 cookie);
bool blk_drv_kick(struct blk_drv *b);
/*
 * Wait up to @timeout_ms for a completion: 0 with @cookie, @status and
 * the used @len; -ETIMEDOUT; -EIO if the device returned a bad id.
 */
int blk_drv_reap(struct blk_drv *b, int timeout_ms, u64 *cookie, u8 *status,
		 u32 *len);

/* One request, waited for (5 s). The status byte, or -errno. */
int blk_drv_sync(struct blk_drv *b, u32 type, u64 sector,
		 const struct drv_buf *data, unsigned int n);
int blk_drv_read(struct blk_drv *b, u64 sector, u64 gpa, u32 len);
int blk_drv_write(struct blk_drv *b, u64 sector, u64 gpa, u32 len);
int blk_drv_flush(struct blk_drv *b);
/* DISCARD or WRITE_ZEROES of one range. */
int blk_drv_range(struct blk_drv *b, u32 type, u64 sector, u32 nr_sectors,
		  u32 flags);
/* GET_ID into @id (BLK_ID_LEN bytes). */
int blk_drv_get_id(struct blk_drv *b, char *id);

#endif
