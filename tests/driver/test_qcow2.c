// SPDX-License-Identifier: MIT
/*
 * qcow2 end to end, in process: the in-process virtio driver against
 * virtio-blk, its I/O thread and the qcow2 engine, on images made by
 * qemu-img. Up to eight requests are in flight at once (so the io_uring
 * path, the synchronous allocation path and flushes interleave). The
 * result is judged by qemu-img: `check` must be clean and `compare`
 * against a raw copy of the test's model must find the images identical.
 * The long runs do 10,000 requests each (reads, writes, discards, write
 * zeroes, flushes), every read checked against the model as it completes;
 * data goes in scatter-gather lists cut at random bytes, in direct and
 * indirect chains. Afterwards the image, opened afresh, must read back as
 * the model.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/driver/lib/qcow2_fixture.h"

#define ENV_MEM	  (128 * MiB)
#define DISK_SIZE (32 * MiB)
/*
 * The requests of one batch lie in distinct slots of one window: no
 * overlap. By default slots are 1 MiB anywhere on the disk; a test may
 * shrink both so that requests in flight share clusters.
 */
#define SLOT	 (1 * MiB)
#define BATCH	 QCOW2_FX_BATCH
#define MAX_REQ	 (128 * KiB)
#define LONG_RUN 10000 /* requests */
#define MAX_SEGS 4
#define SEG_GAP	 64

enum op_kind {
	OP_READ,
	OP_WRITE,
	OP_DISCARD,
	OP_WRITE_ZEROES,
	OP_FLUSH,
	NR_OP_KINDS
};

struct fixture {
	struct qcow2_fx q;
	char img[96], base[96], model_path[96];
	u8 *model;
	u64 slot, window; /* SLOT and DISK_SIZE unless shrunk */
	unsigned long nr_ops[NR_OP_KINDS]; /* requests completed */
};

static struct fixture *fx;

static u64 rnd(void)
{
	return qcow2_fx_rnd(&fx->q);
}

static void setup(void)
{
	fx = calloc(1, sizeof(*fx));
	cr_assert_not_null(fx);
	fx->slot = SLOT;
	fx->window = DISK_SIZE;
	qcow2_fx_setup(&fx->q, "/var/tmp/squeeze-qcow2-XXXXXX", ENV_MEM,
		       MAX_REQ + MAX_SEGS * SEG_GAP);
	snprintf(fx->img, sizeof(fx->img), "%s/img.qcow2", fx->q.dir);
	snprintf(fx->base, sizeof(fx->base), "%s/base.raw", fx->q.dir);
	snprintf(fx->model_path, sizeof(fx->model_path), "%s/model.raw",
		 fx->q.dir);
	fx->model = calloc(1, DISK_SIZE);
	cr_assert_not_null(fx->model);
}

static void close_disk(void)
{
	qcow2_fx_close(&fx->q);
}

static void teardown(void)
{
	qcow2_fx_teardown(&fx->q);
	free(fx->model);
	free(fx);
}

TestSuite(qcow2_drv, .init = setup, .fini = teardown, .timeout = 120);

static void open_disk(void)
{
	qcow2_fx_open(&fx->q, fx->img, DISK_SIZE);
}

static void load_model(const char *raw)
{
	qcow2_fx_load(raw, fx->model, DISK_SIZE);
}

/* Pick @n distinct slots (their disk offsets) in one random window. */
static void pick_slots(u64 *slot, unsigned int n)
{
	u64 base = rnd() % (DISK_SIZE / fx->window) * fx->window;
	unsigned int i, j;

	for (i = 0; i < n; i++) {
again:
		slot[i] = base + rnd() % (fx->window / fx->slot) * fx->slot;
		for (j = 0; j < i; j++)
			if (slot[j] == slot[i])
				goto again;
	}
}

/*
 * Each request's data is cut at random byte offsets into up to
 * MAX_SEGS buffers, SEG_GAP bytes apart in guest RAM, so the engine
 * sees scatter-gather lists that do not follow sectors or clusters.
 */
