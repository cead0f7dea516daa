// SPDX-License-Identifier: MIT
/* The tiny guests' virtio-blk driver (see blkdev.h). */
#include "blkdev.h"

enum blkdev_step blkdev_open(struct blkdev *b, struct pci_window *win,
			     const char **why)
{
	u64 acked;
	int err;

	err = virtio_pci_probe(&b->vp, VIRTIO_PCI_DEVICE(VIRTIO_ID_BLOCK), win);
	if (err == VIRTIO_ENODEV) {
		*why = "no 1af4:1042 on bus 0";
		return BLKDEV_NO_DEVICE;
	}
	*why = virtio_strerror(err);
	if (err)
		return BLKDEV_PROBE;
	err = virtio_negotiate(&b->vp, VIRTIO_BIT(VIRTIO_BLK_F_FLUSH), &acked);
	*why = err ? virtio_strerror(err) : "FLUSH not offered";
	if (err || !(acked & VIRTIO_BIT(VIRTIO_BLK_F_FLUSH)))
		return BLKDEV_FEATURES;
	err = virtio_queue_setup(&b->vp, &b->vq, 0, &b->mem);
	*why = virtio_strerror(err);
	if (err)
		return BLKDEV_QUEUE;
	virtio_driver_ok(&b->vp);
	b->capacity = virtio_config_read32(&b->vp, 0) |
		      (u64)virtio_config_read32(&b->vp, 4) << 32;
	return BLKDEV_OK;
}

int blkdev_request(struct blkdev *b, u32 type, u64 sector, void *data,
		   const char **why)
{
	struct virtq_buf bufs[3];
	unsigned int n = 0;
	u32 len;
	int ret;

	b->hdr.type = type;
	b->hdr.reserved = 0;
	b->hdr.sector = sector;
	b->status = 0xff; /* never written: the request fails */
	bufs[n++] = (struct virtq_buf){ &b->hdr, sizeof(b->hdr), false };
	if (data)
		bufs[n++] = (struct virtq_buf){ data, SECTOR_SIZE,
						type == VIRTIO_BLK_T_IN };
	bufs[n++] = (struct virtq_buf){ &b->status, 1, true };

	ret = virtq_add(&b->vq, bufs, n);
	if (ret < 0)
		goto err;
	virtq_kick(&b->vq);
	ret = virtq_poll(&b->vq, &len, VIRTQ_TIMEOUT_TSC);
	if (ret < 0)
		goto err;
	if (b->status != VIRTIO_BLK_S_OK) {
		*why = b->status == 1 ? "status IOERR" :
		       b->status == 2 ? "status UNSUPP" :
					"bad status";
		return -1;
	}
	return 0;
err:
	*why = virtio_strerror(ret);
	return -1;
}
