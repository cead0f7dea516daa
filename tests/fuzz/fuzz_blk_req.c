// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: virtio-blk request parsing. Chains come off a hostile
 * ring in fake guest RAM (fuzz_ring.h); the first RAM byte after the
 * rings picks the limits (read-only, discard, write-zeroes, capacity).
 * blk_req_parse() must turn anything into a request or a status (or -EIO
 * without a status byte), and the data iovecs it describes must lie in
 * the chain: they are read and written here, under ASan.
 */
#include <sys/uio.h>

#include "tests/fuzz/fuzz_ring.h"
#include "tests/fuzz/fuzz_seed.h"
#include "virtio/blk/blk_req.h"

#define MAX_IOV 64

static void use(const struct vq_chain *c, const struct blk_req *r)
{
	struct iovec iov[MAX_IOV];
	int i, n;

	if (r->action == BLK_ACT_STATUS && r->status_ptr)
		*r->status_ptr = r->status;
	if (r->action != BLK_ACT_DISK && r->action != BLK_ACT_GET_ID)
		return;
	n = blk_req_data_iov(c, r, iov, MAX_IOV);
	for (i = 0; i < n; i++) {
		if (r->data_in)
			memset(iov[i].iov_base, 0x5a, iov[i].iov_len);
		else
			*(volatile u8 *)iov[i].iov_base;
	}
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static struct fuzz_ring f;
	static struct vq_chain c;
	struct blk_limits lim;
	struct blk_req r;
	u8 knobs;
	int i;

	if (fuzz_ring_setup(&f, data, size))
		return 0;
	knobs = f.ram[BUF_OFF - 1];
	lim = (struct blk_limits){
		.capacity = knobs & 0x80 ? ~0ULL : 2048,
		.readonly = knobs & 1,
		.discard = knobs & 2,
		.write_zeroes = knobs & 4,
	};
	for (i = 0; i < 64 && vq_pop(&f.vq, &c) > 0; i++) {
		if (blk_req_parse(&c, &lim, &r) == 0)
			use(&c, &r);
		vq_push(&f.vq, c.head, 1);
	}
	return 0;
}

/* One request of each type test_blk_req.c parses, as a 3-part chain. */
static void one(const char *name, u32 type, u64 sector, u32 len, bool in,
		const void *payload, size_t plen)
{
	static u8 buf[2 + BUF_OFF + 8192];
	const u16 h0[] = { 0 };
	u8 hdr[16] = { 0 };

	memset(buf, 0, sizeof(buf));
	buf[0] = 4;
	buf[1 + BUF_OFF] = 2 | 4; /* discard, write-zeroes */
	memcpy(hdr, &type, 4);
	memcpy(hdr + 8, &sector, 8);
	seed_bytes(buf, BUF_GPA, hdr, sizeof(hdr));
	if (payload)
		seed_bytes(buf, BUF_GPA + 64, payload, plen);
	seed_desc(buf, 0, BUF_GPA, 16, VRING_DESC_F_NEXT, 1);
	seed_desc(buf, 1, BUF_GPA + 64, len,
		  VRING_DESC_F_NEXT | (in ? VRING_DESC_F_WRITE : 0), 2);
	seed_desc(buf, 2, BUF_GPA + 4096, 1, VRING_DESC_F_WRITE, 0);
	seed_publish(buf, 1, h0);
	fuzz_seed(name, buf, sizeof(buf));
}

static void seeds(void)
{
	const u8 range[16] = { 8, 0, 0, 0, 0, 0, 0, 0, 16, 0, 0, 0, 1 };

	one("read", VIRTIO_BLK_T_IN, 3, 1024, true, NULL, 0);
	one("write", VIRTIO_BLK_T_OUT, 7, 512, false, "squeeze", 7);
	one("flush", VIRTIO_BLK_T_FLUSH, 0, 0, false, NULL, 0);
	one("get_id", VIRTIO_BLK_T_GET_ID, 0, 20, true, NULL, 0);
	one("discard", VIRTIO_BLK_T_DISCARD, 0, 16, false, range, 16);
	one("write_zeroes", VIRTIO_BLK_T_WRITE_ZEROES, 0, 16, false, range, 16);
	one("past_end", VIRTIO_BLK_T_IN, 2047, 1024, true, NULL, 0);
	one("unknown", 99, 0, 512, true, NULL, 0);
}

FUZZ_SEEDS(seeds)
