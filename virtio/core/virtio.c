// SPDX-License-Identifier: MIT
/* Transport-independent virtio device state (virtio 1.2 sections 2, 3). */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "virtio/core/virtio.h"
#include "vmm/base/log.h"

/* What the transport and virtqueue code implement for every device. */
#define VIRTIO_TRANSPORT_FEATURES				\
	((1ULL << VIRTIO_F_VERSION_1) |				\
	 (1ULL << VIRTIO_F_RING_INDIRECT_DESC) |		\
	 (1ULL << VIRTIO_F_RING_EVENT_IDX))

void virtio_dev_init(struct virtio_dev *vd, const struct virtio_dev_ops *ops,
		     const struct guest_mem *mem)
{
	unsigned int i;

	memset(vd, 0, sizeof(*vd));
	vd->ops = ops;
	vd->mem = mem;
	pthread_mutex_init(&vd->lock, NULL);
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

void virtio_vq_notify(struct virtio_dev *vd, struct virtqueue *vq)
{
	int fd;

	if (!vq_should_notify(vq))
		return;
	__atomic_or_fetch(&vd->isr, VIRTIO_ISR_QUEUE, __ATOMIC_RELAXED);
	/* The transport may re-point call_fd when the driver moves vectors. */
	fd = __atomic_load_n(&vq->call_fd, __ATOMIC_ACQUIRE);
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
