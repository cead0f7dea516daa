// SPDX-License-Identifier: MIT
/*
 * Snapshots of a virtio-pci function (virtio_pci.h): configuration space,
 * the transport's registers, MSI-X table and pending interrupts, the
 * queues with their device-side indexes, and the device status. Everything
 * in a saved state is checked against the device it is restored into, as
 * any other file squeeze reads.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>

#include "virtio/pci/virtio_pci_int.h"
#include "vmm/base/log.h"

int virtio_pci_quiesce(struct virtio_pci *vp, bool on)
{
	const struct virtio_dev_ops *ops = vp->vd->ops;
	bool activated;

	pthread_mutex_lock(&vp->lock);
	activated = vp->activated;
	pthread_mutex_unlock(&vp->lock);
	if (!ops->quiesce)
		return -EOPNOTSUPP;
	return activated ? ops->quiesce(vp->vd, on) : 0;
}

static bool efd_pending(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return fd >= 0 && poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

static void save_queues(struct virtio_pci *vp, struct virtio_pci_state *out)
{
	u32 q;

	for (q = 0; q < vp->nr_queues; q++) {
		const struct virtqueue *vq = &vp->vd->vq[q];
		struct virtio_pci_queue_state *s = &out->q[q];

		s->size = vq->size;
		s->msix_vector = vq->msix_vector;
		s->ready = vq->ready;
		s->desc_gpa = vq->desc_gpa;
		s->avail_gpa = vq->avail_gpa;
		s->used_gpa = vq->used_gpa;
		vq_save(vq, &s->dev);
	}
}

void virtio_pci_save(struct virtio_pci *vp, struct virtio_pci_state *out)
{
	struct virtio_dev *vd = vp->vd;
	u32 i;

	memset(out, 0, sizeof(*out));
	pci_dev_save_cfg(&vp->pci, out->cfg);
	pthread_mutex_lock(&vp->lock);
	out->device_id = vd->ops->device_id;
	out->nr_queues = vp->nr_queues;
	out->nr_vectors = vp->nr_vectors;
	out->dfselect = vp->dfselect;
	out->gfselect = vp->gfselect;
	out->queue_select = vp->queue_select;
	out->msix_config = vp->msix_config;
	out->activated = vp->activated;
	memcpy(out->msix_table, vp->msix_table, sizeof(out->msix_table));
	/* A masked vector's interrupt waits in its eventfd: the PBA bit. */
	for (i = 0; i < vp->nr_vectors; i++)
		if (!vp->vec[i].active && efd_pending(vp->vec[i].efd))
			out->msix_pending |= 1u << i;
	save_queues(vp, out);
	pthread_mutex_unlock(&vp->lock);
	pthread_mutex_lock(&vd->lock);
	out->device_features = vd->device_features;
	out->driver_features = vd->driver_features;
	out->status = vd->status;
	out->config_generation = vd->config_generation;
	pthread_mutex_unlock(&vd->lock);
	out->isr = __atomic_load_n(&vd->isr, __ATOMIC_RELAXED);
}

static int mismatch(struct virtio_pci *vp, struct err *err, const char *what)
{
	return err_input(err, -EINVAL, "virtio-pci %02x.0: the snapshot's %s",
			 vp->pci.slot, what);
}

/* Everything that must agree with the device before anything changes. */
static int check(struct virtio_pci *vp, const struct virtio_pci_state *in,
		 struct err *err)
{
	u32 q;

	if (in->device_id != vp->vd->ops->device_id ||
	    in->nr_queues != vp->nr_queues || in->nr_vectors != vp->nr_vectors)
		return mismatch(vp, err, "device is of another kind");
	if (in->device_features != vp->vd->device_features)
		return mismatch(
			vp, err,
			"device offered other features (another disk mode?)");
	if (in->driver_features & ~in->device_features)
		return mismatch(vp, err, "driver features were never offered");
	if (in->msix_config >= vp->nr_vectors &&
	    in->msix_config != VIRTIO_MSI_NO_VECTOR)
		return mismatch(vp, err, "config vector is out of range");
	for (q = 0; q < vp->nr_queues; q++) {
		const struct virtio_pci_queue_state *s = &in->q[q];

		if (s->size > VQ_MAX_SIZE ||
		    (s->msix_vector >= vp->nr_vectors &&
		     s->msix_vector != VIRTIO_MSI_NO_VECTOR))
			return mismatch(vp, err, "queue size or vector");
	}
	return 0;
}

