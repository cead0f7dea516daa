/* SPDX-License-Identifier: MIT */
#ifndef TINY_VIRTIO_H
#define TINY_VIRTIO_H

/*
 * A minimal modern virtio-pci driver core for the tiny guests (virtio 1.2
 * section 4.1), split virtqueues, polled; optionally a queue signals
 * completions by MSI-X (see virtio_msix_enable() below). Usage:
 *
 *	struct pci_window win = PCI_WINDOW_INIT;
 *	struct virtio_pci vp;
 *	static struct virtq_mem mem;	(or on the stack)
 *	struct virtq vq;
 *
 *	virtio_pci_probe(&vp, VIRTIO_PCI_DEVICE(VIRTIO_ID_NET), &win);
 *	virtio_negotiate(&vp, wanted, &acked);	(VERSION_1 is required)
 *	virtio_queue_setup(&vp, &vq, 0, &mem);
 *	virtio_driver_ok(&vp);
 *	head = virtq_add(&vq, bufs, n);	bufs[i].write: device writes it
 *	virtq_kick(&vq);
 *	head = virtq_poll(&vq, &len, VIRTQ_TIMEOUT_TSC);
 *
 * Pointers are guest-physical addresses (identity map), so buffers can
 * live anywhere in the guest image or on the stack.
 */
#include "lib.h"
#include "pci.h"

#define VIRTIO_PCI_VENDOR     0x1af4
#define VIRTIO_PCI_DEVICE(id) (0x1040 + (id))
#define VIRTIO_ID_NET	      1
#define VIRTIO_ID_BLOCK	      2
#define VIRTIO_ID_FS	      26

#define VIRTIO_STATUS_ACKNOWLEDGE 1
#define VIRTIO_STATUS_DRIVER	  2
#define VIRTIO_STATUS_DRIVER_OK	  4
#define VIRTIO_STATUS_FEATURES_OK 8
#define VIRTIO_STATUS_NEEDS_RESET 64
#define VIRTIO_STATUS_FAILED	  128

#define VIRTIO_F_VERSION_1   32
#define VIRTIO_MSI_NO_VECTOR 0xffff
#define PCI_CAP_ID_MSIX	     0x11
#define VIRTIO_BIT(b)	     (1ULL << (b))

/* Largest queue we set up: enough for a request and a few rx buffers. */
#define VIRTQ_MAX 8
/*
 * How long virtq_poll() waits, in TSC ticks (about 4 s at 2.6 GHz). Time,
 * not iterations: a poll loop runs a thousand times faster on hardware
 * KVM than under emulation, while a flush takes as long on both.
 */
#define VIRTQ_TIMEOUT_TSC 10000000000ULL

#define VIRTQ_DESC_F_NEXT  1
#define VIRTQ_DESC_F_WRITE 2

struct virtq_desc {
	u64 addr;
	u32 len;
	u16 flags;
	u16 next;
};

struct virtq_used_elem {
	u32 id;
	u32 len;
};

/* The three rings of one split queue, laid out for VIRTQ_MAX entries. */
struct virtq_mem {
	struct virtq_desc desc[VIRTQ_MAX] __aligned(16);
	struct {
		u16 flags;
		u16 idx;
		u16 ring[VIRTQ_MAX];
		u16 used_event;
	} avail __aligned(2);
	struct {
		u16 flags;
		u16 idx;
		struct virtq_used_elem ring[VIRTQ_MAX];
		u16 avail_event;
	} used __aligned(4);
};

struct virtio_pci {
	struct pci_dev pci;
	u64 common; /* MMIO addresses of the regions */
	u64 notify;
	u64 isr;
	u64 device;
	u32 notify_mult;
	u32 notify_len;
	u32 device_len;
	u64 bar_base[PCI_NR_BARS]; /* the BARs the capabilities use */
	u64 bar_size[PCI_NR_BARS];
	u8 bars_mapped; /* bit per BAR */
	u8 msix_cap;	/* set by virtio_msix_enable() */
	u16 msix_size;	/* table entries */
	u64 msix_table; /* MMIO address of entry 0 */
};

struct virtq {
	struct virtq_mem *mem;
	u64 notify; /* this queue's doorbell */
	u16 index;
	u16 size;
	u16 free_head;
	u16 nr_free;
	u16 avail_idx;		 /* next avail->idx we publish */
	u16 last_used;		 /* used->idx consumed up to */
	u8 chain_len[VIRTQ_MAX]; /* per outstanding head, 0 if free */
};

/* One buffer of a chain; @write: the device writes it (device-writable). */
struct virtq_buf {
	const void *addr;
	u32 len;
	bool write;
};

