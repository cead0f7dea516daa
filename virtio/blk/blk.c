// SPDX-License-Identifier: MIT
/*
 * virtio-blk (virtio 1.2 section 5.2) on a struct disk: features and
 * configuration space from the disk, and the device's life from create to
 * destroy. Its I/O thread (named blkN) lives as long as the device; what
 * it does between activate (DRIVER_OK) and reset is in blk_io.c.
 *
 * One queue, not VIRTIO_BLK_F_MQ: one I/O thread per device reaches 0.9-
 * 1.0x of the host's fio on 1 MiB I/O (tests/bench/bench_blk.sh); what
 * 4 KiB I/O loses is hand-off latency between threads, which more queues
 * and threads would not remove on the two-core hosts we measure on.
 *
 * Request parsing (and the rules for malformed requests) is in blk_req.c.
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>

#include "virtio/blk/blk_priv.h"
#include "vmm/base/err.h"
#include "vmm/base/log.h"

#define BLK_QUEUE_SIZE 256

static struct virtio_blk *to_blk(struct virtio_dev *vd)
{
	return container_of(vd, struct virtio_blk, vdev);
}

static int blk_activate(struct virtio_dev *vd)
{
	struct virtio_blk *blk = to_blk(vd);

	if (!vd->vq[0].ready || vd->vq[0].kick_fd < 0)
		return -EINVAL;
	return blk_io_start(blk);
}

static void blk_reset(struct virtio_dev *vd)
{
	blk_io_stop(to_blk(vd));
}

static int blk_quiesce(struct virtio_dev *vd, bool on)
{
	return blk_io_quiesce(to_blk(vd), on);
}

static void blk_read_config(struct virtio_dev *vd, u32 off, void *data, u32 len)
{
	struct virtio_blk *blk = to_blk(vd);

	memset(data, 0, len);
	if (off < sizeof(blk->config))
		memcpy(data, (u8 *)&blk->config + off,
		       MIN(len, sizeof(blk->config) - off));
}

/* Feature bits (blk.h) and configuration fields (struct blk_config) by name. */
static const flag_name blk_feature_names[24] = {
	[0] = "BARRIER",
	[VIRTIO_BLK_F_SIZE_MAX] = "SIZE_MAX",
	[VIRTIO_BLK_F_SEG_MAX] = "SEG_MAX",
	[VIRTIO_BLK_F_GEOMETRY] = "GEOMETRY",
	[VIRTIO_BLK_F_RO] = "RO",
	[VIRTIO_BLK_F_BLK_SIZE] = "BLK_SIZE",
	[7] = "SCSI",
	[VIRTIO_BLK_F_FLUSH] = "FLUSH",
	[VIRTIO_BLK_F_TOPOLOGY] = "TOPOLOGY",
	[11] = "CONFIG_WCE",
	[12] = "MQ",
	[VIRTIO_BLK_F_DISCARD] = "DISCARD",
	[VIRTIO_BLK_F_WRITE_ZEROES] = "WRITE_ZEROES",
	[15] = "LIFETIME",
	[16] = "SECURE_ERASE",
};

#define CFG(field, name)                                              \
	{                                                             \
		offsetof(struct blk_config, field),                   \
			sizeof(((struct blk_config *)0)->field), name \
	}
static const struct reg_name blk_config_names[] = {
	CFG(capacity, "capacity"),
	CFG(size_max, "size_max"),
	CFG(seg_max, "seg_max"),
	CFG(geometry, "geometry"),
	CFG(blk_size, "blk_size"),
	CFG(topology, "topology"),
	CFG(writeback, "writeback"),
	CFG(num_queues, "num_queues"),
	CFG(max_discard_sectors, "max_discard_sectors"),
	CFG(max_discard_seg, "max_discard_seg"),
	CFG(discard_sector_alignment, "discard_sector_alignment"),
	CFG(max_write_zeroes_sectors, "max_write_zeroes_sectors"),
	CFG(max_write_zeroes_seg, "max_write_zeroes_seg"),
	CFG(write_zeroes_may_unmap, "write_zeroes_may_unmap"),
};
#undef CFG

static const struct virtio_dev_ops blk_ops_template = {
	.device_id = VIRTIO_ID_BLOCK,
	.nr_queues = 1,
	.queue_size = BLK_QUEUE_SIZE,
	.config_size = sizeof(struct blk_config),
	.read_config = blk_read_config,
	/*
	 * No write_config: only the writeback byte is writable, with
	 * CONFIG_WCE, never offered; the transport drops such writes.
	 */
	.activate = blk_activate,
	.reset = blk_reset,
	.quiesce = blk_quiesce,
	.feature_names = blk_feature_names,
	.config_names = blk_config_names,
	.nr_config_names = ARRAY_SIZE(blk_config_names),
};

