// SPDX-License-Identifier: MIT
/*
 * virtio-pci transport: the PCI identity, the vendor capabilities, BAR 0
 * dispatch (ISR, device configuration, doorbells, MSI-X) and the
 * doorbell ioeventfds. The layout is described in virtio/pci/virtio_pci.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "virtio/pci/virtio_pci_int.h"
#include "vmm/base/err.h"
#include "vmm/base/log.h"

/* struct virtio_pci_cap, virtio 1.2 section 4.1.4. */
struct vp_cap {
	u8 cap_vndr;
	u8 cap_next;
	u8 cap_len;
	u8 cfg_type;
	u8 bar;
	u8 id;
	u8 padding[2];
	u32 offset;
	u32 length;
} __packed;

#define VP_PCICFG_DATA 16 /* pci_cfg_data in virtio_pci_cfg_cap */

static void bar_read(void *opaque, u64 off, void *data, u32 len);
static void bar_write(void *opaque, u64 off, const void *data, u32 len);
static const struct io_ops vp_bar_ops = { bar_read, bar_write, &vp_bar_desc };
static void notify_write(struct virtio_pci *vp, u64 off);

static void isr_read(struct virtio_pci *vp, u64 off, void *data, u32 len)
{
	memset(data, 0, len);
	/* Reading the ISR acknowledges it (section 4.1.4.5). */
	if (off == 0)
		*(u8 *)data =
			__atomic_exchange_n(&vp->vd->isr, 0, __ATOMIC_RELAXED);
}

static void device_cfg_access(struct virtio_pci *vp, u64 off, void *data,
			      u32 len, bool write)
{
	const struct virtio_dev_ops *ops = vp->vd->ops;

	if (off >= ops->config_size || len > ops->config_size - off) {
		if (!write)
			memset(data, 0, len);
		return;
	}
	if (write && ops->write_config)
		ops->write_config(vp->vd, off, data, len);
	else if (!write && ops->read_config)
		ops->read_config(vp->vd, off, data, len);
	else if (!write)
		memset(data, 0, len);
}

static void bar_read(void *opaque, u64 off, void *data, u32 len)
{
	struct virtio_pci *vp = opaque;
	u64 rel = off % VIRTIO_PCI_REGION_SIZE;

	switch (off - rel) {
	case VIRTIO_PCI_COMMON_OFF:
		vp_common_read(vp, rel, data, len);
		break;
	case VIRTIO_PCI_ISR_OFF:
		isr_read(vp, rel, data, len);
		break;
	case VIRTIO_PCI_DEVICE_OFF:
		device_cfg_access(vp, rel, data, len, false);
		break;
	case VIRTIO_PCI_MSIX_OFF:
		vp_msix_table_read(vp, rel, data, len);
		break;
	case VIRTIO_PCI_PBA_OFF:
		vp_msix_pba_read(vp, rel, data, len);
		break;
	default:
		memset(data, 0, len);
		break;
	}
}

static void bar_write(void *opaque, u64 off, const void *data, u32 len)
{
	struct virtio_pci *vp = opaque;
	u64 rel = off % VIRTIO_PCI_REGION_SIZE;

	switch (off - rel) {
	case VIRTIO_PCI_COMMON_OFF:
		vp_common_write(vp, rel, data, len);
		break;
	case VIRTIO_PCI_DEVICE_OFF:
		device_cfg_access(vp, rel, (void *)data, len, true);
		break;
	case VIRTIO_PCI_NOTIFY_OFF:
		notify_write(vp, rel);
		break;
	case VIRTIO_PCI_MSIX_OFF:
		vp_msix_table_write(vp, rel, data, len);
		break;
	}
}

static u64 notify_addr(struct virtio_pci *vp, u32 q)
{
	return vp->bar_base + VIRTIO_PCI_NOTIFY_OFF +
	       q * VIRTIO_PCI_NOTIFY_MULT;
}

