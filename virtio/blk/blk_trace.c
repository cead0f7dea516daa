// SPDX-License-Identifier: MIT
/*
 * A virtio-blk request's life in --trace, step by step on the device's I/O
 * thread: the doorbell that woke it, the chain popped off the available
 * ring, the request submitted to the disk, its completion, the used entry
 * pushed (the interrupt that follows is virtio_vq_notify()'s). With
 * --trace-file, each request is also an asynchronous span from pop to
 * completion on the thread's track.
 */
#include <stdio.h>

#include "virtio/blk/blk_priv.h"
#include "vmm/base/clock.h"

#define BLK_IO_FILE "virtio/blk/blk_io.c"

/* The request types (blk_req.h) by name. */
static const char *type_name(u32 type)
{
	switch (type) {
	case VIRTIO_BLK_T_IN:
		return "read";
	case VIRTIO_BLK_T_OUT:
		return "write";
	case VIRTIO_BLK_T_FLUSH:
		return "flush";
	case VIRTIO_BLK_T_GET_ID:
		return "get_id";
	case VIRTIO_BLK_T_DISCARD:
		return "discard";
	case VIRTIO_BLK_T_WRITE_ZEROES:
		return "write_zeroes";
	default:
		return "unknown type";
	}
}

static const char *status_name(u8 status)
{
	return status == VIRTIO_BLK_S_OK     ? "OK" :
	       status == VIRTIO_BLK_S_IOERR  ? "IOERR" :
	       status == VIRTIO_BLK_S_UNSUPP ? "UNSUPP" :
					       "?";
}

void blk_trace_doorbell(struct virtio_blk *blk)
{
	trace_event(blk->vdev.trace, TRACE_VIRTIO, "doorbell", BLK_IO_FILE,
		    "%s queue 0: the guest's notify write signalled the "
		    "ioeventfd (no exit); %s wakes and drains the ring",
		    blk->vdev.name, blk->io.name);
}

void blk_trace_pop(struct virtio_blk *blk, const struct vq_chain *c,
		   struct blk_io *io)
{
	struct trace *t = blk->vdev.trace;
	char what[96];

	if (io->type == VIRTIO_BLK_T_FLUSH || io->type == VIRTIO_BLK_T_GET_ID)
		snprintf(what, sizeof(what), "%s", type_name(io->type));
	else
		snprintf(what, sizeof(what), "%s sector %llu, %llu bytes",
			 type_name(io->type),
			 (unsigned long long)(io->offset / BLK_SECTOR),
			 (unsigned long long)io->len);
	trace_event(t, TRACE_VIRTIO, "pop", BLK_IO_FILE,
		    "%s queue 0: head %u off the available ring: %s (%u out, "
		    "%u in segments)",
		    blk->vdev.name, c->head, what, c->nr_out, c->nr_in);
	io->trace_id = 1ULL << 56 | (u64)blk->vdev.index << 40 | ++blk->seq;
	trace_async(t, "io", type_name(io->type), io->trace_id, clock_ns(),
		    true, what);
}

void blk_trace_submit(struct virtio_blk *blk, const struct blk_io *io)
{
	const struct disk *d = &blk->disk;

	trace_event(blk->vdev.trace, TRACE_IO, "submit", BLK_IO_FILE,
		    "%s: %s %llu bytes at offset %llu to the %s disk (%s)",
		    blk->vdev.name, type_name(io->type),
		    (unsigned long long)io->len, (unsigned long long)io->offset,
		    d->ops->name, d->direct ? "O_DIRECT" : "page cache");
}

void blk_trace_done(struct virtio_blk *blk, const struct blk_io *io, u8 status,
		    u32 used_len, u64 ns, bool pushed)
{
	struct trace *t = blk->vdev.trace;

	trace_event(t, TRACE_IO, "complete", BLK_IO_FILE,
		    "%s: %s done, status %s, %llu us after its pop%s",
		    blk->vdev.name, type_name(io->type), status_name(status),
		    (unsigned long long)(ns / 1000),
		    pushed ? "" : " (the device was reset: dropped)");
	if (pushed)
		trace_event(t, TRACE_VIRTIO, "push", BLK_IO_FILE,
			    "%s queue 0: head %u onto the used ring, len %u "
			    "(status byte %s)",
			    blk->vdev.name, io->head, used_len,
			    status_name(status));
	trace_async(t, "io", type_name(io->type), io->trace_id, clock_ns(),
		    false, status_name(status));
}