struct op {
	bool write;
	u64 off, len;
	unsigned int nr_segs;
	struct drv_buf seg[MAX_SEGS];
};

static void split(struct op *o, u64 gpa)
{
	u64 done = 0, n;
	unsigned int k;

	for (k = 0; done < o->len; k++) {
		n = o->len - done;
		if (k < MAX_SEGS - 1 && rnd() % 2)
			n = 1 + rnd() % n;
		o->seg[k] = (struct drv_buf){ .gpa = gpa + done + k * SEG_GAP,
					      .len = n,
					      .writable = !o->write };
		done += n;
	}
	o->nr_segs = k;
}

/* Copy between the segments of @o and the model (@to_guest: model out). */
static void copy_segs(const struct op *o, bool to_guest)
{
	u64 pos = o->off;
	unsigned int k;

	for (k = 0; k < o->nr_segs; k++) {
		u8 *p = drv_ptr(&fx->q.env, o->seg[k].gpa, o->seg[k].len);

		if (to_guest)
			memcpy(p, fx->model + pos, o->seg[k].len);
		else
			cr_assert_eq(memcmp(p, fx->model + pos, o->seg[k].len),
				     0,
				     "read %llu+%llu differs from the model "
				     "in segment %u",
				     (unsigned long long)o->off,
				     (unsigned long long)o->len, k);
		pos += o->seg[k].len;
	}
}

static void fill_model(u64 off, u64 len)
{
	u64 k, v = rnd();

	for (k = 0; k < len; k += 8, v += 0x9e3779b9)
		memcpy(fx->model + off + k, &v, 8);
}

/* One batch of reads and writes in flight together, then checked. */
static void batch(void)
{
	unsigned int i, n = 1 + rnd() % BATCH, done;
	u64 slot[BATCH], max_req = MIN(fx->slot, MAX_REQ);
	struct op op[BATCH];
	u64 cookie;
	u32 len;
	u8 st;

	pick_slots(slot, n);
	for (i = 0; i < n; i++) {
		op[i].write = rnd() % 2;
		op[i].len = (1 + rnd() % (max_req / 512)) * 512;
		op[i].off = slot[i] +
			    (rnd() % ((fx->slot - op[i].len) / 512 + 1)) * 512;
		split(&op[i], fx->q.buf[i]);
		if (op[i].write) {
			fill_model(op[i].off, op[i].len);
			copy_segs(&op[i], true);
		}
		/* Direct and indirect chains mixed in one batch. */
		fx->q.drv.indirect = rnd() % 2;
		cr_assert_geq(blk_drv_submit(&fx->q.drv,
					     op[i].write ? VIRTIO_BLK_T_OUT :
							   VIRTIO_BLK_T_IN,
					     op[i].off / 512, op[i].seg,
					     op[i].nr_segs, i),
			      0);
	}
	fx->q.drv.indirect = false;
	blk_drv_kick(&fx->q.drv);
	for (done = 0; done < n; done++) {
		cr_assert_eq(blk_drv_reap(&fx->q.drv, 5000, &cookie, &st, &len),
			     0);
		cr_assert_eq(st, VIRTIO_BLK_S_OK, "request %llu failed",
			     (unsigned long long)cookie);
		cr_assert_lt(cookie, n);
		fx->nr_ops[op[cookie].write ? OP_WRITE : OP_READ]++;
	}
	for (i = 0; i < n; i++)
		if (!op[i].write)
			copy_segs(&op[i], false);
}

