// SPDX-License-Identifier: MIT
/*
 * The common configuration structure of virtio-pci (virtio 1.2 section
 * 4.1.4.3): feature negotiation, device status, queue configuration.
 * Runs on vCPU threads with vp->lock held; no device work happens here
 * beyond ops->activate / ops->reset at the status transitions.
 */
#include <errno.h>
#include <string.h>

#include "virtio/pci/virtio_pci_int.h"
#include "vmm/base/log.h"

/* struct virtio_pci_common_cfg's fields (virtio_pci.h), by the spec's names. */
static const struct reg_name common_names[] = {
	{ VIRTIO_PCI_COMMON_DFSELECT, 4, "device_feature_select" },
	{ VIRTIO_PCI_COMMON_DF, 4, "device_feature" },
	{ VIRTIO_PCI_COMMON_GFSELECT, 4, "driver_feature_select" },
	{ VIRTIO_PCI_COMMON_GF, 4, "driver_feature" },
	{ VIRTIO_PCI_COMMON_MSIX, 2, "config_msix_vector" },
	{ VIRTIO_PCI_COMMON_NUMQ, 2, "num_queues" },
	{ VIRTIO_PCI_COMMON_STATUS, 1, "device_status" },
	{ VIRTIO_PCI_COMMON_CFGGENERATION, 1, "config_generation" },
	{ VIRTIO_PCI_COMMON_Q_SELECT, 2, "queue_select" },
	{ VIRTIO_PCI_COMMON_Q_SIZE, 2, "queue_size" },
	{ VIRTIO_PCI_COMMON_Q_MSIX, 2, "queue_msix_vector" },
	{ VIRTIO_PCI_COMMON_Q_ENABLE, 2, "queue_enable" },
	{ VIRTIO_PCI_COMMON_Q_NOFF, 2, "queue_notify_off" },
	{ VIRTIO_PCI_COMMON_Q_DESCLO, 4, "queue_desc_lo" },
	{ VIRTIO_PCI_COMMON_Q_DESCHI, 4, "queue_desc_hi" },
	{ VIRTIO_PCI_COMMON_Q_AVAILLO, 4, "queue_driver_lo" },
	{ VIRTIO_PCI_COMMON_Q_AVAILHI, 4, "queue_driver_hi" },
	{ VIRTIO_PCI_COMMON_Q_USEDLO, 4, "queue_device_lo" },
	{ VIRTIO_PCI_COMMON_Q_USEDHI, 4, "queue_device_hi" },
};

static struct virtqueue *selected_vq(struct virtio_pci *vp)
{
	if (vp->queue_select >= vp->nr_queues)
		return NULL;
	return &vp->vd->vq[vp->queue_select];
}

static u16 max_queue_size(struct virtio_pci *vp)
{
	u16 n = vp->vd->ops->queue_size;

	return n && n <= VQ_MAX_SIZE ? n : VQ_MAX_SIZE;
}

void vp_reset_state(struct virtio_pci *vp)
{
	struct virtio_dev *vd = vp->vd;
	unsigned int i;

	for (i = 0; i < vp->nr_queues; i++) {
		struct virtqueue *vq = &vd->vq[i];

		vq_reset(vq);
		vq->size = max_queue_size(vp);
		vq->msix_vector = VIRTIO_MSI_NO_VECTOR;
		__atomic_store_n(&vq->call_fd, -1, __ATOMIC_RELEASE);
		/* A stale doorbell would only wake the next I/O thread. */
		virtio_eventfd_drain(vd, vq->kick_fd);
	}
	pthread_mutex_lock(&vd->lock);
	vd->status = 0;
	vd->driver_features = 0;
	pthread_mutex_unlock(&vd->lock);
	__atomic_store_n(&vd->isr, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&vp->msix_config, VIRTIO_MSI_NO_VECTOR,
			 __ATOMIC_RELEASE);
	vp->dfselect = vp->gfselect = 0;
	vp->queue_select = 0;
}

void vp_reset(struct virtio_pci *vp)
{
	/* The device stops its I/O thread before we touch the queues. */
	if (vp->activated && vp->vd->ops->reset)
		vp->vd->ops->reset(vp->vd);
	vp->activated = false;
	vp_reset_state(vp);
}

static bool features_ok(const struct virtio_dev *vd)
{
	/* Modern only: without VERSION_1 the driver expects legacy layout. */
	return vd->driver_features & (1ULL << VIRTIO_F_VERSION_1);
}

