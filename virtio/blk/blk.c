// SPDX-License-Identifier: MIT
/*
 * virtio-blk (virtio 1.2 section 5.2) on a struct disk: features and
 * configuration space from the disk, and the I/O thread's life between
 * activate (DRIVER_OK) and reset. The thread itself is in blk_io.c.
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
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "virtio/blk/blk_priv.h"
#include "vmm/base/err.h"
#include "vmm/base/log.h"

#define BLK_QUEUE_SIZE	256

static struct virtio_blk *to_blk(struct virtio_dev *vd)
{
	return container_of(vd, struct virtio_blk, vdev);
}

static int blk_setup_epoll(struct virtio_blk *blk)
{
	int ret;

	blk->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (blk->epoll_fd < 0)
		return -errno;
	ret = virtio_epoll_add(blk->epoll_fd, blk->stop_fd, EPOLLIN,
			       BLK_EV_STOP);
	/* A disk without a completion eventfd is reaped after each batch. */
	if (!ret)
		ret = virtio_epoll_add(blk->epoll_fd, blk->disk.event_fd,
				       EPOLLIN, BLK_EV_DISK);
	if (!ret)
		ret = virtio_epoll_add(blk->epoll_fd, blk->q.vq->kick_fd,
				       EPOLLIN, BLK_EV_QUEUE);
	if (ret) {
		close(blk->epoll_fd);
		blk->epoll_fd = -1;
	}
	return ret;
}

static void blk_free_queue(struct blk_queue *q)
{
	unsigned int i;

	if (!q->io)
		return;
	for (i = 0; i < q->nr_io; i++)
		free(q->io[i].iov);
	free(q->io);
	q->io = NULL;
	q->nr_io = 0;
}

static int blk_activate(struct virtio_dev *vd)
{
	struct virtio_blk *blk = to_blk(vd);
	struct blk_queue *q = &blk->q;
	unsigned int i;
	int ret;

	if (blk->running)
		return -EBUSY;
	q->vq = &vd->vq[0];
	if (!q->vq->ready || q->vq->kick_fd < 0)
		return -EINVAL;
	q->blk = blk;
	q->inflight = 0;
	q->pushed = false;
	q->io = calloc(q->vq->size, sizeof(*q->io));
	if (!q->io)
		return -ENOMEM;
	q->nr_io = q->vq->size;
	for (i = 0; i < q->nr_io; i++)
		q->io[i].q = q;
	blk->lim.discard = virtio_has_feature(vd, VIRTIO_BLK_F_DISCARD);
	blk->lim.write_zeroes = virtio_has_feature(vd,
						   VIRTIO_BLK_F_WRITE_ZEROES);
	virtio_eventfd_drain(vd, blk->stop_fd);
	ret = blk_setup_epoll(blk);
	if (ret)
		goto free_queue;
	blk->stopping = false;
	ret = -pthread_create(&blk->thread, NULL, blk_io_thread, blk);
	if (ret)
		goto close_epoll;
	pthread_setname_np(blk->thread, "squeeze-blk");
	blk->running = true;
	return 0;

close_epoll:
	close(blk->epoll_fd);
	blk->epoll_fd = -1;
free_queue:
	blk_free_queue(q);
	return ret;
}

static void blk_stop(struct virtio_blk *blk)
{
	u64 one = 1;

	if (!blk->running)
		return;
	if (write(blk->stop_fd, &one, sizeof(one)) < 0)
		pr_warn("virtio-blk: cannot wake the I/O thread");
	pthread_join(blk->thread, NULL);
	blk->running = false;
	close(blk->epoll_fd);
	blk->epoll_fd = -1;
	blk_free_queue(&blk->q);
}

static void blk_reset(struct virtio_dev *vd)
{
	blk_stop(to_blk(vd));
}

static void blk_read_config(struct virtio_dev *vd, u32 off, void *data,
			    u32 len)
{
	struct virtio_blk *blk = to_blk(vd);

	memset(data, 0, len);
	if (off < sizeof(blk->config))
		memcpy(data, (u8 *)&blk->config + off,
		       MIN(len, sizeof(blk->config) - off));
}

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
				     const struct blk_options *o, struct err *err)
{
	struct virtio_blk *blk = calloc(1, sizeof(*blk));

	if (!blk) {
		err_host(err, -ENOMEM, "virtio-blk: out of memory");
		return NULL;
	}
	if (disk_open(&blk->disk, &o->disk, err))
		goto free_blk;
	blk->stop_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (blk->stop_fd < 0) {
		err_host(err, -errno, "virtio-blk: eventfd: %s",
			 strerror(errno));
		goto close_disk;
	}
	blk->epoll_fd = -1;
	/* GET_ID: the serial, zero padded to 20 bytes, not terminated. */
	memcpy(blk->serial, o->serial,
	       strnlen(o->serial, sizeof(blk->serial)));
	blk->lim.capacity = blk->disk.size / BLK_SECTOR;
	blk->lim.readonly = blk->disk.readonly;
	blk_fill_config(blk);
	blk->ops = blk_ops_template;
	blk->ops.features = blk_features(&blk->disk);
	virtio_dev_init(&blk->vdev, &blk->ops, mem);
	return blk;

close_disk:
	disk_close(&blk->disk);
free_blk:
	free(blk);
	return NULL;
}

struct virtio_dev *virtio_blk_vdev(struct virtio_blk *blk)
{
	return &blk->vdev;
}

void virtio_blk_destroy(struct virtio_blk *blk)
{
	if (!blk)
		return;
	blk_stop(blk);
	disk_close(&blk->disk);
	close(blk->stop_fd);
	pthread_mutex_destroy(&blk->vdev.lock);
	free(blk);
}
