// SPDX-License-Identifier: MIT
/*
 * blk_msix: virtio-blk with the completion signalled by MSI-X. MSI-X
 * table entry 0 is programmed as vector 0x31 to this CPU's local APIC and
 * made queue 0's queue_msix_vector; the VMM routes it through a GSI (MSI
 * routing) and an irqfd. One read of sector 0 is published and kicked,
 * then the CPU only sleeps (sti; hlt) until the handler has counted an
 * interrupt that finds the completion there (one without it is spurious
 * and slept through: a vhost-user back-end sends one at set-up); a
 * periodic LAPIC timer bounds that wait without the PIT.
 * With wait=1 it first waits for a console line by COM1's interrupt
 * (IOAPIC pin 4, vector 0x33), so that a snapshot taken then is restored
 * with both interrupt paths still to prove.
 * Then the used ring is checked (the element must already be there, for
 * our head, with the status written) and the first 16 bytes printed.
 * Exit codes (status = (code << 1) | 1): see guests/README.md.
 */
#include "conwait.h"
#include "virtio.h"

#define VIRTIO_BLK_T_IN 0
#define VIRTIO_BLK_S_OK 0
#define SECTOR_SIZE	512
#define MSIX_ENTRY	0
#define VEC_QUEUE	0x31
#define VEC_TIMER	0x32
#define VEC_COM1	0x33
/* About 4 s at 2.6 GHz. */
#define IRQ_TIMEOUT_TSC 10000000000ULL

enum blk_msix_exit {
	BLKM_OK = 0x48,
	BLKM_NO_DEVICE = 0x49,
	BLKM_PROBE = 0x4a,
	BLKM_FEATURES = 0x4b,
	BLKM_MSIX = 0x4c,
	BLKM_QUEUE = 0x4d,
	BLKM_NO_IRQ = 0x4e,
	BLKM_USED = 0x4f,
};

struct blk_req_hdr {
	u32 type;
	u32 reserved;
	u64 sector;
};

struct blk_msix {
	struct virtio_pci vp;
	struct virtq vq;
	struct virtq_mem mem;
	struct blk_req_hdr hdr;
	u8 status;
	u8 sector[SECTOR_SIZE];
	volatile u32 irqs;  /* queue interrupts taken */
	volatile u32 ticks; /* watchdog timer interrupts */
};

static int fail(int code, const char *step, const char *why)
{
	printf("blk_msix: FAIL %s: %s\n", step, why);
	return code;
}

static int blk_msix_setup(struct blk_msix *b)
{
	struct pci_window win = PCI_WINDOW_INIT;
	u64 acked;
	int err;

	err = virtio_pci_probe(&b->vp, VIRTIO_PCI_DEVICE(VIRTIO_ID_BLOCK),
			       &win);
	if (err == VIRTIO_ENODEV)
		return fail(BLKM_NO_DEVICE, "probe", "no 1af4:1042 on bus 0");
	if (err)
		return fail(BLKM_PROBE, "probe", virtio_strerror(err));
	err = virtio_negotiate(&b->vp, 0, &acked);
	if (err)
		return fail(BLKM_FEATURES, "features", virtio_strerror(err));
	err = virtio_msix_enable(&b->vp);
	if (!err)
		err = virtio_msix_set_entry(&b->vp, MSIX_ENTRY, (u8)lapic_id(),
					    VEC_QUEUE);
	if (err)
		return fail(BLKM_MSIX, "MSI-X", virtio_strerror(err));
	err = virtio_queue_setup_msix(&b->vp, &b->vq, 0, &b->mem, MSIX_ENTRY);
	if (err)
		return fail(BLKM_QUEUE, "queue 0", virtio_strerror(err));
	virtio_driver_ok(&b->vp);
	printf("blk_msix: virtio-blk at 00:%02x.%u, %u MSI-X entries, "
	       "queue 0 on entry %u -> vector 0x%x\n",
	       b->vp.pci.dev, b->vp.pci.fn, b->vp.msix_size, MSIX_ENTRY,
	       VEC_QUEUE);
	return 0;
}

/* Publish a read of sector 0 and sleep until its interrupt arrives. */
static int blk_msix_read0(struct blk_msix *b)
{
	struct virtq_buf bufs[3] = {
		{ &b->hdr, sizeof(b->hdr), false },
		{ b->sector, SECTOR_SIZE, true },
		{ &b->status, 1, true },
	};
	u32 len;
	int head, used;

	b->hdr = (struct blk_req_hdr){ .type = VIRTIO_BLK_T_IN, .sector = 0 };
	b->status = 0xff; /* never written: the request fails */
	head = virtq_add(&b->vq, bufs, ARRAY_SIZE(bufs));
	if (head < 0)
		return fail(BLKM_USED, "read sector 0", virtio_strerror(head));
	virtq_kick(&b->vq);

	if (!virtq_sleep_until_used(&b->vq, &b->irqs, IRQ_TIMEOUT_TSC)) {
		printf("blk_msix: no completing interrupt after %u timer ticks\n",
		       b->ticks);
		return fail(BLKM_NO_IRQ, "interrupt", "timed out");
	}
	/* Timeout 0: the used element must be there before the MSI. */
	used = virtq_poll(&b->vq, &len, 0);
	if (used < 0)
		return fail(BLKM_USED, "used ring", virtio_strerror(used));
	if (used != head || len < 1 || b->status != VIRTIO_BLK_S_OK)
		return fail(BLKM_USED, "used ring",
			    "wrong head, length or status");
	return 0;
}

/* wait=1: a console line first, by the serial interrupt (snapshot tests). */
static void wait_line(struct irq_table *t)
{
	char line[32];
	u32 irqs;

	puts("blk_msix: waiting for a line");
	irqs = con_wait_line(t, VEC_COM1, line, sizeof(line));
	printf("blk_msix: line '%s' after %u serial interrupts\n", line, irqs);
}

int guest_main(const struct hvm_start_info *si)
{
	/* On the stack: identity mapped, so the device can DMA to it. */
	struct irq_table t;
	struct blk_msix b;
	u32 wait;
	int ret;

	memset(&b, 0, sizeof(b));
	irq_init(&t);
	irq_set_handler(&t, VEC_QUEUE, irq_count_eoi, (void *)&b.irqs);
	irq_set_handler(&t, VEC_TIMER, irq_count_eoi, (void *)&b.ticks);
	lapic_timer_start(VEC_TIMER, LAPIC_TIMER_50MS);

	ret = blk_msix_setup(&b);
	if (!ret && cmdline_get_uint(cmdline(si), "wait", &wait) && wait)
		wait_line(&t);
	if (!ret)
		ret = blk_msix_read0(&b);
	irq_fini();
	if (ret)
		return ret;
	printf("blk_msix: sector 0:");
	print_hex(b.sector, 16);
	printf("blk_msix: OK: %u interrupts\n", b.irqs);
	return BLKM_OK;
}