static void set_status(struct virtio_pci *vp, u8 val)
{
	struct virtio_dev *vd = vp->vd;
	u8 old, new;

	if (val == 0) {
		trace_event(
			vd->trace, TRACE_VIRTIO, "reset", __FILE__,
			"%s: the driver wrote status 0: queues, features and "
			"status back to their reset values",
			vd->name);
		vp_reset(vp);
		return;
	}
	pthread_mutex_lock(&vd->lock);
	old = vd->status;
	/* Bits are only ever cleared by a reset. */
	new = old | (val & ~VIRTIO_STATUS_NEEDS_RESET);
	if ((new &VIRTIO_STATUS_FEATURES_OK) &&
	    !(old & VIRTIO_STATUS_FEATURES_OK) && !features_ok(vd))
		new &= ~VIRTIO_STATUS_FEATURES_OK;
	if ((new &VIRTIO_STATUS_DRIVER_OK) && !(new &VIRTIO_STATUS_FEATURES_OK))
		new &= ~VIRTIO_STATUS_DRIVER_OK;
	vd->status = new;
	pthread_mutex_unlock(&vd->lock);

	if ((val & VIRTIO_STATUS_FEATURES_OK) &&
	    !(new &VIRTIO_STATUS_FEATURES_OK))
		trace_event(
			vd->trace, TRACE_VIRTIO, "negotiate", __FILE__,
			"%s: FEATURES_OK refused (no VERSION_1): the driver "
			"must not go on",
			vd->name);
	if ((new &VIRTIO_STATUS_DRIVER_OK) &&
	    !(old & VIRTIO_STATUS_DRIVER_OK)) {
		trace_event(vd->trace, TRACE_VIRTIO, "activate", __FILE__,
			    "%s: DRIVER_OK with features 0x%llx: the device "
			    "goes live, its I/O thread takes the queues",
			    vd->name, (unsigned long long)vd->driver_features);
		vp->activated = true;
		if (vd->ops->activate && vd->ops->activate(vd))
			virtio_dev_needs_reset(vd, "device failed to start");
	}
}

