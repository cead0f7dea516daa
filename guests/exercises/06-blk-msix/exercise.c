// SPDX-License-Identifier: MIT
/* Exercise 6: the read of exercise 5, completed by MSI-X (README.md). */
#include "irq.h"
#include "virtio.h"

#define EX_NOT_DONE	0x7d
#define VIRTIO_BLK_T_IN 0
#define SECTOR		512

struct blk_req_hdr {
	u32 type;
	u32 reserved;
	u64 sector;
};

int guest_main(const struct hvm_start_info *si)
{
	struct pci_window win = PCI_WINDOW_INIT;
	struct blk_req_hdr hdr = { .type = VIRTIO_BLK_T_IN, .sector = 0 };
	u8 data[SECTOR], status = 0xff;
	struct virtq_buf bufs[3] = {
		{ &hdr, sizeof(hdr), false },
		{ data, SECTOR, true },
		{ &status, 1, true },
	};
	struct virtio_pci vp;
	struct virtq_mem mem;
	struct virtq vq;
	u64 acked;
	u32 len;

	(void)si;
	/* TODO: irq_init(), a counting handler, the watchdog timer. */
	if (virtio_pci_probe(&vp, VIRTIO_PCI_DEVICE(VIRTIO_ID_BLOCK), &win) ||
	    virtio_negotiate(&vp, 0, &acked) ||
	    /* TODO: MSI-X on, entry 0, the queue on entry 0. */
	    virtio_queue_setup(&vp, &vq, 0, &mem)) {
		puts("exercise 6: no virtio-blk device");
		return 0x7c;
	}
	virtio_driver_ok(&vp);
	virtq_add(&vq, bufs, 3);
	virtq_kick(&vq);
	/* TODO: sleep until the interrupt, not this poll. */
	if (virtq_poll(&vq, &len, VIRTQ_TIMEOUT_TSC) < 0 || status)
		return 0x7c;
	puts("exercise 6: not done yet");
	return EX_NOT_DONE;
}
