// SPDX-License-Identifier: MIT
/*
 * virtio-blk (virtio 1.2 section 5.2) on a struct disk. One queue and one
 * I/O thread per device: the thread epolls the queue's doorbell eventfd,
 * the disk's completion eventfd and a stop eventfd. A doorbell drains the
 * avail ring with further doorbells suppressed, hands the whole batch to
 * the disk with one kick, and interrupts the driver once per batch.
 *
 * One queue, not VIRTIO_BLK_F_MQ: a single thread already keeps the host's
 * io_uring at the queue depth the driver asks for, and this host has two
 * cores, so a second queue and thread would only compete with the vCPU.
 *
 * Request parsing (and the rules for malformed requests) is in blk_req.c.
 */
#include <endian.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "devices/disk.h"
#include "virtio/blk.h"
#include "virtio/blk_req.h"
#include "vmm/log.h"

#define BLK_QUEUE_SIZE	256
#ifndef BLK_POLL_NS
#define BLK_POLL_NS	(getenv("BLKPOLL") ? strtoull(getenv("BLKPOLL"), 0, 0) : 0)
#endif

enum blk_event { BLK_EV_STOP, BLK_EV_DISK, BLK_EV_QUEUE };

/* struct virtio_blk_config up to write_zeroes_may_unmap, section 5.2.4. */
struct blk_config {
	u64 capacity;
	u32 size_max;
	u32 seg_max;
	u8 geometry[4];
	u32 blk_size;
	u8 topology[8];
	u8 writeback;
	u8 unused0;
	u16 num_queues;
	u32 max_discard_sectors;
	u32 max_discard_seg;
	u32 discard_sector_alignment;
	u32 max_write_zeroes_sectors;
	u32 max_write_zeroes_seg;
	u8 write_zeroes_may_unmap;
	u8 unused1[3];
} __packed;

struct blk_queue;

/* One request in flight, indexed by its chain head. */
struct blk_io {
	struct disk_req dreq;
	struct blk_queue *q;
	u8 *status_ptr;
	u16 head;
	bool busy;
	struct iovec *iov;
	int iov_cap;
};

struct blk_queue {
	struct virtio_blk *blk;
	struct virtqueue *vq;
	struct blk_io *io;		/* nr_io entries, one per head */
	unsigned int nr_io;
	unsigned int inflight;
	bool pushed;			/* used entries since the last notify */
};

struct virtio_blk {
	struct virtio_dev vdev;
	struct virtio_dev_ops ops;	/* features depend on the disk */
	struct disk disk;
	struct blk_config config;
	char serial[BLK_ID_LEN];
	struct blk_limits lim;
	struct blk_queue q;
	/* I/O thread, between activate and reset. */
	pthread_t thread;
	bool running;
	bool stopping;			/* draining: push nothing more */
	bool stop_requested;		/* set by blk_stop(), polled */
	int stop_fd;
	int epoll_fd;
	struct vq_chain chain;		/* scratch for vq_pop() */
};

static struct virtio_blk *to_blk(struct virtio_dev *vd)
{
	return container_of(vd, struct virtio_blk, vdev);
}

static void blk_push(struct blk_queue *q, u16 head, u8 *status_ptr,
		     u8 status, u32 written)
{
	*status_ptr = status;
	/* used.len counts the status byte too (section 5.2.6). */
	vq_push(q->vq, head, written + 1);
	q->pushed = true;
}

static void blk_disk_done(struct disk_req *req, int ret)
{
	struct blk_io *io = container_of(req, struct blk_io, dreq);
	struct blk_queue *q = io->q;
	u32 written = 0;

	io->busy = false;
	q->inflight--;
	if (q->blk->stopping)
		return;			/* reset: the rings are forgotten */
	if (ret)
		pr_warn_once("virtio-blk: disk request failed: %s",
			     strerror(-ret));
	else if (req->op == DISK_OP_READ)
		written = req->len;
	blk_push(q, io->head, io->status_ptr,
		 ret ? VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_OK, written);
}

static int blk_io_iov(struct blk_io *io, const struct vq_chain *c,
		      const struct blk_req *r)
{
	int need = MIN(r->data_in ? c->nr_in : c->nr_out, BLK_SEG_MAX);

	if (need > io->iov_cap) {
		struct iovec *v = realloc(io->iov, need * sizeof(*v));

		if (!v)
			return -ENOMEM;
		io->iov = v;
		io->iov_cap = need;
	}
	return blk_req_data_iov(c, r, io->iov, need);
}