static u64 blk_features(const struct disk *d)
{
	u64 f = 1ULL << VIRTIO_BLK_F_SIZE_MAX | 1ULL << VIRTIO_BLK_F_SEG_MAX |
		1ULL << VIRTIO_BLK_F_BLK_SIZE | 1ULL << VIRTIO_BLK_F_FLUSH;

	if (d->readonly)
		f |= 1ULL << VIRTIO_BLK_F_RO;
	if (d->can_discard && !d->readonly)
		f |= 1ULL << VIRTIO_BLK_F_DISCARD;
	if (d->can_write_zeroes && !d->readonly)
		f |= 1ULL << VIRTIO_BLK_F_WRITE_ZEROES;
	return f;
}

static void blk_fill_config(struct virtio_blk *blk)
{
	struct blk_config *cf = &blk->config;
	u32 align = blk->disk.block_size / BLK_SECTOR;

	cf->capacity = htole64(blk->lim.capacity);
	cf->size_max = htole32(BLK_SIZE_MAX);
	cf->seg_max = htole32(BLK_SEG_MAX);
	cf->blk_size = htole32(blk->disk.block_size);
	cf->num_queues = htole16(1);
	cf->max_discard_sectors = htole32(BLK_DISCARD_SECTORS_MAX);
	cf->max_discard_seg = htole32(BLK_DISCARD_SEG_MAX);
	cf->discard_sector_alignment = htole32(align);
	cf->max_write_zeroes_sectors = htole32(BLK_DISCARD_SECTORS_MAX);
	cf->max_write_zeroes_seg = htole32(BLK_DISCARD_SEG_MAX);
	cf->write_zeroes_may_unmap = 1;
}

struct virtio_blk *virtio_blk_create(const struct guest_mem *mem,
				     const struct blk_options *o,
				     unsigned int index, struct err *err)
{
	struct virtio_blk *blk = calloc(1, sizeof(*blk));
	char what[IOTHREAD_NAME_LEN], name[IOTHREAD_NAME_LEN];
	int ret;

	if (!blk) {
		err_host(err, -ENOMEM, "virtio-blk: out of memory");
		return NULL;
	}
	if (disk_open(&blk->disk, &o->disk, err))
		goto free_blk;
	snprintf(what, sizeof(what), "blk%u", index);
	thread_name(name, o->vm_name, what);
	/* A disk without a completion eventfd is reaped after each batch. */
	if (iothread_create(&blk->io, name, &blk_io_ops, blk, err))
		goto stop_thread;
	ret = iothread_add(&blk->io, blk->disk.event_fd, EPOLLIN, BLK_EV_DISK);
	if (ret) {
		err_host(err, ret, "%s: epoll_ctl: %s", name, strerror(-ret));
		goto stop_thread;
	}
	/* GET_ID: the serial, zero padded to 20 bytes, not terminated. */
	memcpy(blk->serial, o->serial, strnlen(o->serial, sizeof(blk->serial)));
	blk->lim.capacity = blk->disk.size / BLK_SECTOR;
	blk->lim.readonly = blk->disk.readonly;
	blk_fill_config(blk);
	blk->ops = blk_ops_template;
	blk->ops.features = blk_features(&blk->disk);
	virtio_dev_init(&blk->vdev, &blk->ops, mem);
	return blk;

stop_thread:
	iothread_destroy(&blk->io);
	disk_close(&blk->disk);
free_blk:
	free(blk);
	return NULL;
}

struct iothread *virtio_blk_iothread(struct virtio_blk *blk)
{
	return &blk->io;
}

const struct disk *virtio_blk_disk(const struct virtio_blk *blk)
{
	return &blk->disk;
}

struct virtio_dev *virtio_blk_vdev(struct virtio_blk *blk)
{
	return &blk->vdev;
}

void virtio_blk_stats(struct virtio_blk *blk, struct virtio_blk_stats *s)
{
	const u64 *src = (const u64 *)&blk->stats;
	u64 *dst = (u64 *)s;
	size_t i;

	/* The I/O thread updates them with atomic stores. */
	for (i = 0; i < sizeof(*s) / sizeof(u64); i++)
		dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
}

void virtio_blk_destroy(struct virtio_blk *blk)
{
	if (!blk)
		return;
	blk_io_stop(blk);
	iothread_destroy(&blk->io);
	disk_close(&blk->disk);
	pthread_mutex_destroy(&blk->vdev.lock);
	free(blk);
}