/* Register queue @q's doorbell ioeventfd if it is not yet. vp->lock held. */
static int ioev_assign(struct virtio_pci *vp, u32 q)
{
	const struct irq_ctl *irq = vp->irq;
	int ret;

	if (!vp->attached || !vp->bar_live || vp->ioev_on[q])
		return 0;
	/* 2 bytes: the driver writes the 16-bit queue index (4.1.5.2). */
	ret = irq->ops->ioeventfd(irq->opaque, notify_addr(vp, q), 2,
				  vp->vd->vq[q].kick_fd, true, true);
	vp->ioev_on[q] = !ret;
	return ret;
}

/* Every queue, even past a failure; returns the first error. */
static int ioev_assign_all(struct virtio_pci *vp)
{
	int ret = 0, r;
	u32 q;

	for (q = 0; q < vp->nr_queues; q++) {
		r = ioev_assign(vp, q);
		if (r && !ret)
			ret = r;
	}
	return ret;
}

static void ioev_deassign_all(struct virtio_pci *vp)
{
	const struct irq_ctl *irq = vp->irq;
	u32 q;

	for (q = 0; q < vp->nr_queues; q++) {
		if (!vp->ioev_on[q])
			continue;
		irq->ops->ioeventfd(irq->opaque, notify_addr(vp, q), 2,
				    vp->vd->vq[q].kick_fd, true, false);
		vp->ioev_on[q] = false;
	}
}

static void vp_bar_mapped(struct pci_dev *pd, int bar, u64 addr, bool mapped)
{
	struct virtio_pci *vp = pd->priv;
	int ret = 0;

	if (bar != VIRTIO_PCI_BAR)
		return;
	pthread_mutex_lock(&vp->lock);
	ioev_deassign_all(vp);
	vp->bar_live = mapped;
	vp->bar_base = addr;
	if (mapped)
		ret = ioev_assign_all(vp);
	pthread_mutex_unlock(&vp->lock);
	if (ret && warn_once(&vp->vd->warned, VIRTIO_WARN_DOORBELL_IOEVENTFD))
		pr_warn("virtio-pci: doorbell ioeventfd refused (%s); "
			"those doorbells exit",
			strerror(-ret));
}

/*
 * A doorbell that reached the bus: no ioeventfd caught it (the in-process
 * driver rings this way, or KVM refused one). Do what KVM would have done.
 */
static void notify_write(struct virtio_pci *vp, u64 off)
{
	u32 q = off / VIRTIO_PCI_NOTIFY_MULT;

	if (q >= vp->nr_queues)
		return;
	virtio_eventfd_signal(vp->vd, vp->vd->vq[q].kick_fd,
			      VIRTIO_WARN_DOORBELL_WRITE,
			      "virtio-pci: doorbell eventfd write failed");
}

/* The VIRTIO_PCI_CAP_PCI_CFG window: BAR access through config space. */
static bool pcicfg_window(struct virtio_pci *vp, u32 off, u32 len, u32 *boff,
			  u32 *blen)
{
	u32 c = vp->pcicfg_cap;

	if (!pci_cfg_touches(off, len, c + VP_PCICFG_DATA,
			     c + VP_PCICFG_DATA + 4))
		return false;
	if (vp->pci.cfg[c + 4] != VIRTIO_PCI_BAR)
		return false;
	*boff = pci_cfg_get(&vp->pci, c + 8, 4);
	*blen = pci_cfg_get(&vp->pci, c + 12, 4);
	return (*blen == 1 || *blen == 2 || *blen == 4) && *boff % *blen == 0 &&
	       *boff < VIRTIO_PCI_BAR_SIZE;
}

static void vp_config_read(struct pci_dev *pd, u32 off, u32 len)
{
	struct virtio_pci *vp = pd->priv;
	u32 boff, blen;

	if (pcicfg_window(vp, off, len, &boff, &blen))
		bar_read(vp, boff, &pd->cfg[vp->pcicfg_cap + VP_PCICFG_DATA],
			 blen);
}

static void vp_config_write(struct pci_dev *pd, u32 off, u32 len)
{
	struct virtio_pci *vp = pd->priv;
	u32 c = vp->msix_cap + PCI_MSIX_FLAGS, boff, blen;

	if (pci_cfg_touches(off, len, c, c + 2))
		vp_msix_control_changed(vp);
	if (pcicfg_window(vp, off, len, &boff, &blen))
		bar_write(vp, boff, &pd->cfg[vp->pcicfg_cap + VP_PCICFG_DATA],
			  blen);
}

