/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_VIRTIO_H
#define SQUEEZE_VIRTIO_H

#include <pthread.h>

#include "virtio/core/virtqueue.h"
#include "vmm/core/guest_mem.h"
#include "vmm/core/trace.h"
#include "vmm/base/types.h"

/* Device status bits, virtio 1.2 section 2.1. */
#define VIRTIO_STATUS_ACKNOWLEDGE 1
#define VIRTIO_STATUS_DRIVER	  2
#define VIRTIO_STATUS_DRIVER_OK	  4
#define VIRTIO_STATUS_FEATURES_OK 8
#define VIRTIO_STATUS_NEEDS_RESET 64
#define VIRTIO_STATUS_FAILED	  128

/* Transport-independent feature bits. */
#define VIRTIO_F_RING_INDIRECT_DESC 28
#define VIRTIO_F_RING_EVENT_IDX	    29
#define VIRTIO_F_VERSION_1	    32
#define VIRTIO_F_ACCESS_PLATFORM    33

#define VIRTIO_ID_NET	1
#define VIRTIO_ID_BLOCK 2

#define VIRTIO_MAX_QUEUES 16

struct virtio_dev;

/* What a device type (blk, net) gives the transport. */
struct virtio_dev_ops {
	u32 device_id;
	u32 nr_queues;
	u16 queue_size; /* max size offered per queue */
	u64 features;	/* transport bits added */
	u32 config_size;
	void (*read_config)(struct virtio_dev *vd, u32 off, void *data,
			    u32 len);
	void (*write_config)(struct virtio_dev *vd, u32 off, const void *data,
			     u32 len);
	/* DRIVER_OK: features and queues are final; start the I/O thread. */
	int (*activate)(struct virtio_dev *vd);
	/*
	 * Driver wrote status 0 (or the transport is being destroyed):
	 * stop the I/O thread, forget requests. Called only after activate
	 * was (even if it failed), on a vCPU thread, before the transport
	 * resets the queues. It must not wait for anything a vCPU does.
	 */
	void (*reset)(struct virtio_dev *vd);
	/*
	 * Snapshots. With @on: every request the device holds is finished
	 * (completed in the used ring) or given back (unseen in the avail
	 * ring), the backend flushed, and the queues left alone until called
	 * again with !@on, which looks at them at once. Called only between
	 * activate and reset, with the vCPUs parked. 0, or -errno when the
	 * flush failed. NULL: the device cannot be snapshotted.
	 */
	int (*quiesce)(struct virtio_dev *vd, bool on);
	/*
	 * For --trace: the names of its feature bits 0..23 (the spec's,
	 * without the VIRTIO_<DEV>_F_ prefix) and of its configuration
	 * structure's fields.
	 */
	const flag_name *feature_names;
	const struct reg_name *config_names;
	unsigned int nr_config_names;
};

/* What the transport gives the device (PCI today, MMIO possibly later). */
struct virtio_transport_ops {
	/* The device's configuration changed, or it needs a reset. */
	void (*config_changed)(struct virtio_dev *vd);
	/*
	 * For --trace and --stats: how the queue's interrupt reaches the
	 * guest, "MSI-X 1 -> vector 0x31", into @buf. May be NULL.
	 */
	void (*irq_route)(struct virtio_dev *vd, u16 vector, char *buf,
			  size_t len);
};

/*
 * Common virtio state. Devices embed it and use container_of(). The
 * transport owns status, features and queue configuration; the device's
 * I/O thread owns the queues' ring state between activate and reset.
 */