/* Write zeroes may let the device unmap; a discard takes no flags. */
static void zero_range(u32 type)
{
	u64 sectors = 1 + rnd() % 512;
	u64 sector = rnd() % (DISK_SIZE / 512 - sectors);
	u32 flags = type == VIRTIO_BLK_T_WRITE_ZEROES && rnd() % 2 ?
			    VIRTIO_BLK_WZ_F_UNMAP :
			    0;

	cr_assert_eq(blk_drv_range(&fx->q.drv, type, sector, sectors, flags),
		     VIRTIO_BLK_S_OK);
	memset(fx->model + sector * 512, 0, sectors * 512);
	fx->nr_ops[type == VIRTIO_BLK_T_DISCARD ? OP_DISCARD :
						  OP_WRITE_ZEROES]++;
}

static void flush(void)
{
	cr_assert_eq(blk_drv_flush(&fx->q.drv), VIRTIO_BLK_S_OK);
	fx->nr_ops[OP_FLUSH]++;
}

static unsigned long total_ops(void)
{
	unsigned long t = 0;
	unsigned int k;

	for (k = 0; k < NR_OP_KINDS; k++)
		t += fx->nr_ops[k];
	return t;
}

/* Batches, discards, write zeroes and flushes until @nr_ops requests. */
static void run_random(unsigned long nr_ops)
{
	unsigned int r;

	for (r = 0; total_ops() < nr_ops; r++) {
		batch();
		if (r % 10 == 3)
			zero_range(VIRTIO_BLK_T_DISCARD);
		if (r % 10 == 7)
			zero_range(VIRTIO_BLK_T_WRITE_ZEROES);
		if (r % 25 == 0)
			flush();
	}
	flush();
	close_disk();
	cr_log_info("%lu requests: %lu reads, %lu writes, %lu discards, "
		    "%lu write zeroes, %lu flushes",
		    total_ops(), fx->nr_ops[OP_READ], fx->nr_ops[OP_WRITE],
		    fx->nr_ops[OP_DISCARD], fx->nr_ops[OP_WRITE_ZEROES],
		    fx->nr_ops[OP_FLUSH]);
}

/* Opened afresh, the image must read back as the model, whole. */
static void reread(void)
{
	u8 *p = drv_ptr(&fx->q.env, fx->q.buf[0], MAX_REQ);
	u64 off;

	open_disk();
	for (off = 0; off < DISK_SIZE; off += MAX_REQ) {
		memset(p, 0xa5, MAX_REQ);
		cr_assert_eq(blk_drv_read(&fx->q.drv, off / 512, fx->q.buf[0],
					  MAX_REQ),
			     VIRTIO_BLK_S_OK);
		cr_assert_eq(memcmp(p, fx->model + off, MAX_REQ), 0,
			     "reopened: %llu+%llu differs from the model",
			     (unsigned long long)off,
			     (unsigned long long)MAX_REQ);
	}
	close_disk();
}

/* qemu-img's verdict on the image after the run, then our own reread. */
static void judge(void)
{
	int fd = open(fx->model_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, fx->model, DISK_SIZE), (ssize_t)DISK_SIZE);
	close(fd);
	cr_assert_eq(sh("qemu-img check -q %s", fx->img), 0,
		     "qemu-img check finds errors");
	cr_assert_eq(sh("qemu-img compare -q -f qcow2 -F raw %s %s", fx->img,
			fx->model_path),
		     0, "image differs from the model");
	reread();
}

Test(qcow2_drv, random_io_fresh_image)
{
	fx->q.rng ^= 0x1111;
	cr_assert_eq(
		sh("qemu-img create -q -f qcow2 -o compat=1.1 %s 32M", fx->img),
		0);
	open_disk();
	run_random(LONG_RUN);
	judge();
}

Test(qcow2_drv, random_io_over_backing_file)
{
	cr_assert_eq(sh("qemu-img create -q -f raw %s 32M && "
			"qemu-io -f raw -c 'write -P 0x5a 0 32M' %s >/dev/null",
			fx->base, fx->base),
		     0);
	cr_assert_eq(sh("qemu-img create -q -f qcow2 -o cluster_size=4k "
			"-b base.raw -F raw %s",
			fx->img),
		     0);
	load_model(fx->base);
	open_disk();
	run_random(LONG_RUN);
	judge();
	cr_assert_eq(sh("qemu-io -f raw -c 'read -q -P 0x5a 0 32M' %s | "
			"grep -q 'Pattern verification failed'",
			fx->base),
		     256, "the backing file changed");
}

