// SPDX-License-Identifier: MIT
/*
 * blk: a minimal virtio-blk driver. Reads sector 0 and prints its first
 * 16 bytes, writes a pattern to sector 1, flushes, reads sector 1 back
 * and compares; with tail=N, first says whether sector capacity - N is
 * all zeros. Exit codes (status = (code << 1) | 1) name the step that
 * failed; see guests/README.md.
 */
#include "blkdev.h"

#define REASSIGN_BASE 0xd0000000ULL /* inside the MMIO window */
/* Sector 1 is this 16-byte string 32 times over. */
#define PATTERN "squeeze-blk-ok 1"

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

static int fail(int code, const char *step, const char *why)
{
	printf("blk: FAIL %s: %s\n", step, why);
	return code;
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

static int blk_setup(struct blkdev *b, bool reassign)
{
	static const int code[] = {
		[BLKDEV_NO_DEVICE] = BLK_NO_DEVICE,
		[BLKDEV_PROBE] = BLK_PROBE,
		[BLKDEV_FEATURES] = BLK_FEATURES,
		[BLKDEV_QUEUE] = BLK_QUEUE,
	};
	static const char *const step[] = {
		[BLKDEV_NO_DEVICE] = "probe",
		[BLKDEV_PROBE] = "probe",
		[BLKDEV_FEATURES] = "features",
		[BLKDEV_QUEUE] = "queue 0",
	};
	struct pci_window win = PCI_WINDOW_INIT;
	enum blkdev_step s;
	const char *why;

	if (reassign)
		blk_reassign(&win);
	s = blkdev_open(b, &win, &why);
	if (s != BLKDEV_OK)
		return fail(code[s], step[s], why);
	printf("blk: virtio-blk at 00:%02x.%u, queue size %u, %lu sectors\n",
	       b->vp.pci.dev, b->vp.pci.fn, b->vq.size, b->capacity);
	printf("blk: common config at 0x%lx\n", b->vp.common);
	if (b->capacity < 2)
		return fail(BLK_CAPACITY, "capacity", "fewer than 2 sectors");
	return 0;
}

/*
 * "tail=N" on the command line: also read sector capacity - N and say
 * whether it is all zeros (img resize: what the guest sees past the old
 * end of a grown disk).
 */
static int blk_tail(struct blkdev *b, u32 tail, u8 *sector)
{
	const char *why;
	unsigned int i;
	bool zero = true;

	if (!tail || tail > b->capacity)
		return 0;
	if (blkdev_request(b, VIRTIO_BLK_T_IN, b->capacity - tail, sector,
			   &why))
		return fail(BLK_READ0, "read the tail sector", why);
	for (i = 0; i < SECTOR_SIZE; i++)
		zero &= !sector[i];
	printf("blk: sector %lu: %s\n", b->capacity - tail,
	       zero ? "zeros" : "data");
	return 0;
}

int guest_main(const struct hvm_start_info *si)
{
	/* On the stack: identity mapped, so the device can DMA to it. */
	struct blkdev b;
	u8 sector[SECTOR_SIZE], pattern[SECTOR_SIZE];
	const char *why;
	unsigned int i;
	u32 reassign = 0, tail = 0;
	int ret;

	cmdline_get_uint(cmdline(si), "reassign", &reassign);
	cmdline_get_uint(cmdline(si), "tail", &tail);
	ret = blk_setup(&b, reassign == 1);
	if (ret)
		return ret;
	ret = blk_tail(&b, tail, sector);
	if (ret)
		return ret;

	if (blkdev_request(&b, VIRTIO_BLK_T_IN, 0, sector, &why))
		return fail(BLK_READ0, "read sector 0", why);
	printf("blk: sector 0:");
	print_hex(sector, 16);

	for (i = 0; i < SECTOR_SIZE; i += 16)
		memcpy(pattern + i, PATTERN, 16);
	if (blkdev_request(&b, VIRTIO_BLK_T_OUT, 1, pattern, &why))
		return fail(BLK_WRITE1, "write sector 1", why);
	if (blkdev_request(&b, VIRTIO_BLK_T_FLUSH, 0, NULL, &why))
		return fail(BLK_FLUSH, "flush", why);
	memset(sector, 0, sizeof(sector));
	if (blkdev_request(&b, VIRTIO_BLK_T_IN, 1, sector, &why))
		return fail(BLK_READ1, "read sector 1", why);
	if (memcmp(sector, pattern, SECTOR_SIZE))
		return fail(BLK_COMPARE, "compare sector 1", "data differs");
	puts("blk: OK");
	return BLK_OK;
}
