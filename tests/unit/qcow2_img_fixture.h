/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_TEST_QCOW2_IMG_FIXTURE_H
#define SQUEEZE_TEST_QCOW2_IMG_FIXTURE_H

/*
 * qcow2 images made in memory (a memfd) by the engine itself, and the
 * pokes that corrupt them, for the check, resize and compressed-write
 * unit tests. No qemu-img: the oracle tests live in tests/integration.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "devices/block/qcow2/qcow2.h"

struct img_fx {
	int fd;
	char path[64];
	u64 cs;
};

static inline void img_fx_create(struct img_fx *f, u64 size, u32 bits,
				 u32 version)
{
	struct qcow2_create_opts o = { .size = size,
				       .cluster_bits = bits,
				       .version = version };
	struct err err = { 0 };

	f->fd = memfd_create("qcow2-test", 0);
	cr_assert_geq(f->fd, 0);
	snprintf(f->path, sizeof(f->path), "/proc/self/fd/%d", f->fd);
	f->cs = 1ULL << bits;
	cr_assert_eq(qcow2_create_fd(f->fd, &o, &err), 0, "%s", err.msg);
}

static inline struct qcow2 *img_fx_open(struct img_fx *f)
{
	struct err err = { 0 };
	struct qcow2 *q;

	struct qcow2_policy pol = { .backing_off = true };

	cr_assert_eq(
		qcow2_open_image(&q, f->path, true, &pol, 0, NULL, 0, &err), 0,
		"%s", err.msg);
	return q;
}

/* Write @n whole clusters of byte @val from guest cluster @first on. */
static inline void img_fx_fill(struct img_fx *f, u64 first, u64 n, u8 val)
{
	struct qcow2 *q = img_fx_open(f);
	u8 buf[f->cs];
	u64 i;

	memset(buf, val, f->cs);
	for (i = 0; i < n; i++)
		cr_assert_eq(
			qcow2_write_cluster(q, (first + i) * f->cs, buf, f->cs),
			0);
	qcow2_close_image(q);
}

static inline u64 img_fx_get64(struct img_fx *f, u64 off)
{
	u8 b[8];

	cr_assert_eq(pread(f->fd, b, 8, off), 8);
	return qcow2_get64(b);
}

static inline void img_fx_put64(struct img_fx *f, u64 off, u64 v)
{
	u8 b[8];

	qcow2_put64(b, v);
	cr_assert_eq(pwrite(f->fd, b, 8, off), 8);
}

static inline void img_fx_put16(struct img_fx *f, u64 off, u16 v)
{
	u8 b[2] = { v >> 8, v & 0xff };

	cr_assert_eq(pwrite(f->fd, b, 2, off), 2);
}

/* The L2 table of L1 index @i, and the entry of guest cluster @c. */
static inline u64 img_fx_l2(struct img_fx *f, u64 i)
{
	return img_fx_get64(f, img_fx_get64(f, 40) + 8 * i) & QCOW2_OFFSET_MASK;
}

static inline u64 img_fx_l2e_off(struct img_fx *f, u64 c)
{
	u64 per = f->cs / 8;

	return img_fx_l2(f, c / per) + 8 * (c % per);
}

/* Where the 16-bit refcount of host cluster @c lives. */
static inline u64 img_fx_rc_off(struct img_fx *f, u64 c)
{
	u64 per = f->cs / 2, rt = img_fx_get64(f, 48);

	return img_fx_get64(f, rt + 8 * (c / per)) + 2 * (c % per);
}

static inline u64 img_fx_size(struct img_fx *f)
{
	return lseek(f->fd, 0, SEEK_END);
}

#endif