static int restore_queues(struct virtio_pci *vp,
			  const struct virtio_pci_state *in, struct err *err)
{
	bool event_idx =
		in->driver_features & (1ULL << VIRTIO_F_RING_EVENT_IDX);
	char what[80];
	u32 q;
	int ret;

	for (q = 0; q < vp->nr_queues; q++) {
		const struct virtio_pci_queue_state *s = &in->q[q];
		struct virtqueue *vq = &vp->vd->vq[q];

		vq->size = s->size;
		vq->msix_vector = s->msix_vector;
		vq->desc_gpa = s->desc_gpa;
		vq->avail_gpa = s->avail_gpa;
		vq->used_gpa = s->used_gpa;
		__atomic_store_n(&vq->call_fd, vp_vector_fd(vp, s->msix_vector),
				 __ATOMIC_RELEASE);
		if (!s->ready)
			continue;
		ret = vq_restore(vq, event_idx, &s->dev);
		if (ret) {
			snprintf(
				what, sizeof(what), "queue %u %s", q,
				ret == -ESTALE ?
					"does not match guest RAM (another memory file?)" :
					"lies outside guest RAM or is misaligned");
			return mismatch(vp, err, what);
		}
	}
	return 0;
}

static void restore_regs(struct virtio_pci *vp,
			 const struct virtio_pci_state *in)
{
	struct virtio_dev *vd = vp->vd;
	u32 i;

	pthread_mutex_lock(&vp->lock);
	vp->dfselect = in->dfselect;
	vp->gfselect = in->gfselect;
	vp->queue_select = in->queue_select;
	__atomic_store_n(&vp->msix_config, in->msix_config, __ATOMIC_RELEASE);
	memcpy(vp->msix_table, in->msix_table, sizeof(vp->msix_table));
	for (i = 0; i < vp->nr_vectors; i++) {
		u8 *ctrl = &vp->msix_table[i * PCI_MSIX_ENTRY_SIZE +
					   PCI_MSIX_ENTRY_VECTOR_CTRL];

		ctrl[0] &= PCI_MSIX_ENTRY_CTRL_MASKBIT;
		memset(ctrl + 1, 0, 3);
	}
	pthread_mutex_unlock(&vp->lock);
	pthread_mutex_lock(&vd->lock);
	vd->driver_features = in->driver_features;
	vd->status = in->status;
	vd->config_generation = in->config_generation;
	pthread_mutex_unlock(&vd->lock);
	__atomic_store_n(&vd->isr,
			 in->isr & (VIRTIO_ISR_QUEUE | VIRTIO_ISR_CONFIG),
			 __ATOMIC_RELAXED);
}

/* Pending interrupts of masked vectors wait in their eventfds again. */
static void restore_pending(struct virtio_pci *vp, u32 pending)
{
	u32 i;

	for (i = 0; i < vp->nr_vectors; i++)
		if (pending & (1u << i))
			virtio_eventfd_signal(
				vp->vd, vp->vec[i].efd, VIRTIO_WARN_CONFIG_IRQ,
				"virtio-pci: eventfd write failed");
}

/* The driver had started the device: start it and let it look around. */
static void restart_device(struct virtio_pci *vp)
{
	struct virtio_dev *vd = vp->vd;
	u32 q;

	pthread_mutex_lock(&vp->lock);
	vp->activated = true;
	if (vd->ops->activate && vd->ops->activate(vd))
		virtio_dev_needs_reset(vd, "device failed to start");
	pthread_mutex_unlock(&vp->lock);
	for (q = 0; q < vp->nr_queues; q++) {
		struct virtqueue *vq = &vd->vq[q];

		if (!vq->ready)
			continue;
		virtio_eventfd_signal(
			vd, vq->kick_fd, VIRTIO_WARN_DOORBELL_WRITE,
			"virtio-pci: doorbell eventfd write failed");
		virtio_eventfd_signal(vd, vq->call_fd, VIRTIO_WARN_CALL_WRITE,
				      "virtio: interrupt eventfd write failed");
	}
}

int virtio_pci_restore(struct virtio_pci *vp, const struct virtio_pci_state *in,
		       struct err *err)
{
	int ret;

	ret = check(vp, in, err);
	if (ret)
		return ret;
	if (pci_dev_restore_cfg(&vp->pci, in->cfg))
		return mismatch(vp, err,
				"PCI configuration space is another device's");
	restore_regs(vp, in);
	vp_msix_control_changed(vp);
	return restore_queues(vp, in, err);
}

void virtio_pci_restart(struct virtio_pci *vp,
			const struct virtio_pci_state *in)
{
	u8 st = in->status;

	restore_pending(vp, in->msix_pending);
	if (!in->activated)
		return;
	if ((st & VIRTIO_STATUS_DRIVER_OK) &&
	    !(st & (VIRTIO_STATUS_NEEDS_RESET | VIRTIO_STATUS_FAILED))) {
		restart_device(vp);
	} else {
		/* Broken or failed: it waits for the driver's reset. */
		pthread_mutex_lock(&vp->lock);
		vp->activated = true;
		pthread_mutex_unlock(&vp->lock);
	}
}
