/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_VIRTQUEUE_H
#define SQUEEZE_VIRTQUEUE_H

#include <sys/uio.h>

#include "vmm/core/guest_mem.h"
#include "vmm/base/types.h"

/* Split virtqueues, virtio 1.2 section 2.7; all ring fields little-endian. */

#define VQ_MAX_SIZE 1024 /* largest queue size we offer */
#define VQ_MAX_SEGS 1024 /* buffers in a chain, indirect too */

#define VRING_DESC_F_NEXT	   1
#define VRING_DESC_F_WRITE	   2
#define VRING_DESC_F_INDIRECT	   4
#define VRING_USED_F_NO_NOTIFY	   1
#define VRING_AVAIL_F_NO_INTERRUPT 1

struct vring_desc {
	u64 addr;
	u32 len;
	u16 flags;
	u16 next;
} __packed;

struct vring_avail {
	u16 flags;
	u16 idx;
	u16 ring[]; /* then u16 used_event */
} __packed;

struct vring_used_elem {
	u32 id;
	u32 len;
} __packed;

struct vring_used {
	u16 flags;
	u16 idx;
	struct vring_used_elem ring[]; /* then u16 avail_event */
} __packed;

struct virtqueue {
	const struct guest_mem *mem;
	/* Set by the driver through the transport, before enable. */
	u16 size;
	u16 msix_vector;
	u64 desc_gpa, avail_gpa, used_gpa;
	bool ready;
	/* Resolved by vq_enable(), each ring checked whole. */
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	/* Device-side state, touched only by the device's I/O thread. */
	u16 last_avail;	    /* next avail ring slot to consume */
	u16 used_idx;	    /* our copy of used->idx */
	u16 signalled_used; /* used_idx when we last notified */
	bool signalled_used_valid;
	bool event_idx; /* VIRTIO_F_EVENT_IDX negotiated */
	bool broken;	/* a malformed chain was seen */
	bool no_kick;	/* vq_set_kick(false): device polls */
	/* eventfds owned by the transport: guest doorbell and interrupt. */
	int kick_fd;
	int call_fd;
	/* Interrupts signalled, for --stats (the I/O thread's, atomic). */
	u64 interrupts;
};

/*
 * One request: out (device-readable) segments first, then in
 * (device-writable) ones, as the spec requires. The iovecs point straight
 * into guest memory and were each checked with guest_mem_ptr().
 */
struct vq_chain {
	u16 head;
	unsigned int nr_out;
	unsigned int nr_in;
	u64 out_len;
	u64 in_len;
	struct iovec iov[VQ_MAX_SEGS];
};

/*
 * A device's I/O thread, woken by kick_fd, typically does:
 *
 *	do {
 *		vq_set_kick(vq, false);		// we are polling now
 *		while ((ret = vq_pop(vq, &c)) > 0)
 *			... vq_push(vq, c.head, written);
 *		virtio_vq_notify(vd, vq);	// one interrupt per batch
 *		if (ret < 0)
 *			virtio_dev_needs_reset(vd, "...");
 *		vq_set_kick(vq, true);
 *	} while (ret >= 0 && vq_has_avail(vq));	// close the race
 */

/* Clear device state; keeps mem and the eventfds. */
void vq_reset(struct virtqueue *vq);

/*
 * Validate size (power of two, 1..VQ_MAX_SIZE) and that each ring lies in
 * guest RAM with the alignment the spec requires; -EINVAL / -EFAULT.
 */
int vq_enable(struct virtqueue *vq, bool event_idx);

/* The device side of a queue, for snapshots (driver fields aside). */
struct vq_state {
	u16 last_avail;
	u16 used_idx;
	u16 signalled_used;
	u8 signalled_used_valid;
	u8 broken;
};

void vq_save(const struct virtqueue *vq, struct vq_state *out);

/*
 * Enable a queue whose size and ring addresses were restored, with the
 * device-side indexes of @st: vq_enable()'s checks, and the used index in
 * guest RAM must be the device's (the memory is the state's). Kicks are
 * taken as wanted (the snapshot left them so). -EINVAL / -EFAULT as
 * vq_enable(), -ESTALE for an index that does not match.
 */
int vq_restore(struct virtqueue *vq, bool event_idx, const struct vq_state *st);

/*
 * Take the next available chain. Returns 1 with @c filled, 0 when the
 * ring is empty, or -EIO when the driver broke the ring (loop, next out of
 * range, address outside RAM, bad indirect table, writable-then-readable
 * order, too many segments, avail idx jumping more than size): the queue
 * is then marked broken, the caller marks the device NEEDS_RESET.
 */
int vq_pop(struct virtqueue *vq, struct vq_chain *c);

/*
 * Hand back the last @n chains vq_pop() returned that were not pushed
 * (e.g. receive buffers taken for a frame that was then dropped).
 */
void vq_unpop(struct virtqueue *vq, u16 n);

/*
 * True when the driver has made chains available that vq_pop() has not
 * taken yet (the re-check after vq_set_kick(vq, true)).
 */
bool vq_has_avail(struct virtqueue *vq);

/* Return chain @head with @written bytes written into its in segments. */
void vq_push(struct virtqueue *vq, u16 head, u32 written);

/*
 * After a batch of vq_push(): true when the driver wants an interrupt
 * (VRING_AVAIL_F_NO_INTERRUPT or used_event, with the memory barrier that
 * orders our used->idx store before reading its request).
 */
bool vq_should_notify(struct virtqueue *vq);

/*
 * Ask the driver not to kick (polling) or to kick again; with EVENT_IDX
 * this writes avail_event. After enabling, callers must check the ring
 * once more to close the race with a kick that was suppressed.
 */
void vq_set_kick(struct virtqueue *vq, bool enable);

/*
 * Bytes copied between a chain's segments and a flat buffer; any other
 * walk over segments uses vmm/base/iov.h.
 */
size_t vq_copy_from_out(const struct vq_chain *c, u64 off, void *dst,
			size_t len);
size_t vq_copy_to_in(const struct vq_chain *c, u64 off, const void *src,
		     size_t len);

#endif
