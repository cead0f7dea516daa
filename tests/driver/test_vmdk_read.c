// SPDX-License-Identifier: MIT
/*
 * VMDK through the in-process virtio driver: every subformat qemu-img
 * makes (monolithicSparse, monolithicFlat, twoGbMaxExtentSparse,
 * twoGbMaxExtentFlat, streamOptimized), written by `qemu-img convert -O
 * vmdk` from a raw image and, where qemu writes it, by qemu-io into a
 * `qemu-img create -f vmdk` image, read whole by the guest's driver; the
 * oracle is `qemu-img convert -O raw` of the same VMDK. A writable open
 * is refused.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/driver/lib/qcow2_fixture.h"

#define ENV_MEM	  (64 * MiB)
#define DISK_SIZE (24 * MiB)
#define MAX_REQ	  (128 * KiB)
#define CMDS                                                    \
	"-c 'write -P 0x11 0 1M' -c 'write -P 0x22 3000k 77k' " \
	"-c 'write -P 0x33 12M 2M' -c 'write -P 0x44 24574k 2k'"

struct sub {
	char name[24];
	bool qemu_io; /* qemu writes it in place too */
};

static struct qcow2_fx q;
static u8 *expect, *got;

static void setup(void)
{
	qcow2_fx_setup(&q, "/var/tmp/squeeze-vmdkr-XXXXXX", ENV_MEM, MAX_REQ);
	expect = calloc(1, DISK_SIZE);
	got = calloc(1, DISK_SIZE);
	cr_assert(expect && got);
}

static void teardown(void)
{
	qcow2_fx_teardown(&q);
	free(expect);
	free(got);
}

static void read_all(void)
{
	static const u32 lens[] = { 4096, 66048, MAX_REQ, 1536, 61440 };
	u64 pos = 0, cookie;
	unsigned int k = 0;
	u32 used, len;
	u8 st;

	while (pos < DISK_SIZE) {
		struct drv_buf d;

		len = MIN((u64)lens[k++ % ARRAY_SIZE(lens)], DISK_SIZE - pos);
		d = (struct drv_buf){ q.buf[0], len, true };
		cr_assert_geq(blk_drv_submit(&q.drv, VIRTIO_BLK_T_IN, pos / 512,
					     &d, 1, 0),
			      0);
		blk_drv_kick(&q.drv);
		cr_assert_eq(blk_drv_reap(&q.drv, 5000, &cookie, &st, &used),
			     0);
		cr_assert_eq(st, VIRTIO_BLK_S_OK, "read at %llu failed",
			     (unsigned long long)pos);
		memcpy(got + pos, drv_ptr(&q.env, q.buf[0], len), len);
		pos += len;
	}
}

static void check_vmdk(const char *name)
{
	char path[160];
	u64 i;

	cr_assert_eq(
		sh("cd %s && qemu-img convert -f vmdk -O raw %s oracle.raw",
		   q.dir, name),
		0);
	snprintf(path, sizeof(path), "%s/oracle.raw", q.dir);
	qcow2_fx_load(path, expect, DISK_SIZE);
	snprintf(path, sizeof(path), "%s/%s", q.dir, name);
	qcow2_fx_open_fmt(&q, path, DISK_SIZE, DISK_FMT_VMDK, true);
	read_all();
	qcow2_fx_close(&q);
	for (i = 0; i < DISK_SIZE && got[i] == expect[i]; i++)
		;
	cr_assert_eq(i, DISK_SIZE, "%s: byte %llu: 0x%02x, qemu-img 0x%02x",
		     name, (unsigned long long)i, got[i], expect[i]);
	cr_expect_eq(got[12 * MiB], 0x33, "the pattern itself");
}

static struct sub subs[] = {
	{ "monolithicSparse", true },	  { "monolithicFlat", true },
	{ "twoGbMaxExtentSparse", true }, { "twoGbMaxExtentFlat", true },
	{ "streamOptimized", false },
};

ParameterizedTestParameters(vmdk_read, subformat)
{
	return cr_make_param_array(struct sub, subs, ARRAY_SIZE(subs));
}

ParameterizedTest(struct sub *s, vmdk_read, subformat, .init = setup,
		  .fini = teardown, .timeout = 60)
{
	struct blk_options c = { .disk = { .format = DISK_FMT_VMDK } };
	char path[160];

	cr_assert_eq(sh("cd %s && qemu-img create -q -f raw src.raw %llu && "
			"qemu-io -f raw %s src.raw >/dev/null && "
			"qemu-img convert -f raw -O vmdk -o subformat=%s "
			"src.raw conv.vmdk",
			q.dir, (unsigned long long)DISK_SIZE, CMDS, s->name),
		     0);
	check_vmdk("conv.vmdk");
	if (s->qemu_io) {
		cr_assert_eq(sh("cd %s && qemu-img create -q -f vmdk -o "
				"subformat=%s made.vmdk %llu && "
				"qemu-io -f vmdk %s made.vmdk >/dev/null",
				q.dir, s->name, (unsigned long long)DISK_SIZE,
				CMDS),
			     0);
		check_vmdk("made.vmdk");
	}
	snprintf(path, sizeof(path), "%s/conv.vmdk", q.dir);
	c.disk.path = path;
	cr_expect_null(virtio_blk_create(&q.env.mem, &c, 0, &q.err),
		       "a writable vmdk disk was opened");
	cr_expect(strstr(q.err.msg, "read-only"), "%s", q.err.msg);
}
