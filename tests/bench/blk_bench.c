// SPDX-License-Identifier: MIT
/*
 * virtio-blk throughput through the in-process driver: the real transport,
 * device, I/O thread and disk backend, with the test driver standing in
 * for the guest. Prints one line:
 *
 *   blk_bench: ops=N seconds=S iops=X mibps=Y cpu_us_per_op=Z
 *
 * CPU is getrusage(RUSAGE_SELF): the device's I/O thread plus the driver,
 * i.e. what a guest's driver and squeeze together cost per request.
 *
 *   blk_bench DISK_SPEC randread|seqread|seqwrite BLOCK_BYTES DEPTH SECONDS
 *
 * DISK_SPEC is what --disk takes, e.g. /var/tmp/x.img,cache=none, or
 * vhost-user=SOCKET for a vhost-user-blk back-end (its own CPU is not
 * counted then).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "tests/driver/lib/blk_drv.h"
#include "tests/driver/lib/confine.h"
#include "virtio/blk/blk.h"
#include "virtio/blk/vhost_blk.h"
#include "vmm/config/config.h"

#define BENCH_MEM	(256 * MiB)
#define BENCH_MAX_DEPTH 128

struct bench {
	struct drv_env env;
	struct virtio_blk *blk;
	struct vhost_blk *vblk;
	struct virtio_pci *vp;
	struct blk_drv drv;
	u64 buf[BENCH_MAX_DEPTH]; /* guest addresses, one per slot */
	u32 type;
	u64 block; /* bytes */
	unsigned int depth;
	bool sequential;
	u64 next; /* next sequential sector */
	u64 rng;
};

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static double cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	       ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static u64 next_sector(struct bench *b)
{
	u64 blocks = b->drv.cfg.capacity * 512 / b->block, n;

	if (b->sequential) {
		n = b->next++ % blocks;
	} else {
		b->rng ^= b->rng << 13;
		b->rng ^= b->rng >> 7;
		b->rng ^= b->rng << 17;
		n = b->rng % blocks;
	}
	return n * (b->block / 512);
}

static int submit(struct bench *b, unsigned int slot)
{
	struct drv_buf d = { b->buf[slot], b->block,
			     b->type == VIRTIO_BLK_T_IN };
	int ret = blk_drv_submit(&b->drv, b->type, next_sector(b), &d, 1, slot);

	return ret < 0 ? ret : 0;
}

static int parse_args(struct bench *b, struct blk_options *c, int argc,
		      char **argv)
{
	struct err err;

	if (argc != 6) {
		fprintf(stderr,
			"usage: blk_bench DISK_SPEC randread|seqread|seqwrite BLOCK_BYTES DEPTH SECONDS\n");
		return -EINVAL;
	}
	if (config_parse_disk(c, argv[1], &err)) {
		fprintf(stderr, "blk_bench: %s\n", err.msg);
		return -EINVAL;
	}
	b->type = strcmp(argv[2], "seqwrite") ? VIRTIO_BLK_T_IN :
						VIRTIO_BLK_T_OUT;
	b->sequential = strcmp(argv[2], "randread") != 0;
	b->block = strtoull(argv[3], NULL, 0);
	b->depth = strtoul(argv[4], NULL, 0);
	if (!b->block || b->block % 512 || b->block > BLK_SIZE_MAX ||
	    !b->depth || b->depth > BENCH_MAX_DEPTH) {
		fprintf(stderr, "blk_bench: bad block size or depth\n");
		return -EINVAL;
	}
	return 0;
}

static int setup(struct bench *b, const struct blk_options *c)
{
	struct virtio_dev *vd;
	struct err err;
	unsigned int i;

	if (c->vhost_user) {
		if (drv_env_init_shared(&b->env, BENCH_MEM, &err))
			goto fail;
		b->vblk = vhost_blk_create(&b->env.mem, c, 0, &err);
		if (!b->vblk)
			goto fail;
		vd = vhost_blk_vdev(b->vblk);
	} else {
		if (drv_env_init(&b->env, BENCH_MEM, &err))
			goto fail;
		b->blk = virtio_blk_create(&b->env.mem, c, 0, &err);
		if (!b->blk)
			goto fail;
		vd = virtio_blk_vdev(b->blk);
	}
	b->vp = virtio_pci_add(&b->env.pci, vd, &b->env.irq_ctl, &err);
	if (!b->vp)
		goto fail;
	if (drv_confine_iothread(virtio_blk_iothread(b->blk))) {
		err_host(&err, -1, "cannot load the seccomp filter");
		goto fail;
	}
	if (blk_drv_open(&b->drv, &b->env, 0, BLK_DRV_ALL_FEATURES, 256)) {
		err_host(&err, -1, "driver set-up failed");
		goto fail;
	}
	for (i = 0; i < b->depth; i++) {
		b->buf[i] = drv_alloc(&b->env, b->block, 4096);
		if (!b->buf[i]) {
			err_host(&err, -1, "out of guest RAM");
			goto fail;
		}
		memset(drv_ptr(&b->env, b->buf[i], b->block), 0x5a, b->block);
	}
	return 0;
fail:
	fprintf(stderr, "blk_bench: %s\n", err.msg);
	return -1;
}

static int run(struct bench *b, double seconds, u64 *ops)
{
	double end = now_s() + seconds;
	unsigned int i;
	u64 slot;
	u8 status;
	u32 len;

	for (i = 0; i < b->depth; i++)
		if (submit(b, i))
			return -1;
	blk_drv_kick(&b->drv);
	while (now_s() < end) {
		if (blk_drv_reap(&b->drv, 5000, &slot, &status, &len) ||
		    status != VIRTIO_BLK_S_OK) {
			fprintf(stderr, "blk_bench: request failed\n");
			return -1;
		}
		(*ops)++;
		if (submit(b, slot))
			return -1;
		/* Batch: take what is there, then kick once. */
		while (!blk_drv_reap(&b->drv, 0, &slot, &status, &len)) {
			if (status != VIRTIO_BLK_S_OK || submit(b, slot))
				return -1;
			(*ops)++;
		}
		blk_drv_kick(&b->drv);
	}
	while (b->drv.inflight)
		if (blk_drv_reap(&b->drv, 5000, &slot, &status, &len))
			return -1;
	return 0;
}

int main(int argc, char **argv)
{
	static struct bench b;
	struct blk_options c;
	double t0, c0, t, cpu;
	u64 ops = 0;
	int ret = 1;

	b.rng = 0x243f6a8885a308d3ULL;
	if (parse_args(&b, &c, argc, argv))
		return 2;
	if (setup(&b, &c))
		goto out;
	t0 = now_s();
	c0 = cpu_s();
	if (run(&b, strtod(argv[5], NULL), &ops))
		goto out;
	t = now_s() - t0;
	cpu = cpu_s() - c0;
	printf("blk_bench: ops=%llu seconds=%.2f iops=%.0f mibps=%.1f cpu_us_per_op=%.2f\n",
	       (unsigned long long)ops, t, ops / t,
	       ops * (double)b.block / t / MiB, ops ? cpu * 1e6 / ops : 0);
	ret = 0;
out:
	virtio_pci_destroy(b.vp);
	virtio_blk_destroy(b.blk);
	vhost_blk_destroy(b.vblk);
	drv_env_destroy(&b.env);
	return ret;
}
