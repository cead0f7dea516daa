/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_VIRTIO_BLK_H
#define SQUEEZE_VIRTIO_BLK_H

#include "devices/block/disk.h"
#include "virtio/core/virtio.h"
#include "vmm/base/err.h"
#include "vmm/base/hist.h"

struct iothread;

/* Feature bits, virtio 1.2 section 5.2.3. */
#define VIRTIO_BLK_F_SIZE_MAX	  1
#define VIRTIO_BLK_F_SEG_MAX	  2
#define VIRTIO_BLK_F_GEOMETRY	  4
#define VIRTIO_BLK_F_RO		  5
#define VIRTIO_BLK_F_BLK_SIZE	  6
#define VIRTIO_BLK_F_FLUSH	  9
#define VIRTIO_BLK_F_TOPOLOGY	  10
#define VIRTIO_BLK_F_DISCARD	  13
#define VIRTIO_BLK_F_WRITE_ZEROES 14

#define BLK_ID_LEN 20 /* GET_ID: the serial, 20 bytes */

/*
 * A virtio-blk device: its disk, and what the device itself reports; or,
 * with @vhost_user set, a vhost-user-blk back-end's socket (only
 * disk.readonly applies then; see virtio/blk/vhost_blk.h).
 */
struct blk_options {
	struct disk_options disk;
	char serial[BLK_ID_LEN + 1];
	const char *vm_name; /* for its thread's name, or NULL */
	const char *vhost_user;
};

struct virtio_blk;

/*
 * Open the disk @o describes (every file error is found here, before the VM
 * runs) and make virtio-blk device number @index on it, with its I/O
 * thread "blk<index>". NULL with @err set on failure.
 */
struct virtio_blk *virtio_blk_create(const struct guest_mem *mem,
				     const struct blk_options *o,
				     unsigned int index, struct err *err);
struct virtio_dev *virtio_blk_vdev(struct virtio_blk *blk);
/* The disk it serves (to ask which files it uses). */
const struct disk *virtio_blk_disk(const struct virtio_blk *blk);
/* Its I/O thread (to run a function on it, see iothread_call()). */
struct iothread *virtio_blk_iothread(struct virtio_blk *blk);

/*
 * Requests since create, by kind, and what they moved; with the device's
 * vdev.timed, the time from taking each request off the ring to its
 * completion. All u64, copied counter by counter.
 */
struct virtio_blk_stats {
	u64 reads, writes, flushes, other; /* other: discard, zeroes, id */
	u64 read_bytes, write_bytes;
	u64 errors;	     /* answered with an error status */
	struct hist latency; /* ns */
};
void virtio_blk_stats(struct virtio_blk *blk, struct virtio_blk_stats *s);

/* Stops the I/O thread, closes the disk, frees. NULL is fine. */
void virtio_blk_destroy(struct virtio_blk *blk);

#endif
