// SPDX-License-Identifier: MIT
/*
 * qcow2 read matrix, in process: images written by qemu-img and qemu-io
 * (compat 0.10 and 1.1, clusters of 4K, 64K and 2M; alone, over a qcow2
 * backing file, as a chain of three, and compressed by `convert -c`) are
 * read whole through the virtio driver, virtio-blk and the qcow2 engine.
 * The oracle is `qemu-img convert -O raw` of the same image, plus a few
 * spot checks of what the qemu-io writes below must leave behind.
 *
 * Every case writes the same three layers, so the virtual content is the
 * same whatever the layout: "bottom", then "middle", then "top". In the
 * layered cases each layer is its own image, and reads must combine them
 * (top over middle over bottom, and zeros past a shorter backing file).
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/driver/lib/qcow2_fixture.h"

#define ENV_MEM (64 * MiB)
/* Not a whole number of clusters of any size: the last one is partial. */
#define DISK_SIZE	(16 * MiB + 3584)
#define BOTTOM_SIZE	(12 * MiB) /* the chain's bottom is shorter */
#define BATCH		QCOW2_FX_BATCH
#define MAX_REQ		(128 * KiB)
#define NR_RANDOM_READS 400

/*
 * Scattered, mostly unaligned writes, so clusters are partly written
 * and must be completed from the layer below. The top layer's
 * `write -z 10M 2M` is cluster-aligned for every size: in a v3 image
 * it is a zero cluster over data of the bottom layer.
 */
#define BOTTOM_CMDS                                              \
	"-c 'write -P 0x11 0 3M' -c 'write -P 0x12 5255168 2M' " \
	"-c 'write -P 0x13 10M 2M'"
#define MIDDLE_CMDS                                                  \
	"-c 'write -P 0x21 1049088 70656' -c 'write -P 0x22 6M 1M' " \
	"-c 'write -P 0x23 9M 2621440' -c 'write -z 2M 512K'"
#define TOP_CMDS                                                        \
	"-c 'write -P 0x31 4193280 8K' -c 'write -P 0x32 6815744 64K' " \
	"-c 'write -z 10M 2M' -c 'write -P 0x34 14681088 3K' "          \
	"-c 'write -P 0x33 15732224 512' -c 'write -z 1M 4K' "          \
	"-c 'write -P 0x35 16778240 2K'"

/* What the three layers leave, independent of qemu-img. */
static const struct spot {
	u64 off, len;
	u8 byte;
} spots[] = {
	{ 0, 1 * MiB, 0x11 },
	{ 1 * MiB, 4 * KiB, 0 }, /* top zeroes middle */
	{ 1 * MiB + 4 * KiB, 65536, 0x21 },
	{ 2 * MiB, 512 * KiB, 0 }, /* middle zeroes bottom */
	{ 4193280, 8 * KiB, 0x31 },
	{ 6 * MiB, 512 * KiB, 0x22 },
	{ 6815744, 64 * KiB, 0x32 },
	{ 9 * MiB, 1 * MiB, 0x23 },
	{ 10 * MiB, 2 * MiB, 0 }, /* top zeroes both below */
	{ 12 * MiB, 1 * KiB, 0 }, /* past the chain's bottom */
	{ 14681088, 3 * KiB, 0x34 },
	{ 15732224, 512, 0x33 },
	{ 16 * MiB, 1 * KiB, 0 },
	{ 16778240, 2 * KiB, 0x35 }, /* in the partial cluster */
};

/* Request lengths cycled through: odd sizes straddle clusters. */
static const u32 req_len[] = { 3584, 4096, 66048, MAX_REQ, 61440, 1536 };

/* No pointers: criterion hands parameters to a freshly exec'ed worker. */
struct geom {
	char compat[8];
	unsigned int cluster;
};

struct fixture {
	struct qcow2_fx q;
	u8 *expect; /* the oracle's raw image */
	u8 *got;    /* what the driver read */
};

static struct fixture *fx;

static void setup(void)
{
	fx = calloc(1, sizeof(*fx));
	cr_assert_not_null(fx);
	qcow2_fx_setup(&fx->q, "/var/tmp/squeeze-qcow2r-XXXXXX", ENV_MEM,
		       MAX_REQ);
	fx->expect = calloc(1, DISK_SIZE);
	fx->got = calloc(1, DISK_SIZE);
	cr_assert(fx->expect && fx->got);
}

static void close_disk(void)
{
	qcow2_fx_close(&fx->q);
}

static void teardown(void)
{
	qcow2_fx_teardown(&fx->q);
	free(fx->expect);
	free(fx->got);
	free(fx);
}