static const struct pci_dev_ops vp_pci_ops = {
	.config_write = vp_config_write,
	.config_read = vp_config_read,
	.bar_mapped = vp_bar_mapped,
};

static const struct virtio_transport_ops vp_tops = {
	.config_changed = vp_config_changed,
	.irq_route = vp_irq_route,
};

static int add_vendor_cap(struct virtio_pci *vp, u8 type, u32 offset,
			  u32 length)
{
	u8 buf[20] = { 0 }, wmask[20] = { 0 };
	struct vp_cap cap = {
		.cap_vndr = PCI_CAP_ID_VNDR,
		.cfg_type = type,
		.bar = VIRTIO_PCI_BAR,
		.offset = offset,
		.length = length,
	};
	u32 len = sizeof(cap), mult = VIRTIO_PCI_NOTIFY_MULT;
	int off;

	if (type == VIRTIO_PCI_CAP_NOTIFY_CFG) {
		memcpy(buf + sizeof(cap), &mult, 4);
		len += 4;
	} else if (type == VIRTIO_PCI_CAP_PCI_CFG) {
		cap.offset = cap.length = 0;
		memset(wmask + 4, 0xff, 1);  /* bar */
		memset(wmask + 8, 0xff, 12); /* offset, length, data */
		len += 4;
	}
	cap.cap_len = len;
	memcpy(buf, &cap, sizeof(cap));
	off = pci_dev_add_cap(&vp->pci, buf, len, wmask);
	if (off >= 0 && type == VIRTIO_PCI_CAP_PCI_CFG)
		vp->pcicfg_cap = off;
	return off < 0 ? off : 0;
}

static int add_caps(struct virtio_pci *vp)
{
	u32 notify_len = vp->nr_queues * VIRTIO_PCI_NOTIFY_MULT;
	int ret;

	ret = add_vendor_cap(vp, VIRTIO_PCI_CAP_COMMON_CFG,
			     VIRTIO_PCI_COMMON_OFF, VIRTIO_PCI_COMMON_SIZE);
	if (!ret)
		ret = add_vendor_cap(vp, VIRTIO_PCI_CAP_NOTIFY_CFG,
				     VIRTIO_PCI_NOTIFY_OFF, notify_len);
	if (!ret)
		ret = add_vendor_cap(vp, VIRTIO_PCI_CAP_ISR_CFG,
				     VIRTIO_PCI_ISR_OFF, 1);
	if (!ret && vp->vd->ops->config_size)
		ret = add_vendor_cap(vp, VIRTIO_PCI_CAP_DEVICE_CFG,
				     VIRTIO_PCI_DEVICE_OFF,
				     vp->vd->ops->config_size);
	if (!ret)
		ret = add_vendor_cap(vp, VIRTIO_PCI_CAP_PCI_CFG, 0, 0);
	if (!ret)
		ret = vp_msix_add_cap(vp);
	return ret;
}

static u32 class_of(u32 device_id)
{
	switch (device_id) {
	case VIRTIO_ID_BLOCK:
		return PCI_CLASS_STORAGE_SCSI;
	case VIRTIO_ID_NET:
		return PCI_CLASS_NETWORK_ETH;
	default:
		return PCI_CLASS_OTHERS;
	}
}

static void close_kick_fds(struct virtio_pci *vp)
{
	u32 q;

	for (q = 0; q < VIRTIO_MAX_QUEUES; q++) {
		if (vp->vd->vq[q].kick_fd >= 0)
			close(vp->vd->vq[q].kick_fd);
		vp->vd->vq[q].kick_fd = -1;
	}
}

static int open_kick_fds(struct virtio_pci *vp)
{
	u32 q;

	for (q = 0; q < vp->nr_queues; q++) {
		vp->vd->vq[q].kick_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (vp->vd->vq[q].kick_fd < 0)
			return -errno;
	}
	return 0;
}

