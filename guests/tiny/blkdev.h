/* SPDX-License-Identifier: MIT */
#ifndef TINY_BLKDEV_H
#define TINY_BLKDEV_H

/*
 * A minimal virtio-blk driver for the tiny guests (virtio 1.2 section
 * 5.2): find the device, negotiate FLUSH, set up queue 0, then one
 * request at a time, polled to completion. Requests use 512-byte sectors.
 */
#include "virtio.h"

#define VIRTIO_BLK_F_FLUSH 9
#define VIRTIO_BLK_T_IN	   0
#define VIRTIO_BLK_T_OUT   1
#define VIRTIO_BLK_T_FLUSH 4
#define VIRTIO_BLK_S_OK	   0
#define SECTOR_SIZE	   512

struct blk_req_hdr {
	u32 type;
	u32 reserved;
	u64 sector;
};

struct blkdev {
	struct virtio_pci vp;
	struct virtq vq;
	struct virtq_mem mem;
	struct blk_req_hdr hdr;
	u8 status;
	u64 capacity; /* in sectors */
};

/* Which step of blkdev_open() failed. */
enum blkdev_step {
	BLKDEV_OK,
	BLKDEV_NO_DEVICE,
	BLKDEV_PROBE,
	BLKDEV_FEATURES,
	BLKDEV_QUEUE,
};

/*
 * Probe the first virtio-blk function (BARs from @win), negotiate FLUSH,
 * set up queue 0, DRIVER_OK, read the capacity. BLKDEV_OK, or the step
 * that failed with a short reason in @why.
 */
enum blkdev_step blkdev_open(struct blkdev *b, struct pci_window *win,
			     const char **why);

/*
 * One request: VIRTIO_BLK_T_IN / _OUT of one sector to or from @data, or
 * VIRTIO_BLK_T_FLUSH (@data NULL). 0, or -1 with a short reason in @why.
 */
int blkdev_request(struct blkdev *b, u32 type, u64 sector, void *data,
		   const char **why);

#endif
