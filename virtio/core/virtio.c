// SPDX-License-Identifier: MIT
/* Transport-independent virtio device state (virtio 1.2 sections 2, 3). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "virtio/core/virtio.h"
#include "vmm/base/log.h"

/* What the transport and virtqueue code implement for every device. */
#define VIRTIO_TRANSPORT_FEATURES                \
	((1ULL << VIRTIO_F_VERSION_1) |          \
	 (1ULL << VIRTIO_F_RING_INDIRECT_DESC) | \
	 (1ULL << VIRTIO_F_RING_EVENT_IDX))

/* Feature bits every device type shares (virtio 1.2, section 6), by name. */
static const flag_name transport_features[64] = {
	[24] = "NOTIFY_ON_EMPTY",
	[27] = "ANY_LAYOUT",
	[VIRTIO_F_RING_INDIRECT_DESC] = "RING_INDIRECT_DESC",
	[VIRTIO_F_RING_EVENT_IDX] = "RING_EVENT_IDX",
	[VIRTIO_F_VERSION_1] = "VERSION_1",
	[VIRTIO_F_ACCESS_PLATFORM] = "ACCESS_PLATFORM",
	[34] = "RING_PACKED",
	[35] = "IN_ORDER",
	[36] = "ORDER_PLATFORM",
	[37] = "SR_IOV",
	[38] = "NOTIFICATION_DATA",
	[39] = "NOTIF_CONFIG_DATA",
	[40] = "RING_RESET",
};

/* The device status bits (section 2.1), by name. */
static const flag_name status_names[8] = {
	"ACKNOWLEDGE", "DRIVER", "DRIVER_OK", "FEATURES_OK", "", "",
	"NEEDS_RESET", "FAILED",
};

void virtio_note_features(const struct virtio_dev *vd, u32 word, u32 bits,
			  struct trace_note *n)
{
	const flag_name *dev = vd->ops->feature_names;
	flag_name names[32];
	unsigned int i, bit;

	if (word > 1)
		return;
	for (i = 0; i < 32; i++) {
		bit = 32 * word + i;
		memcpy(names[i],
		       bit < 24 && dev ? dev[bit] : transport_features[bit],
		       sizeof(flag_name));
		if (!names[i][0] && (bits & (1u << i)))
			snprintf(names[i], sizeof(names[i]), "bit%u", bit);
	}
	note_flags(n, bits, names, 32);
}

void virtio_note_status(u8 status, struct trace_note *n)
{
	note_flags(n, status, status_names, 8);
	if (!status)
		note_printf(n, " (reset)");
}

void virtio_irq_route(struct virtio_dev *vd, u16 q, char *buf, size_t len)
{
	u16 vector = vd->vq[q].msix_vector;

	if (vd->tops && vd->tops->irq_route)
		vd->tops->irq_route(vd, vector, buf, len);
	else
		snprintf(buf, len, "vector %u", vector);
}

void virtio_dev_observe(struct virtio_dev *vd, const char *type,
			unsigned int index, struct trace *trace, bool timed)
{
	snprintf(vd->name, sizeof(vd->name), "%s%u", type, index);
	vd->index = index;
	vd->trace = trace;
	vd->timed = timed;
}

void virtio_dev_init(struct virtio_dev *vd, const struct virtio_dev_ops *ops,
		     const struct guest_mem *mem)
{
	unsigned int i;

	memset(vd, 0, sizeof(*vd));
	vd->ops = ops;
	vd->mem = mem;
	pthread_mutex_init(&vd->lock, NULL);
	snprintf(vd->name, sizeof(vd->name), "virtio-%u", ops->device_id);
	/* ACCESS_PLATFORM is never offered: we have no IOMMU. */
	vd->device_features = (ops->features | VIRTIO_TRANSPORT_FEATURES) &
			      ~(1ULL << VIRTIO_F_ACCESS_PLATFORM);
	for (i = 0; i < VIRTIO_MAX_QUEUES; i++) {
		vd->vq[i].mem = mem;
		vd->vq[i].kick_fd = -1;
		vd->vq[i].call_fd = -1;
		vq_reset(&vd->vq[i]);
	}
}