struct virtio_dev {
	const struct virtio_dev_ops *ops;
	const struct virtio_transport_ops *tops;
	void *transport;
	const struct guest_mem *mem;
	pthread_mutex_t lock; /* status and config changes */
	u64 device_features;  /* offered */
	u64 driver_features;  /* acked, always a subset */
	u8 status;
	u8 config_generation;
	u8 isr;	    /* ISR status bits, atomic */
	u32 warned; /* enum virtio_warn, atomic */
	struct virtqueue vq[VIRTIO_MAX_QUEUES];
	char name[24];	     /* "virtio-blk0" */
	unsigned int index;  /* 0 in "virtio-blk0" */
	struct trace *trace; /* --trace, or NULL */
	bool timed;	     /* time requests (--stats) */
};

/*
 * Problems a device reports once in its lifetime (warn_once() on
 * virtio_dev.warned); a driver reset does not re-arm them.
 */
enum virtio_warn {
	VIRTIO_WARN_CALL_WRITE = 1u << 0, /* interrupt eventfd */
	VIRTIO_WARN_EVENTFD_READ = 1u << 1,
	VIRTIO_WARN_BACKEND_IO = 1u << 2, /* disk or tap failed */
	VIRTIO_WARN_DOORBELL_IOEVENTFD = 1u << 3,
	VIRTIO_WARN_DOORBELL_WRITE = 1u << 4,
	VIRTIO_WARN_CONFIG_IRQ = 1u << 5,
	VIRTIO_WARN_NEEDS_RESET = 1u << 6,
};

#define VIRTIO_ISR_QUEUE  1
#define VIRTIO_ISR_CONFIG 2

/* Fill in the common part; vq[i].kick_fd/call_fd are set by the transport. */
void virtio_dev_init(struct virtio_dev *vd, const struct virtio_dev_ops *ops,
		     const struct guest_mem *mem);

/*
 * What the VM tells a device it made: its name in the trace and the
 * tables ("virtio-blk0" for @type "virtio-blk", @index 0), the trace, and
 * whether to time requests (--stats).
 */
void virtio_dev_observe(struct virtio_dev *vd, const char *type,
			unsigned int index, struct trace *trace, bool timed);

/*
 * For --trace: the feature bits of @bits (bit 0 is bit 32 * @word of the
 * whole set) by name, " (SEG_MAX BLK_SIZE FLUSH VERSION_1)", and the
 * device status " (ACKNOWLEDGE DRIVER)".
 */
void virtio_note_features(const struct virtio_dev *vd, u32 word, u32 bits,
			  struct trace_note *n);
void virtio_note_status(u8 status, struct trace_note *n);
/* How queue @q's interrupts reach the guest, from the transport. */
void virtio_irq_route(struct virtio_dev *vd, u16 q, char *buf, size_t len);

static inline bool virtio_has_feature(const struct virtio_dev *vd,
				      unsigned int bit)
{
	return vd->driver_features & (1ULL << bit);
}

/*
 * The driver acks @features: anything never offered is dropped, as is
 * anything a device forbids. Returns what remains.
 */
u64 virtio_ack_features(struct virtio_dev *vd, u64 features);

/* Set NEEDS_RESET, log @why once for this device, tell the driver. */
void virtio_dev_needs_reset(struct virtio_dev *vd, const char *why);

/*
 * The device's configuration changed (virtio 1.2 section 2.5.1): a new
 * config_generation, the ISR's configuration bit and a configuration
 * change interrupt. Safe from any thread.
 */
void virtio_dev_config_changed(struct virtio_dev *vd);

/* After vq_push()es: signal the queue's call eventfd if the driver wants. */
void virtio_vq_notify(struct virtio_dev *vd, struct virtqueue *vq);

/*
 * Read a doorbell eventfd of @vd back to zero; nothing pending
 * (EAGAIN) is fine, and fd -1 is ignored.
 */
void virtio_eventfd_drain(struct virtio_dev *vd, int fd);

/*
 * Add one to interrupt or doorbell eventfd @fd (-1 is ignored); a failed
 * write logs @what the first time @warn (enum virtio_warn) fails.
 */
void virtio_eventfd_signal(struct virtio_dev *vd, int fd, u32 warn,
			   const char *what);

#endif
