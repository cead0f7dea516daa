// SPDX-License-Identifier: MIT
/*
 * MSI-X for virtio-pci: the capability, the vector table and pending bit
 * array in BAR 0, and one eventfd + GSI per vector.
 *
 * A vector is "active" while MSI-X is enabled, the function is not masked
 * and the entry is not masked: it then has an MSI route (irq_ops->
 * msi_route) and its eventfd is attached as irqfd, so a device write
 * injects the interrupt without any exit. Otherwise the irqfd is detached;
 * device writes then just count up in the eventfd, which is exactly the
 * pending bit: the PBA reads it with a non-consuming poll(), and attaching
 * the irqfd again on unmask delivers it (KVM injects at assignment when
 * the eventfd is already signalled).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "virtio/pci/virtio_pci_int.h"
#include "vmm/base/err.h"
#include "vmm/base/log.h"

/* A table entry's fields (PCI 3.0, 6.8.2.6), by name. */
static const struct reg_name entry_names[] = {
	{ PCI_MSIX_ENTRY_LOWER_ADDR, 4, "addr_lo" },
	{ PCI_MSIX_ENTRY_UPPER_ADDR, 4, "addr_hi" },
	{ PCI_MSIX_ENTRY_DATA, 4, "data" },
	{ PCI_MSIX_ENTRY_VECTOR_CTRL, 4, "vector_ctrl" },
};

static u32 entry_get(struct virtio_pci *vp, u32 vec, u32 field)
{
	u32 v;

	memcpy(&v, &vp->msix_table[vec * PCI_MSIX_ENTRY_SIZE + field], 4);
	return v;
}

int vp_msix_init(struct virtio_pci *vp, struct err *err)
{
	const struct irq_ctl *irq = vp->irq;
	u32 i;
	int ret;

	for (i = 0; i < VP_MAX_VECTORS; i++)
		vp->vec[i].efd = -1;
	for (i = 0; i < vp->nr_vectors; i++) {
		struct vp_vector *v = &vp->vec[i];

		v->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (v->efd < 0) {
			ret = -errno;
			goto destroy_vectors;
		}
		ret = irq->ops->msi_alloc(irq->opaque);
		if (ret < 0)
			goto destroy_vectors;
		v->gsi = ret;
		/* Every entry starts masked (PCI spec). */
		vp->msix_table[i * PCI_MSIX_ENTRY_SIZE +
			       PCI_MSIX_ENTRY_VECTOR_CTRL] =
			PCI_MSIX_ENTRY_CTRL_MASKBIT;
	}
	return 0;
destroy_vectors:
	vp_msix_destroy(vp);
	return err_host(err, ret, "virtio-pci: MSI-X vector %u: %s", i,
			strerror(-ret));
}

static void deactivate(struct virtio_pci *vp, struct vp_vector *v)
{
	if (!v->active)
		return;
	vp->irq->ops->irqfd(vp->irq->opaque, v->efd, v->gsi, false);
	v->active = false;
}

void vp_msix_destroy(struct virtio_pci *vp)
{
	u32 i;

	for (i = 0; i < VP_MAX_VECTORS; i++) {
		struct vp_vector *v = &vp->vec[i];

		if (v->efd < 0)
			continue;
		deactivate(vp, v);
		close(v->efd);
		v->efd = -1;
	}
}

int vp_msix_add_cap(struct virtio_pci *vp)
{
	u8 cap[12] = { PCI_CAP_ID_MSIX }, wmask[12] = { 0 };
	u16 ctrl = vp->nr_vectors - 1; /* table size, N - 1 */
	u32 table = VIRTIO_PCI_MSIX_OFF | VIRTIO_PCI_BAR;
	u32 pba = VIRTIO_PCI_PBA_OFF | VIRTIO_PCI_BAR;
	int off;

	memcpy(cap + PCI_MSIX_FLAGS, &ctrl, 2);
	memcpy(cap + 4, &table, 4);
	memcpy(cap + 8, &pba, 4);
	wmask[PCI_MSIX_FLAGS + 1] =
		(PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL) >> 8;
	off = pci_dev_add_cap(&vp->pci, cap, sizeof(cap), wmask);
	if (off < 0)
		return off;
	vp->msix_cap = off;
	return 0;
}