/* The other geometry a middle layer uses, so layers differ in it. */
static struct geom other(const struct geom *g)
{
	struct geom o = {
		.cluster = g->cluster == 2 * MiB ? 4 * KiB : g->cluster * 16,
	};

	strcpy(o.compat, strcmp(g->compat, "1.1") ? "1.1" : "0.10");
	return o;
}

/* qemu-img create @name in the test directory, over @backing if set. */
static void create(const char *name, const struct geom *g, u64 size,
		   const char *backing)
{
	char b[128] = "";

	if (backing)
		snprintf(b, sizeof(b), "-b %s -F qcow2", backing);
	cr_assert_eq(sh("cd %s && qemu-img create -q -f qcow2 -o "
			"compat=%s,cluster_size=%u %s %s %llu",
			fx->q.dir, g->compat, g->cluster, b, name,
			(unsigned long long)size),
		     0, "create %s", name);
}

static void fill(const char *name, const char *cmds)
{
	cr_assert_eq(sh("cd %s && qemu-io -f qcow2 %s %s >/dev/null", fx->q.dir,
			cmds, name),
		     0, "qemu-io on %s", name);
}

/* A v3 image must hold a zero cluster where the top wrote zeroes. */
static void assert_zero_cluster(const char *name, const struct geom *g)
{
	if (strcmp(g->compat, "1.1"))
		return;
	cr_assert_eq(sh("cd %s && qemu-img map --output=json %s | grep -Eq "
			"'\"start\": 10485760, \"length\": [0-9]+, "
			"\"depth\": 0, \"present\": true, \"zero\": true, "
			"\"data\": false'",
			fx->q.dir, name),
		     0, "%s has no zero cluster at 10M", name);
}

static void load_oracle(const char *name)
{
	char raw[128];

	cr_assert_eq(sh("cd %s && qemu-img convert -O raw %s oracle.raw",
			fx->q.dir, name),
		     0);
	snprintf(raw, sizeof(raw), "%s/oracle.raw", fx->q.dir);
	qcow2_fx_load(raw, fx->expect, DISK_SIZE);
}

static void open_disk(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", fx->q.dir, name);
	qcow2_fx_open(&fx->q, path, DISK_SIZE);
}

/*
 * Up to BATCH reads in flight. The results land in fx->got, or with
 * @check are compared with the oracle at once.
 */
static void read_batch(const u64 *off, const u32 *len, unsigned int n,
		       bool check)
{
	unsigned int i;
	u64 cookie;
	u32 used;
	u8 st, *p;

	for (i = 0; i < n; i++) {
		struct drv_buf d = { fx->q.buf[i], len[i], true };

		memset(drv_ptr(&fx->q.env, fx->q.buf[i], len[i]), 0xa5, len[i]);
		cr_assert_geq(blk_drv_submit(&fx->q.drv, VIRTIO_BLK_T_IN,
					     off[i] / 512, &d, 1, i),
			      0);
	}
	blk_drv_kick(&fx->q.drv);
	for (i = 0; i < n; i++) {
		cr_assert_eq(
			blk_drv_reap(&fx->q.drv, 5000, &cookie, &st, &used), 0);
		cr_assert_lt(cookie, n);
		cr_assert_eq(st, VIRTIO_BLK_S_OK, "read %llu+%u failed",
			     (unsigned long long)off[cookie], len[cookie]);
		p = drv_ptr(&fx->q.env, fx->q.buf[cookie], len[cookie]);
		if (!check)
			memcpy(fx->got + off[cookie], p, len[cookie]);
		else
			cr_assert_eq(memcmp(p, fx->expect + off[cookie],
					    len[cookie]),
				     0, "read %llu+%u differs from qemu-img's",
				     (unsigned long long)off[cookie],
				     len[cookie]);
	}
}

static void read_all(void)
{
	u64 off[BATCH], pos = 0;
	u32 len[BATCH];
	unsigned int n = 0, k = 0;

	while (pos < DISK_SIZE) {
		len[n] = req_len[k++ % ARRAY_SIZE(req_len)];
		if (len[n] > DISK_SIZE - pos)
			len[n] = DISK_SIZE - pos;
		off[n] = pos;
		pos += len[n];
		if (++n == BATCH || pos == DISK_SIZE) {
			read_batch(off, len, n, false);
			n = 0;
		}
	}
}

static u64 rnd(void)
{
	return qcow2_fx_rnd(&fx->q);
}

/* Reads at random places, possibly overlapping one another. */
static void read_random(void)
{
	u64 off[BATCH];
	u32 len[BATCH];
	unsigned int r, i;

	for (r = 0; r < NR_RANDOM_READS; r += BATCH) {
		for (i = 0; i < BATCH; i++) {
			len[i] = (1 + rnd() % (MAX_REQ / 512)) * 512;
			off[i] = rnd() % ((DISK_SIZE - len[i]) / 512 + 1) * 512;
		}
		read_batch(off, len, BATCH, true);
	}
}

