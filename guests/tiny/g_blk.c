// SPDX-License-Identifier: MIT
/*
 * blk: a minimal virtio-blk driver. Reads sector 0 and prints its first
 * 16 bytes, writes a pattern to sector 1, flushes, reads sector 1 back
 * and compares. Exit codes (status = (code << 1) | 1) name the step that
 * failed; see guests/README.md.
 */
#include "virtio.h"

#define VIRTIO_BLK_F_FLUSH	9
#define VIRTIO_BLK_T_IN		0
#define VIRTIO_BLK_T_OUT	1
#define VIRTIO_BLK_T_FLUSH	4
#define VIRTIO_BLK_S_OK		0
#define SECTOR_SIZE		512
#define REASSIGN_BASE		0xd0000000ULL	/* inside the MMIO window */
/* Sector 1 is this 16-byte string 32 times over. */
#define PATTERN			"squeeze-blk-ok 1"

enum blk_exit {
	BLK_OK = 0x10,
	BLK_NO_DEVICE = 0x11,
	BLK_PROBE = 0x12,
	BLK_FEATURES = 0x13,
	BLK_QUEUE = 0x14,
	BLK_CAPACITY = 0x15,
	BLK_READ0 = 0x16,
	BLK_WRITE1 = 0x17,
	BLK_FLUSH = 0x18,
	BLK_READ1 = 0x19,
	BLK_COMPARE = 0x1a,
};

struct blk_req_hdr {
	u32 type;
	u32 reserved;
	u64 sector;
};

struct blk {
	struct virtio_pci vp;
	struct virtq vq;
	struct virtq_mem mem;
	struct blk_req_hdr hdr;
	u8 status;
};

static int fail(int code, const char *step, const char *why)
{
	printf("blk: FAIL %s: %s\n", step, why);
	return code;
}

/* One request, polled to completion. 0, or a short reason in @why. */
static int blk_request(struct blk *b, u32 type, u64 sector, void *data,
		       const char **why)
{
	struct virtq_buf bufs[3];
	unsigned int n = 0;
	u32 len;
	int ret;

	b->hdr.type = type;
	b->hdr.reserved = 0;
	b->hdr.sector = sector;
	b->status = 0xff;		/* never written: the request fails */
	bufs[n++] = (struct virtq_buf){ &b->hdr, sizeof(b->hdr), false };
	if (data)
		bufs[n++] = (struct virtq_buf){ data, SECTOR_SIZE,
						type == VIRTIO_BLK_T_IN };
	bufs[n++] = (struct virtq_buf){ &b->status, 1, true };

	ret = virtq_add(&b->vq, bufs, n);
	if (ret < 0)
		goto err;
	virtq_kick(&b->vq);
	ret = virtq_poll(&b->vq, &len, VIRTQ_TIMEOUT_TSC);
	if (ret < 0)
		goto err;
	if (b->status != VIRTIO_BLK_S_OK) {
		*why = b->status == 1 ? "status IOERR" :
		       b->status == 2 ? "status UNSUPP" : "bad status";
		return -1;
	}
	return 0;
err:
	*why = virtio_strerror(ret);
	return -1;
}

/*
 * "reassign=1" on the command line: forget the VMM's BAR addresses and
 * assign our own from REASSIGN_BASE, like a guest whose firmware did not.
 */
static void blk_reassign(struct pci_window *win)
{
	struct pci_dev d;

	if (pci_find(VIRTIO_PCI_VENDOR, VIRTIO_PCI_DEVICE(VIRTIO_ID_BLOCK), &d))
		return;
	pci_bars_clear(&d);
	win->next = REASSIGN_BASE;
	printf("blk: BARs cleared, assigning from 0x%lx\n", win->next);
}

static int blk_setup(struct blk *b, bool reassign, u64 *capacity)
{
	struct pci_window win = PCI_WINDOW_INIT;
	u64 acked;
	int err;

	if (reassign)
		blk_reassign(&win);
	err = virtio_pci_probe(&b->vp, VIRTIO_PCI_DEVICE(VIRTIO_ID_BLOCK),
			       &win);
	if (err == VIRTIO_ENODEV)
		return fail(BLK_NO_DEVICE, "probe", "no 1af4:1042 on bus 0");
	if (err)
		return fail(BLK_PROBE, "probe", virtio_strerror(err));
	err = virtio_negotiate(&b->vp, VIRTIO_BIT(VIRTIO_BLK_F_FLUSH), &acked);
	if (err)
		return fail(BLK_FEATURES, "features", virtio_strerror(err));
	if (!(acked & VIRTIO_BIT(VIRTIO_BLK_F_FLUSH)))
		return fail(BLK_FEATURES, "features", "FLUSH not offered");
	err = virtio_queue_setup(&b->vp, &b->vq, 0, &b->mem);
	if (err)
		return fail(BLK_QUEUE, "queue 0", virtio_strerror(err));
	virtio_driver_ok(&b->vp);

	*capacity = virtio_config_read32(&b->vp, 0) |
		    (u64)virtio_config_read32(&b->vp, 4) << 32;
	printf("blk: virtio-blk at 00:%02x.%u, queue size %u, %lu sectors\n",
	       b->vp.pci.dev, b->vp.pci.fn, b->vq.size, *capacity);
	printf("blk: common config at 0x%lx\n", b->vp.common);
	if (*capacity < 2)
		return fail(BLK_CAPACITY, "capacity", "fewer than 2 sectors");
	return 0;
}

int guest_main(const struct hvm_start_info *si)
{
	/* On the stack: identity mapped, so the device can DMA to it. */
	struct blk b;
	u8 sector[SECTOR_SIZE], pattern[SECTOR_SIZE];
	const char *why;
	u64 capacity;
	unsigned int i;
	u32 reassign = 0;
	int ret;

	cmdline_get_uint(cmdline(si), "reassign", &reassign);
	ret = blk_setup(&b, reassign == 1, &capacity);
	if (ret)
		return ret;

	if (blk_request(&b, VIRTIO_BLK_T_IN, 0, sector, &why))
		return fail(BLK_READ0, "read sector 0", why);
	printf("blk: sector 0:");
	print_hex(sector, 16);

	for (i = 0; i < SECTOR_SIZE; i += 16)
		memcpy(pattern + i, PATTERN, 16);
	if (blk_request(&b, VIRTIO_BLK_T_OUT, 1, pattern, &why))
		return fail(BLK_WRITE1, "write sector 1", why);
	if (blk_request(&b, VIRTIO_BLK_T_FLUSH, 0, NULL, &why))
		return fail(BLK_FLUSH, "flush", why);
	memset(sector, 0, sizeof(sector));
	if (blk_request(&b, VIRTIO_BLK_T_IN, 1, sector, &why))
		return fail(BLK_READ1, "read sector 1", why);
	if (memcmp(sector, pattern, SECTOR_SIZE))
		return fail(BLK_COMPARE, "compare sector 1", "data differs");
	puts("blk: OK");
	return BLK_OK;
}
