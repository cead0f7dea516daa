/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_TEST_DRIVER_H
#define SQUEEZE_TEST_DRIVER_H

#include "tests/driver/lib/fake_irq.h"
#include "devices/pci/pci.h"
#include "virtio/pci/virtio_pci.h"
#include "virtio/core/virtqueue.h"
#include "vmm/base/err.h"
#include "vmm/core/bus.h"
#include "vmm/core/guest_mem.h"

/*
 * The in-process virtio driver: what Linux's virtio_pci does, in C, in the
 * test process, against the real transport, devices, I/O threads and
 * backends. Config space is reached through bus_read/bus_write on the pio
 * bus (0xcf8/0xcfc), BAR registers through the mmio bus: the same dispatch
 * a vCPU exit uses. Doorbells go into the ioeventfd's eventfd the way KVM
 * would signal it (or, on request, through the bus notify address);
 * interrupts are waited for on the irqfd's eventfd.
 *
 * Typical use:
 *
 *	struct drv_env env;
 *	struct drv_dev d;
 *	drv_env_init(&env, 64 * MiB, &err);
 *	vp = virtio_pci_add(&env.pci, vdev, &env.irq_ctl, &err);
 *	drv_probe(&env, VIRTIO_ID_BLOCK, 0, &d);
 *	drv_start(&d, wanted_features, 1, 256);	// reset .. DRIVER_OK
 *	drv_vq_add(&d.vq[0], bufs, 3, false);
 *	drv_vq_kick(&d.vq[0]);
 *	drv_vq_wait(&d.vq[0], 1000, &id, &len);
 *
 * Everything returns 0 or -errno; nothing aborts, so tests assert.
 */

#define DRV_ALLOC_START (16 * MiB) /* bump allocator base in low RAM */
#define DRV_MAX_QUEUES	VIRTIO_MAX_QUEUES
#define DRV_MSI_ADDR	0xfee00000ULL

/* The "machine": RAM, buses, the PCI host and a fake interrupt controller. */
struct drv_env {
	struct guest_mem mem;
	struct bus pio;
	struct bus mmio;
	struct fake_irq irq;
	struct irq_ctl irq_ctl; /* pass to virtio_pci_add() */
	struct pci_host pci;
	u64 alloc_next; /* bump allocator, never frees */
	u64 alloc_end;
	u32 next_msi_data; /* MSI data values, unique per env */
};

/* @mem_size bytes of real (mmap'ed) guest RAM, >= 32 MiB. */
int drv_env_init(struct drv_env *env, u64 mem_size, struct err *err);
/* The same on shared RAM (a memfd), as VMs with vhost-user devices have. */
int drv_env_init_shared(struct drv_env *env, u64 mem_size, struct err *err);
/* Destroy after every virtio_pci_destroy() and device destroy. */
void drv_env_destroy(struct drv_env *env);

/* @size bytes of zeroed guest RAM aligned to @align (power of 2); 0 if out. */
u64 drv_alloc(struct drv_env *env, u64 size, u64 align);
/* Host pointer for [gpa, gpa + len), NULL if not RAM. */
void *drv_ptr(struct drv_env *env, u64 gpa, u64 len);

/* PCI configuration access through ports 0xcf8/0xcfc (bus 0, fn 0). */
u32 drv_pci_read(struct drv_env *env, u32 slot, u32 off, u32 len);
void drv_pci_write(struct drv_env *env, u32 slot, u32 off, u32 val, u32 len);

/* One buffer of a chain, in guest RAM. */
struct drv_buf {
	u64 gpa;
	u32 len;
	bool writable; /* device-writable ("in") */
};

struct drv_dev;

struct drv_vq {
	struct drv_dev *dev;
	u16 index;
	u16 size;
	u16 vector; /* MSI-X vector, VIRTIO_MSI_NO_VECTOR */
	u64 desc_gpa, avail_gpa, used_gpa;
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	u64 indirect_gpa; /* per head: DRV_INDIRECT_MAX descs */
	u16 free_head;	  /* descriptor free list */
	u16 nr_free;
	u16 avail_idx;		      /* shadow of avail->idx */
	u16 last_used;		      /* next used entry to consume */
	u16 kicked_avail;	      /* avail_idx at the last kick check */
	u16 chain_descs[VQ_MAX_SIZE]; /* descriptors used by chain [head] */
	u64 notify_addr;	      /* guest-physical doorbell address */
	bool event_idx;
	bool notify_via_bus; /* kick by bus_write, not eventfd */
	bool enabled;
	/* Counters for tests and benchmarks. */
	u64 nr_kicks;		 /* doorbells actually rung */
	u64 nr_kicks_suppressed; /* skipped: NO_NOTIFY / avail_event */
	u64 nr_irqs;		 /* interrupts consumed by drv_vq_wait */
};

#define DRV_INDIRECT_MAX 64

