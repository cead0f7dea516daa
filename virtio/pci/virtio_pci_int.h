/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_VIRTIO_PCI_INT_H
#define SQUEEZE_VIRTIO_PCI_INT_H

/*
 * Internals of the virtio-pci transport, shared by virtio_pci.c (BAR,
 * capabilities, doorbells), virtio_pci_common.c (common configuration)
 * and virtio_pci_msix.c (MSI-X). Unit tests may include it.
 */

#include "virtio/pci/virtio_pci.h"
#include "vmm/base/err.h"

#define VP_MAX_VECTORS VIRTIO_PCI_MAX_VECTORS

struct vp_vector {
	int efd;	 /* written by the device to interrupt */
	int gsi;	 /* from irq_ops->msi_alloc */
	bool active;	 /* routed, irqfd attached */
	u64 routed_addr; /* what msi_route was last given */
	u32 routed_data; /* atomic: the I/O thread's trace reads it */
	bool routed;
};

/*
 * Locking: lock serialises the common configuration and the MSI-X table
 * (vCPU threads). It is never taken on a device I/O thread: the I/O thread
 * reads vq->call_fd and msix_config with atomic loads only, so the device's
 * reset (which waits for its I/O thread, iothread_call()) can run with it
 * held. Order: the PCI host lock, then this one (docs/architecture.md).
 */
struct virtio_pci {
	struct pci_dev pci;
	struct virtio_dev *vd;
	struct pci_host *host;
	const struct irq_ctl *irq;
	pthread_mutex_t lock;
	u32 nr_queues;
	u32 dfselect; /* device_feature_select */
	u32 gfselect; /* driver_feature_select */
	u16 queue_select;
	u16 msix_config; /* atomic: read by config_changed */
	bool activated;	 /* ops->activate was called */
	/* Config-space offsets of our capabilities. */
	u8 msix_cap;
	u8 pcicfg_cap;
	/* MSI-X. */
	u32 nr_vectors;
	u8 msix_table[VP_MAX_VECTORS * PCI_MSIX_ENTRY_SIZE];
	struct vp_vector vec[VP_MAX_VECTORS];
	/*
	 * Doorbells (under lock): whether irq can take ioeventfds yet
	 * (virtio_pci_attach()), where BAR 0 is mapped, and which queues
	 * have their ioeventfd registered there.
	 */
	bool attached;
	bool bar_live;
	u64 bar_base;
	bool ioev_on[VIRTIO_MAX_QUEUES];
};

/* virtio_pci_trace.c: BAR 0's names, for --trace and --stats. */
extern const struct io_desc vp_bar_desc;

/* virtio_pci_common.c */
void vp_common_read(struct virtio_pci *vp, u64 off, void *data, u32 len);
void vp_common_write(struct virtio_pci *vp, u64 off, const void *data, u32 len);
/* Return queues, features and status to their reset values. */
void vp_reset_state(struct virtio_pci *vp);
/* The device side of a reset: ops->reset if it was activated, then state. */
void vp_reset(struct virtio_pci *vp);

/* virtio_pci_msix.c */
int vp_msix_init(struct virtio_pci *vp, struct err *err);
void vp_msix_destroy(struct virtio_pci *vp);
int vp_msix_add_cap(struct virtio_pci *vp);
void vp_msix_table_read(struct virtio_pci *vp, u64 off, void *data, u32 len);
void vp_msix_table_write(struct virtio_pci *vp, u64 off, const void *data,
			 u32 len);
void vp_msix_pba_read(struct virtio_pci *vp, u64 off, void *data, u32 len);
/* The message control word changed: re-evaluate every vector. */
void vp_msix_control_changed(struct virtio_pci *vp);
/* The eventfd of @vector, or -1 for NO_VECTOR / out of range. */
int vp_vector_fd(struct virtio_pci *vp, u16 vector);
/* Device -> driver configuration-change interrupt. */
void vp_config_changed(struct virtio_dev *vd);
/* The route of MSI-X entry @vector, in words (virtio_transport_ops). */
void vp_irq_route(struct virtio_dev *vd, u16 vector, char *buf, size_t len);

/* For --trace: one access to the common configuration, the MSI-X table/PBA. */
void vp_common_describe(struct virtio_pci *vp, u64 off, bool write, u64 val,
			struct trace_note *n);
void vp_msix_describe(struct virtio_pci *vp, u64 off, bool pba, bool write,
		      u64 val, struct trace_note *n);

#endif