/* Submit a parsed disk request; returns a status when it failed at once. */
static int blk_submit(struct blk_queue *q, struct blk_io *io,
		      const struct vq_chain *c, const struct blk_req *r)
{
	struct disk *d = &q->blk->disk;
	int n = 0;

	if (r->op == DISK_OP_READ || r->op == DISK_OP_WRITE) {
		n = blk_io_iov(io, c, r);
		if (n < 0)
			return VIRTIO_BLK_S_IOERR;
	}
	io->dreq = (struct disk_req){
		.op = r->op, .offset = r->offset, .len = r->len,
		.iov = n ? io->iov : NULL, .iovcnt = n, .unmap = r->unmap,
		.done = blk_disk_done,
	};
	io->status_ptr = r->status_ptr;
	io->busy = true;
	q->inflight++;
	if (d->ops->submit(d, &io->dreq) == 0)
		return VIRTIO_BLK_S_OK;	/* done() reports */
	io->busy = false;
	q->inflight--;
	return VIRTIO_BLK_S_IOERR;
}

/* Returns false when the queue is unusable and the device needs reset. */
static bool blk_handle(struct blk_queue *q, const struct vq_chain *c)
{
	struct virtio_blk *blk = q->blk;
	struct blk_req r;
	struct blk_io *io;
	u8 status;

	if (blk_req_parse(c, &blk->lim, &r) < 0) {
		virtio_dev_needs_reset(&blk->vdev,
				       "virtio-blk: request without a writable status byte");
		return false;
	}
	if (c->head >= q->nr_io || q->io[c->head].busy) {
		virtio_dev_needs_reset(&blk->vdev,
				       "virtio-blk: chain head made available twice");
		return false;
	}
	io = &q->io[c->head];
	io->head = c->head;
	switch (r.action) {
	case BLK_ACT_GET_ID:
		vq_copy_to_in(c, 0, blk->serial, r.len);
		blk_push(q, c->head, r.status_ptr, VIRTIO_BLK_S_OK, r.len);
		break;
	case BLK_ACT_DISK:
		status = blk_submit(q, io, c, &r);
		if (status != VIRTIO_BLK_S_OK)
			blk_push(q, c->head, r.status_ptr, status, 0);
		break;
	case BLK_ACT_STATUS:
		blk_push(q, c->head, r.status_ptr, r.status, 0);
		break;
	}
	return true;
}

/* Has the driver made chains available that we have not taken? */
static bool blk_avail_pending(const struct virtqueue *vq)
{
	return le16toh(__atomic_load_n(&vq->avail->idx, __ATOMIC_ACQUIRE)) !=
	       vq->last_avail;
}

/* Handle every available chain; false once the queue is broken. */
static bool blk_pop_all(struct blk_queue *q)
{
	struct vq_chain *c = &q->blk->chain;
	int r;

	while ((r = vq_pop(q->vq, c)) == 1)
		if (!blk_handle(q, c))
			return false;
	return r == 0;
}

static void blk_queue_broken(struct blk_queue *q)
{
	q->vq->broken = true;
	virtio_dev_needs_reset(&q->blk->vdev,
			       "virtio-blk: malformed descriptor chain");
}

static void blk_drain_queue(struct blk_queue *q)
{
	struct virtqueue *vq = q->vq;

	if (vq->broken)
		return;
	/* No doorbells while we are looking anyway. */
	vq_set_kick(vq, false);
	do {
		if (!blk_pop_all(q))
			return blk_queue_broken(q);
		/* Re-enable, then look again: a chain made available just
		 * before would otherwise wait for a kick that never comes. */
		vq_set_kick(vq, true);
	} while (!vq->broken && blk_avail_pending(vq));
}

/* End of a batch: one disk kick, at most one interrupt. */
static void blk_flush_batch(struct virtio_blk *blk)
{
	struct disk *d = &blk->disk;

	d->ops->kick(d);
	if (d->event_fd < 0)
		d->ops->complete(d);
	if (blk->q.pushed) {
		blk->q.pushed = false;
		virtio_vq_notify(&blk->vdev, blk->q.vq);
	}
}

static u64 blk_now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000ULL + t.tv_nsec;
}

/*
 * Busy-poll the ring and the disk for a short while before sleeping:
 * while requests keep coming this saves a sleep and a wake-up on both
 * sides (the driver need not kick while we poll). Stops after
 * BLK_POLL_NS without progress, or when asked to stop.
 */
