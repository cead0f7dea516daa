// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the virtqueue chain walker on a hostile ring in fake
 * guest RAM (layout in fuzz_ring.h). Every chain vq_pop() hands out is
 * read and written through its iovecs (ASan checks they lie in RAM) and
 * pushed back; one is given back with vq_unpop(). A chain may loop, point
 * outside RAM, nest indirect tables or be absurdly long: the walker must
 * only ever return an error.
 */
#include "tests/fuzz/fuzz_ring.h"
#include "tests/fuzz/fuzz_seed.h"

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static struct fuzz_ring f;
	static struct vq_chain c;
	u8 buf[256];
	int i, r;

	if (fuzz_ring_setup(&f, data, size))
		return 0;
	for (i = 0; i < 2 * VQ_MAX_SIZE; i++) {
		r = vq_pop(&f.vq, &c);
		if (r <= 0)
			break;
		vq_copy_from_out(&c, 0, buf, sizeof(buf));
		memset(buf, 0xa5, sizeof(buf));
		vq_copy_to_in(&c, 1, buf, sizeof(buf));
		if (i == 3)
			vq_unpop(&f.vq, 1);
		else
			vq_push(&f.vq, c.head, (u32)MIN(c.in_len, 512));
		vq_should_notify(&f.vq);
	}
	vq_set_kick(&f.vq, i & 1);
	vq_has_avail(&f.vq);
	return 0;
}

/* The shapes test_virtqueue.c builds: direct, looping, indirect, outside. */
static void seeds(void)
{
	static u8 in[2 + BUF_OFF + 512];
	const u16 h0[] = { 0 }, h03[] = { 0, 3 };
	const struct vring_desc ind[3] = {
		{ BUF_GPA + 100, 16, VRING_DESC_F_NEXT, 1 },
		{ BUF_GPA + 200, 8, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 2 },
		{ BUF_GPA + 300, 1, VRING_DESC_F_WRITE, 0 },
	};

	in[0] = 4; /* 16 entries */
	seed_desc(in, 0, BUF_GPA, 16, VRING_DESC_F_NEXT, 1);
	seed_desc(in, 1, BUF_GPA + 16, 256, VRING_DESC_F_NEXT, 2);
	seed_desc(in, 2, BUF_GPA + 272, 1, VRING_DESC_F_WRITE, 0);
	seed_desc(in, 3, BUF_GPA + 300, 64, VRING_DESC_F_WRITE, 0);
	seed_publish(in, 2, h03);
	fuzz_seed("direct", in, sizeof(in));
	seed_desc(in, 2, BUF_GPA + 272, 1, VRING_DESC_F_NEXT, 0);
	fuzz_seed("loop", in, sizeof(in));
	memset(in, 0, sizeof(in));
	in[0] = 4;
	in[1] = 1; /* EVENT_IDX */
	seed_desc(in, 0, BUF_GPA, sizeof(ind), VRING_DESC_F_INDIRECT, 0);
	seed_bytes(in, BUF_GPA, ind, sizeof(ind));
	seed_publish(in, 1, h0);
	fuzz_seed("indirect", in, sizeof(in));
	seed_desc(in, 0, 0xfffffffffff0ULL, 4096, 0, 0);
	fuzz_seed("outside", in, sizeof(in));
}

FUZZ_SEEDS(seeds)