/* Route and attach, or detach, one vector to match its mask state. */
static void update_vector(struct virtio_pci *vp, u32 i)
{
	const struct irq_ctl *irq = vp->irq;
	struct vp_vector *v = &vp->vec[i];
	u16 ctrl = pci_cfg_get(&vp->pci, vp->msix_cap + PCI_MSIX_FLAGS, 2);
	bool on = (ctrl & PCI_MSIX_FLAGS_ENABLE) &&
		  !(ctrl & PCI_MSIX_FLAGS_MASKALL) &&
		  !(entry_get(vp, i, PCI_MSIX_ENTRY_VECTOR_CTRL) &
		    PCI_MSIX_ENTRY_CTRL_MASKBIT);
	u64 addr = entry_get(vp, i, PCI_MSIX_ENTRY_LOWER_ADDR) |
		   (u64)entry_get(vp, i, PCI_MSIX_ENTRY_UPPER_ADDR) << 32;
	u32 data = entry_get(vp, i, PCI_MSIX_ENTRY_DATA);

	if (!on) {
		if (v->active)
			trace_event(
				vp->vd->trace, TRACE_IRQ, "msi", __FILE__,
				"%s MSI-X %u masked: its irqfd is detached, "
				"interrupts wait in the eventfd (PBA)",
				vp->vd->name, i);
		deactivate(vp, v);
		return;
	}
	if (!v->routed || v->routed_addr != addr || v->routed_data != data) {
		if (irq->ops->msi_route(irq->opaque, v->gsi, addr, data)) {
			if (warn_once(&vp->pci.warned, PCI_WARN_MSI_ROUTE))
				pr_warn("virtio-pci: MSI route for GSI %d "
					"failed",
					v->gsi);
			deactivate(vp, v);
			return;
		}
		v->routed = true;
		v->routed_addr = addr;
		__atomic_store_n(&v->routed_data, data, __ATOMIC_RELAXED);
		trace_event(vp->vd->trace, TRACE_IRQ, "msi", __FILE__,
			    "%s MSI-X %u -> vector 0x%02x on APIC %llu: KVM "
			    "routes GSI %d there",
			    vp->vd->name, i, data & 0xff,
			    (unsigned long long)(addr >> 12) & 0xff, v->gsi);
	}
	if (!v->active) {
		if (irq->ops->irqfd(irq->opaque, v->efd, v->gsi, true)) {
			if (warn_once(&vp->pci.warned, PCI_WARN_IRQFD))
				pr_warn("virtio-pci: irqfd for GSI %d failed",
					v->gsi);
			return;
		}
		v->active = true;
		trace_event(vp->vd->trace, TRACE_IRQ, "msi", __FILE__,
			    "%s MSI-X %u unmasked: eventfd attached as irqfd "
			    "for GSI %d",
			    vp->vd->name, i, v->gsi);
	}
}

void vp_msix_control_changed(struct virtio_pci *vp)
{
	u32 i;

	pthread_mutex_lock(&vp->lock);
	for (i = 0; i < vp->nr_vectors; i++)
		update_vector(vp, i);
	pthread_mutex_unlock(&vp->lock);
}

void vp_msix_table_read(struct virtio_pci *vp, u64 off, void *data, u32 len)
{
	u64 size = vp->nr_vectors * PCI_MSIX_ENTRY_SIZE;

	memset(data, 0, len);
	if (off >= size || len > size - off)
		return;
	pthread_mutex_lock(&vp->lock);
	memcpy(data, &vp->msix_table[off], len);
	pthread_mutex_unlock(&vp->lock);
}

/* Dword (or qword) writes inside one entry; the control word's bit 0 only. */
void vp_msix_table_write(struct virtio_pci *vp, u64 off, const void *data,
			 u32 len)
{
	u64 size = vp->nr_vectors * PCI_MSIX_ENTRY_SIZE;
	u32 vec = off / PCI_MSIX_ENTRY_SIZE, field = off % PCI_MSIX_ENTRY_SIZE;
	u8 *e;

	if (off >= size || (len != 4 && len != 8) || off % len)
		return;
	pthread_mutex_lock(&vp->lock);
	e = &vp->msix_table[vec * PCI_MSIX_ENTRY_SIZE];
	memcpy(e + field, data, len);
	/* Reserved control bits read as 0. */
	e[PCI_MSIX_ENTRY_VECTOR_CTRL] &= PCI_MSIX_ENTRY_CTRL_MASKBIT;
	memset(e + PCI_MSIX_ENTRY_VECTOR_CTRL + 1, 0, 3);
	update_vector(vp, vec);
	pthread_mutex_unlock(&vp->lock);
}

