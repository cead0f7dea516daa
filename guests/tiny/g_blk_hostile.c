// SPDX-License-Identifier: MIT
/*
 * blk_hostile: a virtio-blk driver that misbehaves on purpose, one case at
 * a time, each on a freshly reset device. The device must answer each bad
 * chain with an error status or by setting NEEDS_RESET; silence, success
 * or a dead VMM fail the test. Afterwards the device must still read
 * sector 0 unchanged. Exit codes in guests/README.md.
 */
#include "virtio.h"

#define VIRTIO_BLK_T_IN	  0
#define SECTOR_SIZE	  512
#define CASE_TIMEOUT_TSC  2000000000ULL /* ~0.8 s at 2.6 GHz */
#define STATUS_POLL_EVERY 64		/* reading status is an exit */
#define NOT_WRITTEN	  0xff

enum hostile_exit {
	HOSTILE_OK = 0x20, /* 0x21 + case: that case failed */
	HOSTILE_SETUP = 0x2e,
	HOSTILE_FINAL = 0x2f,
};

struct blk_req_hdr {
	u32 type;
	u32 reserved;
	u64 sector;
};

struct hostile {
	struct virtio_pci vp;
	struct virtq vq;
	struct virtq_mem mem;
	struct blk_req_hdr hdr;
	u8 status;
	u8 data[SECTOR_SIZE];
};

enum outcome { OUT_ERROR, OUT_NEEDS_RESET, OUT_SUCCESS, OUT_SILENCE };

static const char *const outcome_name[] = {
	"error status",
	"NEEDS_RESET",
	"success (wrong)",
	"no answer (wrong)",
};

/* Reset and bring the device up with queue 0, as a normal driver would. */
static int hostile_start(struct hostile *h)
{
	u64 acked;

	if (virtio_negotiate(&h->vp, 0, &acked) ||
	    virtio_queue_setup(&h->vp, &h->vq, 0, &h->mem))
		return -1;
	virtio_driver_ok(&h->vp);
	return 0;
}

static void set_desc(struct hostile *h, u16 i, const void *addr, u64 phys,
		     u32 len, u16 flags, u16 next)
{
	struct virtq_desc *d = &h->mem.desc[i];

	d->addr = addr ? virt_to_phys(addr) : phys;
	d->len = len;
	d->flags = flags;
	d->next = next;
}

/* A normal read of @sector: header, data, status in descriptors 0..2. */
static void read_chain(struct hostile *h, u64 sector)
{
	h->hdr = (struct blk_req_hdr){ VIRTIO_BLK_T_IN, 0, sector };
	h->status = NOT_WRITTEN;
	set_desc(h, 0, &h->hdr, 0, sizeof(h->hdr), VIRTQ_DESC_F_NEXT, 1);
	set_desc(h, 1, h->data, 0, SECTOR_SIZE,
		 VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 2);
	set_desc(h, 2, &h->status, 0, 1, VIRTQ_DESC_F_WRITE, 0);
}

static void publish(struct hostile *h, u16 head)
{
	h->mem.avail.ring[h->vq.avail_idx % h->vq.size] = head;
	barrier();
	*(volatile u16 *)&h->mem.avail.idx = ++h->vq.avail_idx;
	virtq_kick(&h->vq);
}

static enum outcome wait_outcome(struct hostile *h)
{
	volatile u16 *used_idx = &h->mem.used.idx;
	u64 start = rdtsc();
	unsigned int n;

	for (n = 0; rdtsc() - start < CASE_TIMEOUT_TSC; n++) {
		if (*used_idx != h->vq.last_used) {
			barrier();
			return *(volatile u8 *)&h->status == 0 ? OUT_SUCCESS :
								 OUT_ERROR;
		}
		if (n % STATUS_POLL_EVERY == 0 &&
		    (virtio_status(&h->vp) & VIRTIO_STATUS_NEEDS_RESET))
			return OUT_NEEDS_RESET;
		cpu_relax();
	}
	return OUT_SILENCE;
}

