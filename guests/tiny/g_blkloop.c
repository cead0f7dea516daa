// SPDX-License-Identifier: MIT
/*
 * blkloop: virtio-blk I/O for the snapshot tests. In rounds 1..rounds
 * (default 200) it writes two sectors at once (two requests in flight,
 * one doorbell), sectors 2r and 2r + 1 modulo sectors= (default 64), each
 * filled with a pattern of (sector, round), and prints
 *
 *	blkloop: round R
 *
 * after both completed. Then it flushes, reads every sector back, checks
 * each holds the pattern of the last round that wrote it, and prints
 *
 *	blkloop: OK N requests
 *
 * with N all requests it made (writes, flush, reads); a snapshot taken
 * meanwhile and restored must give the same lines and the same N, with
 * the device's counters on both sides adding up to N. With wait=1 it then
 * waits for a console line (by interrupt) before it exits, so that a test
 * can read the counters first. Exit codes (status (code << 1) | 1):
 * 0x70 (225) OK; 0x71 no disk or too small; 0x72 a write failed; 0x73 a
 * read failed; 0x74 a sector holds the wrong data.
 */
#include "blkdev.h"
#include "conwait.h"

#define VEC_COM1    0x30
#define MAX_SECTORS 256

enum blkloop_exit {
	BL_OK = 0x70,
	BL_NO_DISK = 0x71,
	BL_WRITE = 0x72,
	BL_READ = 0x73,
	BL_DATA = 0x74,
};

struct slot {
	struct blk_req_hdr hdr;
	u32 data[SECTOR_SIZE / 4];
	u8 status;
};

struct blkloop {
	struct blkdev b;
	struct slot s[2];
	u32 last_round[MAX_SECTORS]; /* 0: never written */
	u32 requests;
};

static void fill(u32 *data, u32 sector, u32 round)
{
	u32 i;

	for (i = 0; i < SECTOR_SIZE / 4; i++)
		data[i] = sector * 0x10001u ^ round * 0x1000193u ^ i;
}

/* Both writes published, one doorbell, both completions. */
static int write_pair(struct blkloop *l, u32 round, u32 sectors)
{
	u32 k, len, sector;
	int head;

	for (k = 0; k < 2; k++) {
		struct slot *s = &l->s[k];
		struct virtq_buf bufs[3] = {
			{ &s->hdr, sizeof(s->hdr), false },
			{ s->data, SECTOR_SIZE, false },
			{ &s->status, 1, true },
		};

		sector = (2 * round + k) % sectors;
		s->hdr = (struct blk_req_hdr){ VIRTIO_BLK_T_OUT, 0, sector };
		s->status = 0xff;
		fill(s->data, sector, round);
		if (virtq_add(&l->b.vq, bufs, 3) < 0)
			return -1;
		l->last_round[sector] = round;
	}
	virtq_kick(&l->b.vq);
	for (k = 0; k < 2; k++) {
		head = virtq_poll(&l->b.vq, &len, VIRTQ_TIMEOUT_TSC);
		if (head < 0)
			return -1;
		l->requests++;
	}
	return l->s[0].status || l->s[1].status ? -1 : 0;
}

static int check_all(struct blkloop *l, u32 sectors)
{
	u32 want[SECTOR_SIZE / 4], got[SECTOR_SIZE / 4], s;
	const char *why;

	if (blkdev_request(&l->b, VIRTIO_BLK_T_FLUSH, 0, NULL, &why))
		return BL_WRITE;
	l->requests++;
	for (s = 0; s < sectors; s++) {
		if (!l->last_round[s])
			continue;
		if (blkdev_request(&l->b, VIRTIO_BLK_T_IN, s, got, &why))
			return BL_READ;
		l->requests++;
		fill(want, s, l->last_round[s]);
		if (memcmp(want, got, sizeof(got))) {
			printf("blkloop: FAIL sector %u: not round %u's data\n",
			       s, l->last_round[s]);
			return BL_DATA;
		}
	}
	return 0;
}

int guest_main(const struct hvm_start_info *si)
{
	struct pci_window win = PCI_WINDOW_INIT;
	struct irq_table t;
	struct blkloop l;
	u32 rounds = 200, sectors = 64, wait = 0, r;
	const char *cmd = cmdline(si), *why;
	int ret;

	memset(&l, 0, sizeof(l));
	cmdline_get_uint(cmd, "rounds", &rounds);
	cmdline_get_uint(cmd, "sectors", &sectors);
	cmdline_get_uint(cmd, "wait", &wait);
	sectors = MIN(sectors < 2 ? 2 : sectors, (u32)MAX_SECTORS);
	if (blkdev_open(&l.b, &win, &why) != BLKDEV_OK ||
	    l.b.capacity < sectors) {
		printf("blkloop: FAIL no disk of %u sectors\n", sectors);
		return BL_NO_DISK;
	}
	for (r = 1; r <= rounds; r++) {
		if (write_pair(&l, r, sectors)) {
			printf("blkloop: FAIL round %u: a write failed\n", r);
			return BL_WRITE;
		}
		printf("blkloop: round %u\n", r);
	}
	ret = check_all(&l, sectors);
	if (ret)
		return ret;
	printf("blkloop: OK %u requests\n", l.requests);
	if (wait) {
		irq_init(&t);
		con_wait_line(&t, VEC_COM1, NULL, 0);
		irq_fini();
	}
	return BL_OK;
}