/* Holds pointers into itself (vq[].dev): do not copy a started drv_dev. */
struct drv_dev {
	struct drv_env *env;
	u32 slot;
	u16 virtio_id;
	u64 bar_addr[PCI_NR_BARS];
	/* Guest-physical addresses of the structures, from the capabilities. */
	u64 common, isr, device, notify;
	u32 device_len;
	u32 notify_mult;
	u64 msix_table, msix_pba;
	u32 msix_nr;
	u32 msix_cap;			     /* config-space offset */
	u32 msi_data[VIRTIO_MAX_QUEUES + 1]; /* per vector */
	u64 features;			     /* negotiated */
	unsigned int nr_vqs;
	struct drv_vq vq[DRV_MAX_QUEUES];
};

/*
 * Scan bus 0 for the @index-th function with vendor 0x1af4 and device
 * 0x1040 + @virtio_id; read its capabilities, use the assigned BARs,
 * enable memory decoding, bus mastering and MSI-X, and program every
 * MSI-X entry (address 0xfee00000, data unique in the env), unmasked.
 * -ENODEV if none.
 */
int drv_probe(struct drv_env *env, u16 virtio_id, unsigned int index,
	      struct drv_dev *d);

/* Common configuration registers (offsets VIRTIO_PCI_COMMON_*). */
u32 drv_common_read(struct drv_dev *d, u32 off, u32 len);
void drv_common_write(struct drv_dev *d, u32 off, u32 val, u32 len);
u8 drv_status(struct drv_dev *d);
void drv_set_status(struct drv_dev *d, u8 status);

/* Write status 0 and wait (bounded) until it reads back 0. */
int drv_reset(struct drv_dev *d);
/* All 64 offered feature bits. */
u64 drv_device_features(struct drv_dev *d);
/* Write all 64 driver feature bits as given (no masking), read them back. */
void drv_write_features(struct drv_dev *d, u64 features);
u64 drv_driver_features(struct drv_dev *d);
/*
 * ACKNOWLEDGE | DRIVER, ack @want & offered (VERSION_1 always asked),
 * FEATURES_OK and check it stuck: -EIO if the device refused.
 */
int drv_negotiate(struct drv_dev *d, u64 want);
/*
 * Allocate and program queue @index with @size entries (0: the offered
 * maximum) and MSI-X vector 1 + @index, then enable it. -EINVAL if the
 * queue does not exist, -EIO if the device set NEEDS_RESET.
 */
int drv_vq_setup(struct drv_dev *d, unsigned int index, u16 size);
/* Set DRIVER_OK; -EIO if the device reports NEEDS_RESET or FAILED. */
int drv_driver_ok(struct drv_dev *d);
/*
 * reset, negotiate(@want), config vector 0, @nr_queues of @size (queue i
 * on vector 1 + i), DRIVER_OK.
 */
int drv_start(struct drv_dev *d, u64 want, unsigned int nr_queues, u16 size);

/* Device-specific configuration space. */
int drv_config_read(struct drv_dev *d, u32 off, void *buf, u32 len);
int drv_config_write(struct drv_dev *d, u32 off, const void *buf, u32 len);

/* MSI-X: mask or unmask @vector; read its PBA bit. */
void drv_msix_mask(struct drv_dev *d, u32 vector, bool masked);
bool drv_msix_pending(struct drv_dev *d, u32 vector);
/*
 * Wait up to @timeout_ms for an MSI on @vector (consumes it). 1 if one
 * arrived, 0 on timeout, -ENOENT if the vector has no irqfd (masked).
 */
int drv_wait_irq(struct drv_dev *d, u32 vector, int timeout_ms);

/*
 * Put a chain of @n buffers on the avail ring (out before in, as the
 * spec wants; the caller orders them). With @indirect the chain is one
 * indirect descriptor pointing at a table (n <= DRV_INDIRECT_MAX).
 * Returns the head id (>= 0) or -ENOSPC when descriptors are short.
 * Publishes avail->idx but does not kick.
 */
int drv_vq_add(struct drv_vq *q, const struct drv_buf *bufs, unsigned int n,
	       bool indirect);
/*
 * Ring the doorbell if the device wants it (VRING_USED_F_NO_NOTIFY, or
 * avail_event with EVENT_IDX). Returns true if it rang.
 */
bool drv_vq_kick(struct drv_vq *q);
/* Ring it regardless of suppression. */
void drv_vq_kick_force(struct drv_vq *q);
/* Consume one used entry: 1 with @id/@len, 0 if none yet. Frees the chain. */
int drv_vq_get_used(struct drv_vq *q, u32 *id, u32 *len);
/*
 * Wait up to @timeout_ms for a used entry. Re-arms the interrupt
 * (used_event with EVENT_IDX, else clears NO_INTERRUPT), then sleeps on
 * the queue's MSI-X eventfd when it has one, else polls. 0 with @id/@len,
 * -ETIMEDOUT.
 */
int drv_vq_wait(struct drv_vq *q, int timeout_ms, u32 *id, u32 *len);
/* Ask for no interrupts (NO_INTERRUPT flag; used_event far away). */
void drv_vq_disable_irq(struct drv_vq *q);

#endif
