/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_VIRTIO_BLK_PRIV_H
#define SQUEEZE_VIRTIO_BLK_PRIV_H

#include "devices/block/disk.h"
#include "virtio/blk/blk.h"
#include "virtio/blk/blk_req.h"
#include "vmm/core/iothread.h"

/*
 * virtio-blk's state, shared by blk.c (device set-up, configuration,
 * activate/reset) and blk_io.c (the I/O thread and its requests).
 */

enum blk_event { BLK_EV_DISK, BLK_EV_QUEUE };

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
	u32 type;	 /* VIRTIO_BLK_T_*, for stats and trace */
	u64 offset, len; /* bytes */
	u64 start_ns;	 /* popped (vdev.timed) */
	u64 trace_id;	 /* its span in --trace-file */
};

struct blk_queue {
	struct virtio_blk *blk;
	struct virtqueue *vq;
	struct blk_io *io; /* nr_io entries, one per head */
	unsigned int nr_io;
	unsigned int inflight;
	bool pushed; /* used entries since the last notify */
};

struct virtio_blk {
	struct virtio_dev vdev;
	struct virtio_dev_ops ops; /* features depend on the disk */
	struct disk disk;
	struct blk_config config;
	char serial[BLK_ID_LEN];
	struct blk_limits lim;
	struct iothread io; /* from create to destroy */
	/* The I/O thread's alone (see iothread_call()). */
	struct blk_queue q;
	bool running;		       /* between activate and reset */
	bool stopping;		       /* draining: push nothing more */
	bool frozen;		       /* quiesced for a snapshot */
	struct virtio_blk_stats stats; /* written by the thread only */
	u64 seq;		       /* requests popped, for trace ids */
	struct vq_chain chain;	       /* scratch for vq_pop() */
};

/* blk_trace.c: a request's life in --trace, at each step. */
void blk_trace_doorbell(struct virtio_blk *blk);
void blk_trace_pop(struct virtio_blk *blk, const struct vq_chain *c,
		   struct blk_io *io);
void blk_trace_submit(struct virtio_blk *blk, const struct blk_io *io);
void blk_trace_done(struct virtio_blk *blk, const struct blk_io *io, u8 status,
		    u32 used_len, u64 ns, bool pushed);

extern const struct iothread_ops blk_io_ops;

/* Activate: the I/O thread takes queue 0. 0 or -errno. */
int blk_io_start(struct virtio_blk *blk);

/* Reset: the I/O thread finishes what is in flight and forgets the queue. */
void blk_io_stop(struct virtio_blk *blk);

/* Snapshot: complete what is in flight, flush, leave the queue (on) or go on. */
int blk_io_quiesce(struct virtio_blk *blk, bool on);

#endif