u64 virtio_ack_features(struct virtio_dev *vd, u64 features)
{
	vd->driver_features = features & vd->device_features;
	return vd->driver_features;
}

void virtio_dev_needs_reset(struct virtio_dev *vd, const char *why)
{
	bool first;

	pthread_mutex_lock(&vd->lock);
	first = !(vd->status & VIRTIO_STATUS_NEEDS_RESET);
	vd->status |= VIRTIO_STATUS_NEEDS_RESET;
	pthread_mutex_unlock(&vd->lock);
	if (!first)
		return;
	/* A guest can cycle bad request / reset: log the first one only. */
	if (warn_once(&vd->warned, VIRTIO_WARN_NEEDS_RESET))
		pr_warn("virtio device (id %u) needs reset: %s",
			vd->ops->device_id, why);
	__atomic_or_fetch(&vd->isr, VIRTIO_ISR_CONFIG, __ATOMIC_RELAXED);
	if (vd->tops && vd->tops->config_changed)
		vd->tops->config_changed(vd);
}

void virtio_dev_config_changed(struct virtio_dev *vd)
{
	__atomic_add_fetch(&vd->config_generation, 1, __ATOMIC_RELEASE);
	__atomic_or_fetch(&vd->isr, VIRTIO_ISR_CONFIG, __ATOMIC_RELAXED);
	if (vd->tops && vd->tops->config_changed)
		vd->tops->config_changed(vd);
}

void virtio_eventfd_signal(struct virtio_dev *vd, int fd, u32 warn,
			   const char *what)
{
	u64 one = 1;

	if (fd >= 0 && write(fd, &one, sizeof(one)) < 0 &&
	    warn_once(&vd->warned, warn))
		pr_warn("%s", what);
}

/* --trace: the interrupt a queue's completions raised, or why none. */
static void trace_notify(struct virtio_dev *vd, struct virtqueue *vq, bool sent,
			 int fd)
{
	unsigned int q = vq - vd->vq;
	char route[64];

	if (!sent) {
		trace_event(vd->trace, TRACE_IRQ, "irq", __FILE__,
			    "%s queue %u: no interrupt, the driver asked for "
			    "none yet (%s)",
			    vd->name, q,
			    vq->event_idx ? "used_event" : "NO_INTERRUPT");
		return;
	}
	if (fd < 0) {
		trace_event(vd->trace, TRACE_IRQ, "irq", __FILE__,
			    "%s queue %u: no MSI-X vector set, so only the ISR "
			    "bit tells (the driver polls)",
			    vd->name, q);
		return;
	}
	virtio_irq_route(vd, q, route, sizeof(route));
	trace_event(vd->trace, TRACE_IRQ, "irq", __FILE__,
		    "%s queue %u: interrupt, %s: the irqfd write makes KVM "
		    "inject it, no exit",
		    vd->name, q, route);
}

void virtio_vq_notify(struct virtio_dev *vd, struct virtqueue *vq)
{
	bool notify = vq_should_notify(vq);
	int fd;

	/* The transport may re-point call_fd when the driver moves vectors. */
	fd = __atomic_load_n(&vq->call_fd, __ATOMIC_ACQUIRE);
	if (vd->trace)
		trace_notify(vd, vq, notify, fd);
	if (!notify)
		return;
	__atomic_or_fetch(&vd->isr, VIRTIO_ISR_QUEUE, __ATOMIC_RELAXED);
	__atomic_store_n(&vq->interrupts, vq->interrupts + 1, __ATOMIC_RELAXED);
	virtio_eventfd_signal(vd, fd, VIRTIO_WARN_CALL_WRITE,
			      "virtio: interrupt eventfd write failed");
}

void virtio_eventfd_drain(struct virtio_dev *vd, int fd)
{
	u64 v;

	if (fd >= 0 && read(fd, &v, sizeof(v)) < 0 && errno != EAGAIN &&
	    warn_once(&vd->warned, VIRTIO_WARN_EVENTFD_READ))
		pr_warn("virtio: eventfd read: %s", strerror(errno));
}
