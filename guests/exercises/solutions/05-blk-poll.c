// SPDX-License-Identifier: MIT
/* Exercise 5, a solution: one read on a split virtqueue, by hand, polled. */
#include "virtio.h"

#define VIRTIO_BLK_T_IN 0
#define SECTOR		512

struct blk_req_hdr {
	u32 type;
	u32 reserved;
	u64 sector;
};

/* Publish header -> data -> status as descriptors 0, 1, 2; ring. */
static void submit(struct virtq *vq, struct blk_req_hdr *hdr, u8 *data,
		   u8 *status)
{
	struct virtq_desc *d = vq->mem->desc;
	volatile u16 *avail_idx = &vq->mem->avail.idx;

	d[0] = (struct virtq_desc){ virt_to_phys(hdr), sizeof(*hdr),
				    VIRTQ_DESC_F_NEXT, 1 };
	d[1] = (struct virtq_desc){ virt_to_phys(data), SECTOR,
				    VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 2 };
	d[2] = (struct virtq_desc){ virt_to_phys(status), 1, VIRTQ_DESC_F_WRITE,
				    0 };
	vq->mem->avail.ring[*avail_idx % vq->size] = 0;
	barrier(); /* the entry before the index that shows it */
	*avail_idx = *avail_idx + 1;
	barrier(); /* the index before the doorbell */
	mmio_write16(vq->notify, vq->index);
}

/* Wait for the used ring to move; the head it returned, or -1. */
static int wait_used(struct virtq *vq)
{
	volatile u16 *used_idx = &vq->mem->used.idx;
	u64 start = rdtsc();

	while (*used_idx == 0) {
		if (rdtsc() - start > VIRTQ_TIMEOUT_TSC)
			return -1;
		cpu_relax();
	}
	barrier();
	return (int)vq->mem->used.ring[0].id;
}

int guest_main(const struct hvm_start_info *si)
{
	struct pci_window win = PCI_WINDOW_INIT;
	struct blk_req_hdr hdr = { .type = VIRTIO_BLK_T_IN, .sector = 0 };
	u8 data[SECTOR + 1], status = 0xff;
	struct virtio_pci vp;
	struct virtq_mem mem;
	struct virtq vq;
	u64 acked;
	unsigned int i;

	(void)si;
	if (virtio_pci_probe(&vp, VIRTIO_PCI_DEVICE(VIRTIO_ID_BLOCK), &win) ||
	    virtio_negotiate(&vp, 0, &acked) ||
	    virtio_queue_setup(&vp, &vq, 0, &mem)) {
		puts("exercise 5: no virtio-blk device");
		return 0x7c;
	}
	virtio_driver_ok(&vp);
	submit(&vq, &hdr, data, &status);
	if (wait_used(&vq) != 0 || status != 0) {
		puts("exercise 5: the read failed");
		return 0x7c;
	}
	for (i = 0; i < SECTOR && data[i] != '\n' && data[i]; i++)
		;
	data[i] = '\0';
	printf("exercise 5: sector 0 says: %s\n", (const char *)data);
	return 0;
}
