/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_TEST_QCOW2_FIXTURE_H
#define SQUEEZE_TEST_QCOW2_FIXTURE_H

#include "tests/driver/lib/blk_drv.h"
#include "virtio/blk/blk.h"

/*
 * The set-up the qcow2 scenarios share (tests/driver/test_qcow2*.c): a
 * test machine, a scratch directory in /var/tmp for the images qemu-img
 * makes, QCOW2_FX_BATCH guest buffers, and one qcow2 disk at a time on
 * the PCI bus with the driver up. Criterion assertions: Criterion tests
 * only (the benchmarks never reference this file).
 */

#define QCOW2_FX_BATCH 8

struct qcow2_fx {
	struct drv_env env;
	struct virtio_blk *blk;
	struct virtio_pci *vp;
	struct blk_drv drv;
	char dir[64];
	struct err err;
	u64 buf[QCOW2_FX_BATCH]; /* guest buffers */
	u64 rng;
};

/* system() of a formatted command; its wait status. */
int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Skip the test without qemu-utils; make the directory from @dir_tmpl
 * (a mkdtemp template), a machine of @mem bytes and QCOW2_FX_BATCH
 * buffers of @buf_len bytes each.
 */
void qcow2_fx_setup(struct qcow2_fx *q, const char *dir_tmpl, u64 mem,
		    u64 buf_len);
void qcow2_fx_teardown(struct qcow2_fx *q);

/* xorshift64*, seeded the same for every test: reproducible. */
u64 qcow2_fx_rnd(struct qcow2_fx *q);

/* Open the qcow2 image @path, of @size bytes, as a virtio-blk disk. */
void qcow2_fx_open(struct qcow2_fx *q, const char *path, u64 size);
/* The same for any format (vmdk: read-only). */
void qcow2_fx_open_fmt(struct qcow2_fx *q, const char *path, u64 size,
		       enum disk_format fmt, bool readonly);
void qcow2_fx_close(struct qcow2_fx *q);

/* Read the first @len bytes of the file @path into @dst. */
void qcow2_fx_load(const char *path, u8 *dst, u64 len);

#endif