static u64 first_diff(const u8 *a, const u8 *b, u64 len)
{
	u64 i;

	for (i = 0; i < len && a[i] == b[i]; i++)
		;
	return i;
}

/* Read @name whole through the driver; judge it. */
static void check_image(const char *name)
{
	unsigned int i;
	u64 j, d;

	load_oracle(name);
	/* Reading must change no file, the image itself included. */
	cr_assert_eq(sh("cd %s && sha256sum *.qcow2 >sums", fx->q.dir), 0);
	open_disk(name);
	read_all();
	d = first_diff(fx->got, fx->expect, DISK_SIZE);
	cr_assert_eq(d, DISK_SIZE,
		     "byte %llu: driver read 0x%02x, qemu-img 0x%02x",
		     (unsigned long long)d, fx->got[d], fx->expect[d]);
	for (i = 0; i < ARRAY_SIZE(spots); i++)
		for (j = 0; j < spots[i].len; j++)
			cr_assert_eq(fx->got[spots[i].off + j], spots[i].byte,
				     "byte %llu: 0x%02x, want 0x%02x",
				     (unsigned long long)(spots[i].off + j),
				     fx->got[spots[i].off + j], spots[i].byte);
	read_random();
	close_disk();
	cr_assert_eq(sh("cd %s && sha256sum --quiet -c sums", fx->q.dir), 0,
		     "reading changed an image file");
}

static struct geom geoms[] = {
	{ "0.10", 4 * KiB }, { "0.10", 64 * KiB }, { "0.10", 2 * MiB },
	{ "1.1", 4 * KiB },  { "1.1", 64 * KiB },  { "1.1", 2 * MiB },
};

#define GEOM_PARAMS(test)                                      \
	ParameterizedTestParameters(qcow2_read, test)          \
	{                                                      \
		return cr_make_param_array(struct geom, geoms, \
					   ARRAY_SIZE(geoms)); \
	}

GEOM_PARAMS(one_image);
ParameterizedTest(struct geom *g, qcow2_read, one_image, .init = setup,
		  .fini = teardown, .timeout = 60)
{
	create("img.qcow2", g, DISK_SIZE, NULL);
	fill("img.qcow2", BOTTOM_CMDS " " MIDDLE_CMDS " " TOP_CMDS);
	assert_zero_cluster("img.qcow2", g);
	check_image("img.qcow2");
}

GEOM_PARAMS(over_qcow2_backing);
ParameterizedTest(struct geom *g, qcow2_read, over_qcow2_backing, .init = setup,
		  .fini = teardown, .timeout = 60)
{
	create("base.qcow2", g, DISK_SIZE, NULL);
	fill("base.qcow2", BOTTOM_CMDS);
	create("img.qcow2", g, DISK_SIZE, "base.qcow2");
	fill("img.qcow2", MIDDLE_CMDS " " TOP_CMDS);
	assert_zero_cluster("img.qcow2", g);
	check_image("img.qcow2");
}

GEOM_PARAMS(chain_of_three);
ParameterizedTest(struct geom *g, qcow2_read, chain_of_three, .init = setup,
		  .fini = teardown, .timeout = 60)
{
	struct geom mid = other(g);

	create("bottom.qcow2", g, BOTTOM_SIZE, NULL);
	fill("bottom.qcow2", BOTTOM_CMDS);
	create("middle.qcow2", &mid, DISK_SIZE, "bottom.qcow2");
	fill("middle.qcow2", MIDDLE_CMDS);
	create("top.qcow2", g, DISK_SIZE, "middle.qcow2");
	fill("top.qcow2", TOP_CMDS);
	assert_zero_cluster("top.qcow2", g);
	check_image("top.qcow2");
}

GEOM_PARAMS(compressed);
ParameterizedTest(struct geom *g, qcow2_read, compressed, .init = setup,
		  .fini = teardown, .timeout = 60)
{
	static const struct geom src = { "1.1", 64 * KiB };

	create("src.qcow2", &src, DISK_SIZE, NULL);
	fill("src.qcow2", BOTTOM_CMDS " " MIDDLE_CMDS " " TOP_CMDS);
	cr_assert_eq(sh("cd %s && qemu-img convert -c -O qcow2 -o "
			"compat=%s,cluster_size=%u src.qcow2 img.qcow2 && "
			"qemu-img check --output=json img.qcow2 | grep -Eq "
			"'\"compressed-clusters\": [1-9]'",
			fx->q.dir, g->compat, g->cluster),
		     0, "no compressed image made");
	check_image("img.qcow2");
}
