// SPDX-License-Identifier: MIT
/* Exercise 6, a solution: the read completed by MSI-X, slept for. */
#include "irq.h"
#include "virtio.h"

#define VIRTIO_BLK_T_IN 0
#define SECTOR		512
#define MSIX_ENTRY	0
#define VEC_QUEUE	0x31
#define VEC_WATCHDOG	0x32

struct blk_req_hdr {
	u32 type;
	u32 reserved;
	u64 sector;
};

static int setup(struct virtio_pci *vp, struct virtq *vq, struct virtq_mem *mem)
{
	struct pci_window win = PCI_WINDOW_INIT;
	u64 acked;

	if (virtio_pci_probe(vp, VIRTIO_PCI_DEVICE(VIRTIO_ID_BLOCK), &win) ||
	    virtio_negotiate(vp, 0, &acked) || virtio_msix_enable(vp) ||
	    virtio_msix_set_entry(vp, MSIX_ENTRY, (u8)lapic_id(), VEC_QUEUE) ||
	    virtio_queue_setup_msix(vp, vq, 0, mem, MSIX_ENTRY))
		return -1;
	virtio_driver_ok(vp);
	return 0;
}

int guest_main(const struct hvm_start_info *si)
{
	struct blk_req_hdr hdr = { .type = VIRTIO_BLK_T_IN, .sector = 0 };
	u8 data[SECTOR + 1], status = 0xff;
	struct virtq_buf bufs[3] = {
		{ &hdr, sizeof(hdr), false },
		{ data, SECTOR, true },
		{ &status, 1, true },
	};
	volatile u32 irqs = 0, ticks = 0;
	struct irq_table t;
	struct virtio_pci vp;
	struct virtq_mem mem;
	struct virtq vq;
	unsigned int i;
	u32 len;
	bool done;

	(void)si;
	irq_init(&t);
	irq_set_handler(&t, VEC_QUEUE, irq_count_eoi, (void *)&irqs);
	irq_set_handler(&t, VEC_WATCHDOG, irq_count_eoi, (void *)&ticks);
	lapic_timer_start(VEC_WATCHDOG, LAPIC_TIMER_50MS);
	if (setup(&vp, &vq, &mem)) {
		irq_fini();
		puts("exercise 6: no virtio-blk device with MSI-X");
		return 0x7c;
	}
	virtq_add(&vq, bufs, 3);
	virtq_kick(&vq);
	done = virtq_sleep_until_used(&vq, &irqs, VIRTQ_TIMEOUT_TSC);
	irq_fini();
	if (!done || virtq_poll(&vq, &len, 0) < 0 || status) {
		puts("exercise 6: no completing interrupt");
		return 0x7c;
	}
	for (i = 0; i < SECTOR && data[i] != '\n' && data[i]; i++)
		;
	data[i] = '\0';
	printf("exercise 6: sector 0 says: %s, after %u interrupt%s\n",
	       (const char *)data, irqs, irqs == 1 ? "" : "s");
	return 0;
}