Test(qcow2_drv, reads_compressed_image)
{
	cr_assert_eq(sh("qemu-img create -q -f qcow2 %s/src.qcow2 32M && "
			"qemu-io -c 'write -P 0x42 0 5M' "
			"-c 'write -P 0x17 20M 3M' "
			"%s/src.qcow2 >/dev/null && "
			"qemu-img convert -c -O qcow2 %s/src.qcow2 %s && "
			"qemu-img convert -O raw %s %s",
			fx->q.dir, fx->q.dir, fx->q.dir, fx->img, fx->img,
			fx->model_path),
		     0);
	load_model(fx->model_path);
	open_disk();
	run_random(1500);
	judge();
}

/* base.qcow2 (and base.raw, its content): data scattered over 32M. */
static void make_qcow2_base(const char *compat)
{
	cr_assert_eq(sh("cd %s && qemu-img create -q -f qcow2 -o "
			"compat=%s,cluster_size=64k base.qcow2 32M && "
			"qemu-io -f qcow2 -c 'write -P 0x5a 0 5M' "
			"-c 'write -P 0x6b 9441280 7M' "
			"-c 'write -P 0x7c 27M 5M' "
			"base.qcow2 >/dev/null && "
			"qemu-img convert -O raw base.qcow2 base.raw",
			fx->q.dir, compat),
		     0);
	load_model(fx->base);
}

static void over_qcow2_base(const char *compat, const char *cluster)
{
	cr_assert_eq(sh("cd %s && qemu-img create -q -f qcow2 -o "
			"compat=%s,cluster_size=%s -b base.qcow2 -F qcow2 "
			"img.qcow2",
			fx->q.dir, compat, cluster),
		     0);
}

static void assert_base_unchanged(void)
{
	cr_assert_eq(sh("qemu-img compare -q -f qcow2 -F raw %s/base.qcow2 %s",
			fx->q.dir, fx->base),
		     0, "the backing file changed");
}

/*
 * A version 2 image (no zero clusters: discards and write zeroes over
 * backing data must write zeros) over a v2 qcow2 backing file with data
 * scattered in it; the backing file must not change.
 */
Test(qcow2_drv, random_io_v2_over_qcow2_backing)
{
	fx->q.rng ^= 0x2222;
	make_qcow2_base("0.10");
	over_qcow2_base("0.10", "4k");
	open_disk();
	run_random(LONG_RUN);
	judge();
	cr_assert_eq(
		sh("qemu-img info %s | grep -qx '    compat: 0.10'", fx->img),
		0, "the image is no longer version 2");
	assert_base_unchanged();
}

/*
 * Requests in flight share clusters: 4 KiB slots in a 256 KiB window of
 * a 64 KiB-cluster image over a backing file, so several writes
 * allocate (and fill from the backing file) one new cluster at once,
 * while reads of its other sectors are in flight.
 */
Test(qcow2_drv, random_io_shared_clusters)
{
	fx->q.rng ^= 0x3333;
	fx->slot = 4 * KiB;
	fx->window = 256 * KiB;
	make_qcow2_base("1.1");
	over_qcow2_base("1.1", "64k");
	open_disk();
	run_random(LONG_RUN / 2);
	judge();
	assert_base_unchanged();
}

/* The same with 2 MiB clusters, 64 KiB slots, in a version 2 image. */
Test(qcow2_drv, random_io_shared_2m_clusters)
{
	fx->q.rng ^= 0x4444;
	fx->slot = 64 * KiB;
	fx->window = 2 * MiB;
	make_qcow2_base("0.10");
	over_qcow2_base("0.10", "2M");
	open_disk();
	run_random(LONG_RUN / 2);
	judge();
	assert_base_unchanged();
}
