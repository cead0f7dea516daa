/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_VIRTIO_PCI_H
#define SQUEEZE_VIRTIO_PCI_H

#include "devices/pci/pci.h"
#include "virtio/core/virtio.h"
#include "vmm/base/err.h"
#include "vmm/core/irq.h"

/*
 * Modern (virtio 1.x) virtio-pci transport, virtio 1.2 section 4.1.
 *
 * Vendor 0x1af4, device 0x1040 + virtio device ID, revision 1. One 64-bit
 * memory BAR (BAR 0, VIRTIO_PCI_BAR_SIZE bytes) holds every structure:
 *
 *   0x0000 common configuration     (VIRTIO_PCI_CAP_COMMON_CFG)
 *   0x1000 ISR status               (VIRTIO_PCI_CAP_ISR_CFG)
 *   0x2000 device configuration     (VIRTIO_PCI_CAP_DEVICE_CFG)
 *   0x3000 notifications, 4 bytes per queue (notify_off_multiplier 4,
 *          queue_notify_off = queue index)
 *   0x4000 MSI-X table, 1 + nr_queues vectors
 *   0x5000 MSI-X pending bit array
 *
 * plus a VIRTIO_PCI_CAP_PCI_CFG window in configuration space.
 *
 * Doorbells: each queue has an eventfd (vq->kick_fd), registered through
 * irq_ops->ioeventfd on its notify address whenever BAR 0 is mapped and
 * the transport is attached (virtio_pci_attach(): the VM exists), so a
 * guest doorbell never exits; a notify write that reaches the bus anyway
 * (the in-process driver's path, or an ioeventfd KVM refused) is forwarded
 * by writing the same eventfd. The device's I/O thread epolls vq->kick_fd.
 *
 * Interrupts: each MSI-X vector has an eventfd and a GSI (irq_ops->
 * msi_alloc); while the vector is enabled and unmasked it is routed
 * (irq_ops->msi_route) and the eventfd is an irqfd (irq_ops->irqfd), so an
 * I/O thread writing vq->call_fd injects the MSI without a VM exit. While
 * masked, the irqfd is detached: writes accumulate in the eventfd counter,
 * the PBA bit reads as set (the eventfd is readable) and re-attaching the
 * irqfd on unmask delivers the pending message (KVM checks for a pending
 * count on assignment). vq->call_fd is the eventfd of the vector the
 * driver chose for the queue (queue_msix_vector), -1 for NO_VECTOR. There
 * is no INTx: interrupt pin 0.
 *
 * Teardown order: stop the vCPUs, virtio_pci_destroy() (it resets the
 * device, which stops its I/O thread, and closes the eventfds), then the
 * device's own destroy.
 */

#define VIRTIO_PCI_VENDOR      0x1af4
#define VIRTIO_PCI_DEVICE_BASE 0x1040
#define VIRTIO_PCI_BAR	       0
#define VIRTIO_PCI_BAR_SIZE    0x8000
#define VIRTIO_PCI_COMMON_OFF  0x0000
#define VIRTIO_PCI_ISR_OFF     0x1000
#define VIRTIO_PCI_DEVICE_OFF  0x2000
#define VIRTIO_PCI_NOTIFY_OFF  0x3000
#define VIRTIO_PCI_MSIX_OFF    0x4000
#define VIRTIO_PCI_PBA_OFF     0x5000
#define VIRTIO_PCI_REGION_SIZE 0x1000
#define VIRTIO_PCI_NOTIFY_MULT 4
#define VIRTIO_MSI_NO_VECTOR   0xffff
#define VIRTIO_PCI_MAX_VECTORS (VIRTIO_MAX_QUEUES + 1)

/* virtio_pci_cap.cfg_type, virtio 1.2 section 4.1.4. */
#define VIRTIO_PCI_CAP_COMMON_CFG 1
#define VIRTIO_PCI_CAP_NOTIFY_CFG 2
#define VIRTIO_PCI_CAP_ISR_CFG	  3
#define VIRTIO_PCI_CAP_DEVICE_CFG 4
#define VIRTIO_PCI_CAP_PCI_CFG	  5

/* struct virtio_pci_common_cfg offsets, section 4.1.4.3. */
#define VIRTIO_PCI_COMMON_DFSELECT	0x00
#define VIRTIO_PCI_COMMON_DF		0x04
#define VIRTIO_PCI_COMMON_GFSELECT	0x08
#define VIRTIO_PCI_COMMON_GF		0x0c
#define VIRTIO_PCI_COMMON_MSIX		0x10
#define VIRTIO_PCI_COMMON_NUMQ		0x12
#define VIRTIO_PCI_COMMON_STATUS	0x14
#define VIRTIO_PCI_COMMON_CFGGENERATION 0x15
#define VIRTIO_PCI_COMMON_Q_SELECT	0x16
#define VIRTIO_PCI_COMMON_Q_SIZE	0x18
#define VIRTIO_PCI_COMMON_Q_MSIX	0x1a
#define VIRTIO_PCI_COMMON_Q_ENABLE	0x1c
#define VIRTIO_PCI_COMMON_Q_NOFF	0x1e
#define VIRTIO_PCI_COMMON_Q_DESCLO	0x20
#define VIRTIO_PCI_COMMON_Q_DESCHI	0x24
#define VIRTIO_PCI_COMMON_Q_AVAILLO	0x28
#define VIRTIO_PCI_COMMON_Q_AVAILHI	0x2c
#define VIRTIO_PCI_COMMON_Q_USEDLO	0x30
#define VIRTIO_PCI_COMMON_Q_USEDHI	0x34
#define VIRTIO_PCI_COMMON_SIZE		0x38