/* The bad chains. Each edits the normal read chain and returns its head. */
static u16 case_loop(struct hostile *h)
{
	h->mem.desc[1].next = 0; /* 0 -> 1 -> 0 -> ... */
	return 0;
}

static u16 case_outside_ram(struct hostile *h)
{
	h->mem.desc[1].addr = 0xfff00000000ULL; /* 16 TiB */
	return 0;
}

static u16 case_oversized(struct hostile *h)
{
	h->mem.desc[1].len = 0xfffffe00; /* runs past guest RAM */
	return 0;
}

static u16 case_bad_head(struct hostile *h)
{
	(void)h;
	return 0x7fff; /* far past the queue size */
}

static u16 case_next_out_of_range(struct hostile *h)
{
	h->mem.desc[0].next = 0x1234;
	return 0;
}

struct hostile_case {
	const char *name;
	u16 (*corrupt)(struct hostile *h);
};

static const struct hostile_case cases[] = {
	{ "looping chain", case_loop },
	{ "buffer outside guest RAM", case_outside_ram },
	{ "oversized buffer length", case_oversized },
	{ "head index out of range", case_bad_head },
	{ "next index out of range", case_next_out_of_range },
};

static int run_case(struct hostile *h, unsigned int i)
{
	enum outcome out;

	if (hostile_start(h)) {
		printf("blk_hostile: FAIL %s: device did not come back up\n",
		       cases[i].name);
		return 0x21 + (int)i;
	}
	read_chain(h, 0);
	publish(h, cases[i].corrupt(h));
	out = wait_outcome(h);
	printf("blk_hostile: %s: %s\n", cases[i].name, outcome_name[out]);
	return out == OUT_ERROR || out == OUT_NEEDS_RESET ? 0 : 0x21 + (int)i;
}

/* A good read of sector 0 into h->data through the normal queue API. */
static int good_read(struct hostile *h)
{
	struct virtq_buf bufs[3] = {
		{ &h->hdr, sizeof(h->hdr), false },
		{ h->data, SECTOR_SIZE, true },
		{ &h->status, 1, true },
	};
	u32 len;

	if (hostile_start(h))
		return -1;
	h->hdr = (struct blk_req_hdr){ VIRTIO_BLK_T_IN, 0, 0 };
	h->status = NOT_WRITTEN;
	if (virtq_add(&h->vq, bufs, 3) < 0)
		return -1;
	virtq_kick(&h->vq);
	if (virtq_poll(&h->vq, &len, VIRTQ_TIMEOUT_TSC) < 0)
		return -1;
	return h->status == 0 ? 0 : -1;
}

int guest_main(const struct hvm_start_info *si)
{
	struct pci_window win = PCI_WINDOW_INIT;
	struct hostile h;
	u8 before[SECTOR_SIZE];
	unsigned int i;
	int ret = HOSTILE_OK, r;

	(void)si;
	if (virtio_pci_probe(&h.vp, VIRTIO_PCI_DEVICE(VIRTIO_ID_BLOCK), &win) ||
	    good_read(&h)) {
		puts("blk_hostile: FAIL setup: no working virtio-blk");
		return HOSTILE_SETUP;
	}
	memcpy(before, h.data, SECTOR_SIZE);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		r = run_case(&h, i);
		if (r && ret == HOSTILE_OK)
			ret = r;
	}
	memset(h.data, 0, SECTOR_SIZE);
	if (good_read(&h) || memcmp(before, h.data, SECTOR_SIZE)) {
		puts("blk_hostile: FAIL final: sector 0 unreadable or changed");
		return HOSTILE_FINAL;
	}
	puts("blk_hostile: device still works");
	if (ret == HOSTILE_OK)
		puts("blk_hostile: OK");
	return ret;
}