static bool fd_readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

void vp_msix_pba_read(struct virtio_pci *vp, u64 off, void *data, u32 len)
{
	u8 pba[8 * ((VP_MAX_VECTORS + 63) / 64)] = { 0 };
	u32 i;

	memset(data, 0, len);
	if (off >= sizeof(pba) || len > sizeof(pba) - off)
		return;
	pthread_mutex_lock(&vp->lock);
	for (i = 0; i < vp->nr_vectors; i++)
		if (!vp->vec[i].active && fd_readable(vp->vec[i].efd))
			pba[i / 8] |= 1 << (i % 8);
	pthread_mutex_unlock(&vp->lock);
	memcpy(data, pba + off, len);
}

int vp_vector_fd(struct virtio_pci *vp, u16 vector)
{
	if (vector >= vp->nr_vectors)
		return -1;
	return vp->vec[vector].efd;
}

void vp_config_changed(struct virtio_dev *vd)
{
	struct virtio_pci *vp = vd->transport;
	u16 vector = __atomic_load_n(&vp->msix_config, __ATOMIC_ACQUIRE);

	virtio_eventfd_signal(vd, vp_vector_fd(vp, vector),
			      VIRTIO_WARN_CONFIG_IRQ,
			      "virtio-pci: config interrupt write failed");
}

/* "virtio-blk0.msix.table[0].data <- 0x31 (vector 0x31)", for --trace. */
void vp_msix_describe(struct virtio_pci *vp, u64 off, bool pba, bool write,
		      u64 val, struct trace_note *n)
{
	const struct reg_name *r;

	n->cls = TRACE_IRQ;
	n->file = __FILE__;
	if (pba) {
		note_printf(n, "%s.msix.pba %s 0x%llx (pending bits)",
			    vp->vd->name, write ? "<-" : "->",
			    (unsigned long long)val);
		return;
	}
	r = reg_name_find(entry_names, ARRAY_SIZE(entry_names),
			  off % PCI_MSIX_ENTRY_SIZE);
	note_printf(n, "%s.msix.table[%llu].%s %s 0x%llx", vp->vd->name,
		    (unsigned long long)(off / PCI_MSIX_ENTRY_SIZE),
		    r ? r->name : "?", write ? "<-" : "->",
		    (unsigned long long)val);
	if (!r || off / PCI_MSIX_ENTRY_SIZE >= vp->nr_vectors)
		note_printf(n, " (beyond the table)");
	else if (r->off == PCI_MSIX_ENTRY_DATA)
		note_printf(n, " (vector 0x%02llx)",
			    (unsigned long long)val & 0xff);
	else if (r->off == PCI_MSIX_ENTRY_LOWER_ADDR)
		note_printf(n, " (APIC %llu)",
			    (unsigned long long)(val >> 12) & 0xff);
	else if (r->off == PCI_MSIX_ENTRY_VECTOR_CTRL)
		note_printf(n, " (%s)",
			    val & PCI_MSIX_ENTRY_CTRL_MASKBIT ? "masked" :
								"unmasked");
}

/* How MSI-X entry @vector reaches the guest: "MSI-X 1 -> vector 0x31". */
void vp_irq_route(struct virtio_dev *vd, u16 vector, char *buf, size_t len)
{
	struct virtio_pci *vp = vd->transport;
	u32 data;

	if (vector >= vp->nr_vectors) {
		snprintf(buf, len, "no MSI-X vector");
		return;
	}
	data = __atomic_load_n(&vp->vec[vector].routed_data, __ATOMIC_RELAXED);
	snprintf(buf, len, "MSI-X %u -> vector 0x%02x", vector, data & 0xff);
}