/* MSI-X capability and table layout (PCI spec). */
#define PCI_MSIX_FLAGS		    2 /* message control */
#define PCI_MSIX_FLAGS_ENABLE	    0x8000
#define PCI_MSIX_FLAGS_MASKALL	    0x4000
#define PCI_MSIX_FLAGS_QSIZE	    0x07ff
#define PCI_MSIX_ENTRY_SIZE	    16
#define PCI_MSIX_ENTRY_LOWER_ADDR   0
#define PCI_MSIX_ENTRY_UPPER_ADDR   4
#define PCI_MSIX_ENTRY_DATA	    8
#define PCI_MSIX_ENTRY_VECTOR_CTRL  12
#define PCI_MSIX_ENTRY_CTRL_MASKBIT 1

/* PCI class codes we present, per device type. */
#define PCI_CLASS_STORAGE_SCSI	0x010000
#define PCI_CLASS_STORAGE_OTHER 0x018000
#define PCI_CLASS_NETWORK_ETH	0x020000
#define PCI_CLASS_OTHERS	0xff0000

struct virtio_pci;

/*
 * Wrap @vd (already virtio_dev_init()ed by its device) in a virtio-pci
 * function and plug it into @host: BAR, capabilities, eventfds, GSIs.
 * Nothing is asked of @irq yet that needs the KVM VM (no ioctl), so this
 * can run, and fail, before the VM exists. @irq must outlive the device.
 * NULL with @err set on failure (nothing is left registered then).
 */
struct virtio_pci *virtio_pci_create(struct pci_host *host,
				     struct virtio_dev *vd,
				     const struct irq_ctl *irq,
				     struct err *err);

/*
 * @irq can take ioeventfds now: register the doorbells where BAR 0 is, and
 * from now on wherever the guest moves it. Returns 0, or -errno with @err
 * set (the doorbells that failed still work, through the bus).
 */
int virtio_pci_attach(struct virtio_pci *vp, struct err *err);

/*
 * virtio_pci_create() then virtio_pci_attach(), for an @irq that is live
 * from the start (the in-process driver's, the unit tests').
 */
struct virtio_pci *virtio_pci_add(struct pci_host *host, struct virtio_dev *vd,
				  const struct irq_ctl *irq, struct err *err);

/* See the teardown order above. NULL is fine. */
void virtio_pci_destroy(struct virtio_pci *vp);

/* The PCI function, e.g. to learn its slot. */
struct pci_dev *virtio_pci_dev(struct virtio_pci *vp);

/* --- Snapshots (virtio_pci_state.c) --- */

struct virtio_pci_queue_state {
	u16 size;
	u16 msix_vector;
	u8 ready;
	u8 pad[3];
	u64 desc_gpa, avail_gpa, used_gpa;
	struct vq_state dev;
};

/* The function, the transport and the device's common virtio state. */
struct virtio_pci_state {
	u32 device_id, nr_queues, nr_vectors;
	u32 dfselect, gfselect;
	u16 queue_select, msix_config;
	u64 device_features, driver_features;
	u8 status, config_generation, isr, activated;
	u32 msix_pending; /* bit n: vector n held an interrupt */
	u8 cfg[PCI_CFG_SIZE];
	u8 msix_table[VIRTIO_PCI_MAX_VECTORS * PCI_MSIX_ENTRY_SIZE];
	struct virtio_pci_queue_state q[VIRTIO_MAX_QUEUES];
};

/*
 * The device's ops->quiesce, if it has been started: 0 when there is
 * nothing to do, -EOPNOTSUPP when the device cannot be snapshotted.
 */
int virtio_pci_quiesce(struct virtio_pci *vp, bool on);

/* With the device quiesced and the vCPUs parked. */
void virtio_pci_save(struct virtio_pci *vp, struct virtio_pci_state *out);

/*
 * Take over @in on a freshly plugged and attached transport: config
 * space and BARs, MSI-X routes, queues (their rings checked against guest
 * RAM), status. -EINVAL with @err (class input) when @in does not fit
 * this device. Then, once the routes are in KVM, virtio_pci_restart():
 * pending interrupts of masked vectors wait again, and a device the
 * driver had started is started again, looks at its queues and sends
 * each queue's interrupt once (drivers take a spurious one; a lost one
 * would hang them).
 */
int virtio_pci_restore(struct virtio_pci *vp, const struct virtio_pci_state *in,
		       struct err *err);
void virtio_pci_restart(struct virtio_pci *vp,
			const struct virtio_pci_state *in);

#endif
