/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_VHOST_BLK_H
#define SQUEEZE_VHOST_BLK_H

#include "virtio/blk/blk.h"

/*
 * vhost-user-blk: a virtio-blk device (same PCI transport and MSI-X as
 * ours) whose queue a vhost-user back-end serves, e.g.
 *
 *   qemu-storage-daemon --blockdev file,node-name=f0,filename=disk.img \
 *     --export vhost-user-blk,id=e0,node-name=f0,writable=on,\
 *              addr.type=unix,addr.path=/run/disk.sock
 *
 * The configuration space (capacity, seg_max, blk_size, ...) is the
 * back-end's (GET_CONFIG, so it must offer VHOST_USER_PROTOCOL_F_CONFIG),
 * as are the block features, less the ones squeeze does not pass on: one
 * queue (no MQ), no writeback toggle (CONFIG_WCE). readonly=on is only
 * accepted for a back-end that itself refuses writes (offers
 * VIRTIO_BLK_F_RO): squeeze never sees the data path, so it could not
 * stop a guest that ignores the flag.
 */

struct vhost_blk;

/* @index: the disk's place among --disk (thread "blk1", log lines). */
struct vhost_blk *vhost_blk_create(const struct guest_mem *mem,
				   const struct blk_options *o,
				   unsigned int index, struct err *err);
struct virtio_dev *vhost_blk_vdev(struct vhost_blk *b);
void vhost_blk_destroy(struct vhost_blk *b);

#endif
