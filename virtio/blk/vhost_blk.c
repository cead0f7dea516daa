// SPDX-License-Identifier: MIT
/* vhost-user-blk on the generic vhost-user front-end; see vhost_blk.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "virtio/blk/blk_priv.h"
#include "virtio/blk/vhost_blk.h"
#include "virtio/vhost_user/vu_dev.h"

#define VHOST_BLK_QUEUE_SIZE 256
#define VHOST_BLK_TIMEOUT_MS 10000

/* Block features the guest may see if the back-end offers them. */
#define VHOST_BLK_FEATURES                                                  \
	((1ULL << VIRTIO_BLK_F_SIZE_MAX) | (1ULL << VIRTIO_BLK_F_SEG_MAX) | \
	 (1ULL << VIRTIO_BLK_F_GEOMETRY) | (1ULL << VIRTIO_BLK_F_RO) |      \
	 (1ULL << VIRTIO_BLK_F_BLK_SIZE) | (1ULL << VIRTIO_BLK_F_FLUSH) |   \
	 (1ULL << VIRTIO_BLK_F_TOPOLOGY) | (1ULL << VIRTIO_BLK_F_DISCARD) | \
	 (1ULL << VIRTIO_BLK_F_WRITE_ZEROES))

struct vhost_blk {
	struct vu_dev *dev;
};

struct vhost_blk *vhost_blk_create(const struct guest_mem *mem,
				   const struct blk_options *o,
				   unsigned int index, struct err *err)
{
	struct vu_dev_params p = {
		.device_id = VIRTIO_ID_BLOCK,
		.nr_queues = 1,
		.queue_size = VHOST_BLK_QUEUE_SIZE,
		.features = VHOST_BLK_FEATURES,
		.protocol_needed = 1ULL << VU_PROTOCOL_F_CONFIG,
		.config_size = sizeof(struct blk_config),
		.timeout_ms = VHOST_BLK_TIMEOUT_MS,
	};
	struct vhost_blk *b = calloc(1, sizeof(*b));
	char name[16], what[140];
	int sock;

	snprintf(what, sizeof(what), "--disk vhost-user=%s", o->vhost_user);
	if (!b) {
		err_host(err, -ENOMEM, "%s: out of memory", what);
		return NULL;
	}
	snprintf(name, sizeof(name), "blk%u", index);
	p.name = name;
	p.vm_name = o->vm_name;
	if (vu_conn_connect(o->vhost_user, &sock, what, err))
		goto free_b;
	b->dev = vu_dev_create(mem, sock, &p, what, err);
	if (!b->dev)
		goto free_b;
	if (o->disk.readonly && !(vu_dev_vdev(b->dev)->device_features &
				  (1ULL << VIRTIO_BLK_F_RO))) {
		err_input(
			err, -EINVAL,
			"%s: readonly=on, but the back-end accepts writes (export it read-only, e.g. qemu-storage-daemon writable=off)",
			what);
		goto destroy;
	}
	return b;
destroy:
	vu_dev_destroy(b->dev);
free_b:
	free(b);
	return NULL;
}

struct virtio_dev *vhost_blk_vdev(struct vhost_blk *b)
{
	return vu_dev_vdev(b->dev);
}

void vhost_blk_destroy(struct vhost_blk *b)
{
	if (!b)
		return;
	vu_dev_destroy(b->dev);
	free(b);
}