enum virtio_err {
	VIRTIO_OK = 0,
	VIRTIO_ENODEV = -1,    /* no such device on bus 0 */
	VIRTIO_ECAPS = -2,     /* capability missing or bad */
	VIRTIO_EBAR = -3,      /* a BAR could not be sized/assigned */
	VIRTIO_ERESET = -4,    /* device did not reset */
	VIRTIO_EFEATURES = -5, /* no VERSION_1 or FEATURES_OK */
	VIRTIO_EQUEUE = -6,    /* no such queue, or enabled */
	VIRTIO_EFULL = -7,     /* not enough free descriptors */
	VIRTIO_ETIMEDOUT = -8, /* nothing used in time */
	VIRTIO_EBADUSED = -9,  /* device returned a bad head */
	VIRTIO_EMSIX = -10,    /* no MSI-X, or a vector refused */
};

/* "no device", ...: a word for a console line. */
const char *virtio_strerror(int err);

/*
 * Find 1af4:@pci_device on bus 0, map the BARs its virtio capabilities
 * use (assigning from @win those the VMM left at 0), enable memory space
 * and bus mastering. Returns 0 or an enum virtio_err.
 */
int virtio_pci_probe(struct virtio_pci *vp, u16 pci_device,
		     struct pci_window *win);
/* The same for the @n-th function with that device id (0: the first). */
int virtio_pci_probe_nth(struct virtio_pci *vp, u16 pci_device, unsigned int n,
			 struct pci_window *win);

/*
 * Reset, ACKNOWLEDGE | DRIVER, accept @wanted & offered (VERSION_1 is
 * added and required), FEATURES_OK. Sets @acked. 0 or enum virtio_err.
 */
int virtio_negotiate(struct virtio_pci *vp, u64 wanted, u64 *acked);

/* Queue @index with min(device max, VIRTQ_MAX) entries in @mem, enabled. */
int virtio_queue_setup(struct virtio_pci *vp, struct virtq *vq, u16 index,
		       struct virtq_mem *mem);

/*
 * The same, with the queue's completions signalled on MSI-X table entry
 * @vector (queue_msix_vector, written before the queue is enabled and
 * read back: VIRTIO_EMSIX if the device answers anything else).
 * VIRTIO_MSI_NO_VECTOR leaves the field alone, as virtio_queue_setup().
 */
int virtio_queue_setup_msix(struct virtio_pci *vp, struct virtq *vq, u16 index,
			    struct virtq_mem *mem, u16 vector);

/*
 * MSI-X: find the capability, check that its table lies inside a BAR the
 * probe mapped, and set Enable (message control bit 15) with the function
 * unmasked. Every table entry stays as the device had it (masked after
 * reset). 0 or VIRTIO_EMSIX.
 */
int virtio_msix_enable(struct virtio_pci *vp);
/*
 * Table entry @entry: a fixed, edge message of @vector to local APIC
 * @apic_id (address 0xfee00000 | id << 12, data = vector), unmasked.
 */
int virtio_msix_set_entry(struct virtio_pci *vp, u16 entry, u8 apic_id,
			  u8 vector);

void virtio_driver_ok(struct virtio_pci *vp);
u8 virtio_status(const struct virtio_pci *vp);
/* Device-specific configuration, little endian, @off < device_len. */
u32 virtio_config_read32(const struct virtio_pci *vp, u32 off);
u8 virtio_config_read8(const struct virtio_pci *vp, u32 off);

/* Make @n buffers one chain and publish it; returns its head id or error. */
int virtq_add(struct virtq *vq, const struct virtq_buf *bufs, unsigned int n);
/* Ring the doorbell. */
void virtq_kick(struct virtq *vq);
/*
 * Wait up to @timeout TSC ticks for the next used element; frees its
 * chain, sets @len (bytes the device wrote) and returns the head id, or
 * an error (a head that is not outstanding is VIRTIO_EBADUSED).
 */
int virtq_poll(struct virtq *vq, u32 *len, u64 timeout);
/*
 * Sleep (sti; hlt, see irq.h) until an interrupt that counts up *@irqs
 * finds a used element on @vq, for at most @timeout TSC ticks. Such an
 * interrupt without a used element is spurious and slept through (a
 * vhost-user back-end signals each call eventfd once when it gets it);
 * other wake-ups (timer ticks) only bound the wait. True on success; the
 * element is left for virtq_poll().
 */
bool virtq_sleep_until_used(struct virtq *vq, volatile u32 *irqs, u64 timeout);

#endif