/* Field values of the selected queue, 0 when none is selected. */
static void put_queue_fields(struct virtio_pci *vp, u8 *img)
{
	struct virtqueue *vq = selected_vq(vp);
	u16 v16;
	u32 v32;

	if (!vq)
		return;
#define PUT(off, val, bits)                              \
	do {                                             \
		v##bits = (val);                         \
		memcpy(img + (off), &v##bits, bits / 8); \
	} while (0)
	PUT(VIRTIO_PCI_COMMON_Q_SIZE, vq->size, 16);
	PUT(VIRTIO_PCI_COMMON_Q_MSIX, vq->msix_vector, 16);
	PUT(VIRTIO_PCI_COMMON_Q_ENABLE, vq->ready, 16);
	PUT(VIRTIO_PCI_COMMON_Q_NOFF, vp->queue_select, 16);
	PUT(VIRTIO_PCI_COMMON_Q_DESCLO, vq->desc_gpa, 32);
	PUT(VIRTIO_PCI_COMMON_Q_DESCHI, vq->desc_gpa >> 32, 32);
	PUT(VIRTIO_PCI_COMMON_Q_AVAILLO, vq->avail_gpa, 32);
	PUT(VIRTIO_PCI_COMMON_Q_AVAILHI, vq->avail_gpa >> 32, 32);
	PUT(VIRTIO_PCI_COMMON_Q_USEDLO, vq->used_gpa, 32);
	PUT(VIRTIO_PCI_COMMON_Q_USEDHI, vq->used_gpa >> 32, 32);
#undef PUT
}

/*
 * Reads of any width and alignment see a little-endian image of the
 * structure built from the current state (x86 hosts are little-endian).
 */
void vp_common_read(struct virtio_pci *vp, u64 off, void *data, u32 len)
{
	struct virtio_dev *vd = vp->vd;
	u8 img[VIRTIO_PCI_COMMON_SIZE] = { 0 };
	u32 v32;
	u16 v16;

	memset(data, 0, len);
	if (off >= sizeof(img))
		return;
	pthread_mutex_lock(&vp->lock);
	v32 = vp->dfselect;
	memcpy(img + VIRTIO_PCI_COMMON_DFSELECT, &v32, 4);
	v32 = vp->dfselect < 2 ? vd->device_features >> (32 * vp->dfselect) : 0;
	memcpy(img + VIRTIO_PCI_COMMON_DF, &v32, 4);
	v32 = vp->gfselect;
	memcpy(img + VIRTIO_PCI_COMMON_GFSELECT, &v32, 4);
	v32 = vp->gfselect < 2 ? vd->driver_features >> (32 * vp->gfselect) : 0;
	memcpy(img + VIRTIO_PCI_COMMON_GF, &v32, 4);
	v16 = vp->msix_config;
	memcpy(img + VIRTIO_PCI_COMMON_MSIX, &v16, 2);
	v16 = vp->nr_queues;
	memcpy(img + VIRTIO_PCI_COMMON_NUMQ, &v16, 2);
	pthread_mutex_lock(&vd->lock);
	img[VIRTIO_PCI_COMMON_STATUS] = vd->status;
	img[VIRTIO_PCI_COMMON_CFGGENERATION] = vd->config_generation;
	pthread_mutex_unlock(&vd->lock);
	v16 = vp->queue_select;
	memcpy(img + VIRTIO_PCI_COMMON_Q_SELECT, &v16, 2);
	put_queue_fields(vp, img);
	pthread_mutex_unlock(&vp->lock);
	memcpy(data, img + off, MIN((u64)len, sizeof(img) - off));
}

static void write_driver_features(struct virtio_pci *vp, u32 val)
{
	struct virtio_dev *vd = vp->vd;
	u64 f = vd->driver_features;

	/* Features are frozen once the device accepted them. */
	if (vd->status & VIRTIO_STATUS_FEATURES_OK || vp->gfselect > 1)
		return;
	f &= ~(0xffffffffULL << (32 * vp->gfselect));
	f |= (u64)val << (32 * vp->gfselect);
	virtio_ack_features(vd, f);
}

/* A vector the driver may use, else NO_VECTOR (it reads back the result). */
static u16 valid_vector(struct virtio_pci *vp, u16 v)
{
	return v < vp->nr_vectors ? v : VIRTIO_MSI_NO_VECTOR;
}

static void enable_queue(struct virtio_pci *vp, struct virtqueue *vq)
{
	struct virtio_dev *vd = vp->vd;
	char why[96];
	int ret;

	if (vq->ready)
		return;
	ret = vq_enable(vq, virtio_has_feature(vd, VIRTIO_F_RING_EVENT_IDX));
	if (ret) {
		snprintf(why, sizeof(why), "queue %u: %s", vp->queue_select,
			 ret == -EFAULT ? "ring outside guest RAM" :
					  "bad size or ring alignment");
		virtio_dev_needs_reset(vd, why);
	}
}

static void set_gpa_half(u64 *gpa, bool hi, u32 val)
{
	if (hi)
		*gpa = (*gpa & 0xffffffffULL) | ((u64)val << 32);
	else
		*gpa = (*gpa & ~0xffffffffULL) | val;
}

static void write_queue(struct virtio_pci *vp, u64 off, u32 val)
{
	struct virtqueue *vq = selected_vq(vp);

	if (!vq)
		return;
	if (off == VIRTIO_PCI_COMMON_Q_MSIX) {
		vq->msix_vector = valid_vector(vp, val);
		__atomic_store_n(&vq->call_fd,
				 vp_vector_fd(vp, vq->msix_vector),
				 __ATOMIC_RELEASE);
		return;
	}
	/*
	 * The rings of a live queue belong to the device's I/O thread, and
	 * so does every queue once the device runs: without RING_RESET a
	 * driver sets its queues up before DRIVER_OK, and one enabled under
	 * the running thread would race with it.
	 */
	if (vq->ready || vp->activated)
		return;
	switch (off) {
	case VIRTIO_PCI_COMMON_Q_SIZE:
		/* 0 makes enabling fail: a size must be 2^n, <= offered. */
		vq->size = IS_POW2(val) && val <= max_queue_size(vp) ? val : 0;
		break;
	case VIRTIO_PCI_COMMON_Q_ENABLE:
		if (val == 1)
			enable_queue(vp, vq);
		break;
	case VIRTIO_PCI_COMMON_Q_DESCLO:
	case VIRTIO_PCI_COMMON_Q_DESCHI:
		set_gpa_half(&vq->desc_gpa, off & 4, val);
		break;
	case VIRTIO_PCI_COMMON_Q_AVAILLO:
	case VIRTIO_PCI_COMMON_Q_AVAILHI:
		set_gpa_half(&vq->avail_gpa, off & 4, val);
		break;
	case VIRTIO_PCI_COMMON_Q_USEDLO:
	case VIRTIO_PCI_COMMON_Q_USEDHI:
		set_gpa_half(&vq->used_gpa, off & 4, val);
		break;
	}
}

static u32 field_width(u64 off)
{
	if (off == VIRTIO_PCI_COMMON_STATUS ||
	    off == VIRTIO_PCI_COMMON_CFGGENERATION)
		return 1;
	if (off < VIRTIO_PCI_COMMON_MSIX || off >= VIRTIO_PCI_COMMON_Q_DESCLO)
		return 4;
	return 2;
}

static void write_field(struct virtio_pci *vp, u64 off, u32 val)
{
	switch (off) {
	case VIRTIO_PCI_COMMON_DFSELECT:
		vp->dfselect = val;
		break;
	case VIRTIO_PCI_COMMON_GFSELECT:
		vp->gfselect = val;
		break;
	case VIRTIO_PCI_COMMON_GF:
		write_driver_features(vp, val);
		break;
	case VIRTIO_PCI_COMMON_MSIX:
		__atomic_store_n(&vp->msix_config, valid_vector(vp, val),
				 __ATOMIC_RELEASE);
		break;
	case VIRTIO_PCI_COMMON_STATUS:
		set_status(vp, val);
		break;
	case VIRTIO_PCI_COMMON_Q_SELECT:
		vp->queue_select = val;
		break;
	default:
		if (off >= VIRTIO_PCI_COMMON_Q_SIZE)
			write_queue(vp, off, val);
		break; /* read-only fields */
	}
}

/*
 * Writes must hit one field at its natural width; an 8-byte write to a
 * 64-bit queue address (two 32-bit halves) is split. Anything else is
 * dropped, as the spec lets a device do.
 */
void vp_common_write(struct virtio_pci *vp, u64 off, const void *data, u32 len)
{
	u32 w = field_width(off), lo = 0, hi = 0;

	if (off >= VIRTIO_PCI_COMMON_SIZE || off % w)
		return;
	if (len == 8 && w == 4 && off >= VIRTIO_PCI_COMMON_Q_DESCLO &&
	    !(off & 4)) {
		memcpy(&lo, data, 4);
		memcpy(&hi, (const u8 *)data + 4, 4);
	} else if (len == w) {
		memcpy(&lo, data, len);
	} else {
		return;
	}
	pthread_mutex_lock(&vp->lock);
	write_field(vp, off, lo);
	if (len == 8)
		write_field(vp, off + 4, hi);
	pthread_mutex_unlock(&vp->lock);
}

/* "virtio-blk0.common.queue_enable <- 1 (queue 0)", for --trace. */
void vp_common_describe(struct virtio_pci *vp, u64 off, bool write, u64 val,
			struct trace_note *n)
{
	const struct reg_name *r =
		reg_name_find(common_names, ARRAY_SIZE(common_names), off);
	struct virtio_dev *vd = vp->vd;
	u32 dfselect, gfselect;
	u16 q;

	pthread_mutex_lock(&vp->lock);
	dfselect = vp->dfselect;
	gfselect = vp->gfselect;
	q = vp->queue_select;
	pthread_mutex_unlock(&vp->lock);
	note_printf(n, "%s.common.%s", vd->name, r ? r->name : "reserved");
	if (r && off != r->off)
		note_printf(n, "+%llu", (unsigned long long)(off - r->off));
	note_printf(n, " %s 0x%llx", write ? "<-" : "->",
		    (unsigned long long)val);
	if (!r || off != r->off)
		return;
	if (r->off == VIRTIO_PCI_COMMON_DF)
		virtio_note_features(vd, dfselect, val, n);
	else if (r->off == VIRTIO_PCI_COMMON_GF)
		virtio_note_features(vd, gfselect, val, n);
	else if (r->off == VIRTIO_PCI_COMMON_STATUS)
		virtio_note_status(val, n);
	else if (r->off == VIRTIO_PCI_COMMON_Q_MSIX &&
		 val == VIRTIO_MSI_NO_VECTOR)
		note_printf(n, " (queue %u: NO_VECTOR)", q);
	else if (r->off == VIRTIO_PCI_COMMON_Q_MSIX)
		note_printf(n, " (queue %u signals MSI-X entry %llu)", q,
			    (unsigned long long)val);
	else if (r->off == VIRTIO_PCI_COMMON_MSIX &&
		 val == VIRTIO_MSI_NO_VECTOR)
		note_printf(n, " (configuration changes: NO_VECTOR)");
	else if (r->off == VIRTIO_PCI_COMMON_MSIX)
		note_printf(n,
			    " (configuration changes signal MSI-X entry %llu)",
			    (unsigned long long)val);
	else if (r->off >= VIRTIO_PCI_COMMON_Q_SIZE)
		note_printf(n, " (queue %u)", q);
}