static void blk_poll(struct virtio_blk *blk)
{
	struct disk *d = &blk->disk;
	struct virtqueue *vq = blk->q.vq;
	u64 deadline = blk_now_ns() + BLK_POLL_NS;
	bool progress;

	if (!BLK_POLL_NS || !d->ops->pending || vq->broken)
		return;
	vq_set_kick(vq, false);
	while (!__atomic_load_n(&blk->stop_requested, __ATOMIC_ACQUIRE)) {
		progress = false;
		if (getenv("BLKPOLLD") && d->ops->pending(d)) {
			d->ops->complete(d);
			progress = true;
		}
		if (blk_avail_pending(vq)) {
			if (!blk_pop_all(&blk->q))
				return blk_queue_broken(&blk->q);
			progress = true;
		}
		if (progress) {
			blk_flush_batch(blk);
			deadline = blk_now_ns() + BLK_POLL_NS;
		} else if (blk_now_ns() > deadline) {
			break;
		}
		__builtin_ia32_pause();
	}
	blk_drain_queue(&blk->q);	/* re-enables kicks, closes the race */
	blk_flush_batch(blk);
}

static void blk_clear_eventfd(int fd)
{
	u64 v;

	if (read(fd, &v, sizeof(v)) < 0)
		return;			/* EAGAIN: already cleared */
}

/* Wait for every request in flight; their done() pushes nothing. */
static void blk_quiesce(struct virtio_blk *blk)
{
	struct disk *d = &blk->disk;
	struct pollfd p = { .fd = d->event_fd, .events = POLLIN };

	blk->stopping = true;
	d->ops->kick(d);
	while (blk->q.inflight) {
		if (p.fd >= 0 && poll(&p, 1, 1000) < 0 && errno != EINTR)
			break;
		d->ops->complete(d);
	}
}

static void *blk_thread(void *arg)
{
	struct virtio_blk *blk = arg;
	struct disk *d = &blk->disk;
	struct epoll_event ev[4];
	int n, i;

	for (;;) {
		n = epoll_wait(blk->epoll_fd, ev, ARRAY_SIZE(ev), -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		for (i = 0; i < n; i++) {
			switch (ev[i].data.u64) {
			case BLK_EV_STOP:
				goto stop;
			case BLK_EV_DISK:
				d->ops->complete(d);
				break;
			case BLK_EV_QUEUE:
				blk_clear_eventfd(blk->q.vq->kick_fd);
				blk_drain_queue(&blk->q);
				break;
			}
		}
		blk_flush_batch(blk);	/* the whole batch in one syscall */
		blk_poll(blk);
	}
stop:
	blk_quiesce(blk);
	return NULL;
}

static int blk_epoll_add(int epfd, int fd, enum blk_event tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = tag };

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

static int blk_setup_epoll(struct virtio_blk *blk)
{
	int ret;

	blk->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (blk->epoll_fd < 0)
		return -errno;
	ret = blk_epoll_add(blk->epoll_fd, blk->stop_fd, BLK_EV_STOP);
	if (!ret && blk->disk.event_fd >= 0)
		ret = blk_epoll_add(blk->epoll_fd, blk->disk.event_fd,
				    BLK_EV_DISK);
	if (!ret)
		ret = blk_epoll_add(blk->epoll_fd, blk->q.vq->kick_fd,
				    BLK_EV_QUEUE);
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
	blk_clear_eventfd(blk->stop_fd);
	ret = blk_setup_epoll(blk);
	if (ret)
		goto free_queue;
	blk->stopping = false;
	blk->stop_requested = false;
	ret = -pthread_create(&blk->thread, NULL, blk_thread, blk);
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
	__atomic_store_n(&blk->stop_requested, true, __ATOMIC_RELEASE);
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

/* Only the writeback byte is writable, with CONFIG_WCE: never offered. */
static void blk_write_config(struct virtio_dev *vd __unused, u32 off __unused,
			     const void *data __unused, u32 len __unused)
{
}

static const struct virtio_dev_ops blk_ops_template = {
	.device_id = VIRTIO_ID_BLOCK,
	.nr_queues = 1,
	.queue_size = BLK_QUEUE_SIZE,
	.config_size = sizeof(struct blk_config),
	.read_config = blk_read_config,
	.write_config = blk_write_config,
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
				     const struct disk_config *c, char *err,
				     size_t errlen)
{
	struct virtio_blk *blk = calloc(1, sizeof(*blk));

	if (!blk) {
		set_err(err, errlen, -ENOMEM, "virtio-blk: out of memory");
		return NULL;
	}
	if (disk_open(&blk->disk, c, err, errlen))
		goto free_blk;
	blk->stop_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (blk->stop_fd < 0) {
		set_err(err, errlen, -errno, "virtio-blk: eventfd: %s",
			strerror(errno));
		goto close_disk;
	}
	blk->epoll_fd = -1;
	/* GET_ID: the serial, zero padded to 20 bytes, not terminated. */
	memcpy(blk->serial, c->serial,
	       strnlen(c->serial, sizeof(blk->serial)));
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