static void init_pci(struct virtio_pci *vp)
{
	u32 id = vp->vd->ops->device_id;
	struct pci_id pid = {
		.vendor = VIRTIO_PCI_VENDOR,
		.device = VIRTIO_PCI_DEVICE_BASE + id,
		.subsys_vendor = VIRTIO_PCI_VENDOR,
		.subsys = 0x40 + id, /* non-transitional: >= 0x40 */
		.class = class_of(id),
		.revision = 1,
	};

	pci_dev_init(&vp->pci, &pid, &vp_pci_ops, vp);
}

struct virtio_pci *virtio_pci_create(struct pci_host *host,
				     struct virtio_dev *vd,
				     const struct irq_ctl *irq, struct err *err)
{
	struct virtio_pci *vp;
	int ret;

	if (!vd->ops->nr_queues || vd->ops->nr_queues > VIRTIO_MAX_QUEUES) {
		/* A defect of the device model, not the user's input. */
		err_host(err, -EINVAL, "virtio-pci: a device with %u queues",
			 vd->ops->nr_queues);
		return NULL;
	}
	vp = calloc(1, sizeof(*vp));
	if (!vp) {
		err_host(err, -ENOMEM, "virtio-pci: out of memory");
		return NULL;
	}
	vp->vd = vd;
	vp->host = host;
	vp->irq = irq;
	vp->nr_queues = vd->ops->nr_queues;
	vp->nr_vectors = vp->nr_queues + 1; /* config + one per queue */
	pthread_mutex_init(&vp->lock, NULL);
	init_pci(vp);
	ret = pci_dev_add_bar(&vp->pci, VIRTIO_PCI_BAR, VIRTIO_PCI_BAR_SIZE,
			      true, &vp_bar_ops, vp);
	if (ret || (ret = add_caps(vp))) {
		err_host(err, ret, "virtio-pci: config space layout");
		goto free_vp;
	}
	ret = open_kick_fds(vp);
	if (ret) {
		err_host(err, ret, "virtio-pci: eventfd: %s", strerror(-ret));
		goto close_kicks;
	}
	if (vp_msix_init(vp, err))
		goto close_kicks;
	vd->transport = vp;
	vd->tops = &vp_tops;
	vp_reset_state(vp);
	if (pci_host_add(host, &vp->pci, err) < 0)
		goto destroy_msix;
	return vp;

destroy_msix:
	vd->transport = NULL;
	vd->tops = NULL;
	vp_msix_destroy(vp);
close_kicks:
	close_kick_fds(vp);
free_vp:
	pthread_mutex_destroy(&vp->lock);
	free(vp);
	return NULL;
}

int virtio_pci_attach(struct virtio_pci *vp, struct err *err)
{
	int ret;

	pthread_mutex_lock(&vp->lock);
	vp->attached = true;
	ret = ioev_assign_all(vp);
	pthread_mutex_unlock(&vp->lock);
	if (ret)
		return err_host(err, ret,
				"virtio-pci %02x.0: doorbell ioeventfd: %s",
				vp->pci.slot, strerror(-ret));
	return 0;
}

struct virtio_pci *virtio_pci_add(struct pci_host *host, struct virtio_dev *vd,
				  const struct irq_ctl *irq, struct err *err)
{
	struct virtio_pci *vp = virtio_pci_create(host, vd, irq, err);

	if (vp && virtio_pci_attach(vp, err)) {
		virtio_pci_destroy(vp);
		return NULL;
	}
	return vp;
}

void virtio_pci_destroy(struct virtio_pci *vp)
{
	if (!vp)
		return;
	pthread_mutex_lock(&vp->lock);
	vp_reset(vp); /* stops the device's I/O thread */
	pthread_mutex_unlock(&vp->lock);
	pci_host_remove(vp->host, &vp->pci); /* drops the ioeventfds */
	vp_msix_destroy(vp);
	close_kick_fds(vp);
	vp->vd->transport = NULL;
	vp->vd->tops = NULL;
	pthread_mutex_destroy(&vp->lock);
	free(vp);
}

struct pci_dev *virtio_pci_dev(struct virtio_pci *vp)
{
	return &vp->pci;
}
