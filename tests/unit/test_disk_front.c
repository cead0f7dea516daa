// SPDX-License-Identifier: MIT
/*
 * The disk front door, disk_submit(): every format gets the same checks,
 * so every bad request is refused with the same errno for raw and for
 * qcow2, without done() being called, and changes nothing on the disk
 * (read back through a fresh open, and for raw with pread()).
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "devices/block/disk.h"
#include "devices/block/qcow2/qcow2.h"

#define IMG_SIZE (1 * MiB)

static char path[64];
static int done_calls;

static void make_image(enum disk_format fmt)
{
	struct qcow2_create_opts o = { .size = IMG_SIZE,
				       .cluster_bits = 16,
				       .version = 3 };
	struct err err = { 0 };
	int fd;

	snprintf(path, sizeof(path), "/var/tmp/squeeze-front-XXXXXX");
	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	if (fmt == DISK_FMT_QCOW2)
		cr_assert_eq(qcow2_create_fd(fd, &o, &err), 0, "%s", err.msg);
	else
		cr_assert_eq(ftruncate(fd, IMG_SIZE), 0);
	close(fd);
	done_calls = 0;
}

static void open_disk(struct disk *d, enum disk_format fmt, bool readonly)
{
	struct disk_options o = { .path = path,
				  .format = fmt,
				  .readonly = readonly };
	struct err err = { 0 };

	cr_assert_eq(disk_open(d, &o, &err), 0, "%s", err.msg);
	cr_assert_eq(d->size, IMG_SIZE);
}

static void count_done(struct disk_req *req, int ret)
{
	(void)req;
	(void)ret;
	done_calls++;
}

/* Submit; a refusal must not call done(). */
static int submit(struct disk *d, enum disk_op op, u64 off, u64 len,
		  const struct iovec *iov, int iovcnt)
{
	struct disk_req req = { .op = op,
				.offset = off,
				.len = len,
				.iov = iov,
				.iovcnt = iovcnt,
				.done = count_done };
	int ret = disk_submit(d, &req);

	if (ret)
		cr_assert_eq(done_calls, 0, "done() after a refusal");
	return ret;
}

/* Nothing was written: the first 64 KiB read back as zeros. */
static void assert_untouched(enum disk_format fmt)
{
	static u8 buf[64 * KiB], zero[64 * KiB];
	struct disk d;
	int fd;

	open_disk(&d, fmt, true);
	cr_assert_eq(disk_rw_sync(&d, DISK_OP_READ, 0, buf, sizeof(buf)), 0);
	cr_assert_arr_eq(buf, zero, sizeof(buf));
	disk_close(&d);
	if (fmt != DISK_FMT_RAW)
		return;
	fd = open(path, O_RDONLY);
	cr_assert_eq(pread(fd, buf, sizeof(buf), 0), sizeof(buf));
	cr_assert_arr_eq(buf, zero, sizeof(buf));
	close(fd);
}

static enum disk_format formats[] = { DISK_FMT_RAW, DISK_FMT_QCOW2 };

/* Test @name once per format, with the same expectations: *fmt. */
#define FOR_EACH_FORMAT(name)                                         \
	ParameterizedTestParameters(front, name)                      \
	{                                                             \
		return cr_make_param_array(enum disk_format, formats, \
					   ARRAY_SIZE(formats));      \
	}                                                             \
	ParameterizedTest(enum disk_format *fmt, front, name)

FOR_EACH_FORMAT(length_must_equal_iov_total)
{
	static u8 a[4096], b[4096];
	struct iovec two[2] = { { a, 4096 }, { b, 4096 } };
	struct disk d;

	memset(a, 0xa5, sizeof(a));
	memset(b, 0x5a, sizeof(b));
	make_image(*fmt);
	open_disk(&d, *fmt, false);
	/* Longer or shorter than the iovecs, reads and writes alike. */
	cr_assert_eq(submit(&d, DISK_OP_WRITE, 0, 4096, two, 2), -EINVAL);
	cr_assert_eq(submit(&d, DISK_OP_WRITE, 0, 12288, two, 2), -EINVAL);
	cr_assert_eq(submit(&d, DISK_OP_READ, 0, 4096, two, 2), -EINVAL);
	cr_assert_eq(submit(&d, DISK_OP_READ, 0, 12288, two, 2), -EINVAL);
	/* No iovecs, a NULL array, too many. */
	cr_assert_eq(submit(&d, DISK_OP_WRITE, 0, 0, two, 0), -EINVAL);
	cr_assert_eq(submit(&d, DISK_OP_WRITE, 0, 8192, NULL, 2), -EINVAL);
	cr_assert_eq(submit(&d, DISK_OP_WRITE, 0, 8192, two, IOV_MAX + 1),
		     -EINVAL);
	disk_close(&d);
	assert_untouched(*fmt);

	/* The matching request goes through, and lands. */
	open_disk(&d, *fmt, false);
	cr_assert_eq(disk_rw_sync(&d, DISK_OP_WRITE, 4096, a, 4096), 0);
	memset(b, 0, sizeof(b));
	cr_assert_eq(disk_rw_sync(&d, DISK_OP_READ, 4096, b, 4096), 0);
	cr_assert_arr_eq(a, b, 4096);
	disk_close(&d);
	unlink(path);
}

FOR_EACH_FORMAT(range_and_op)
{
	static u8 a[4096];
	struct iovec one = { a, sizeof(a) };
	struct disk d;

	make_image(*fmt);
	open_disk(&d, *fmt, false);
	cr_assert_eq(submit(&d, DISK_OP_WRITE, IMG_SIZE - 512, 4096, &one, 1),
		     -EINVAL);
	cr_assert_eq(submit(&d, DISK_OP_READ, IMG_SIZE, 4096, &one, 1),
		     -EINVAL);
	cr_assert_eq(submit(&d, DISK_OP_DISCARD, IMG_SIZE - 512, 1024, NULL, 0),
		     -EINVAL);
	cr_assert_eq(
		submit(&d, DISK_OP_WRITE_ZEROES, ~0ULL - 511, 1024, NULL, 0),
		-EINVAL);
	cr_assert_eq(submit(&d, (enum disk_op)99, 0, 512, &one, 1), -EINVAL);
	disk_close(&d);
	assert_untouched(*fmt);
	unlink(path);
}

FOR_EACH_FORMAT(readonly)
{
	static u8 a[4096];
	struct iovec one = { a, sizeof(a) };
	struct disk d;

	memset(a, 0xee, sizeof(a));
	make_image(*fmt);
	open_disk(&d, *fmt, true);
	cr_assert_eq(submit(&d, DISK_OP_WRITE, 0, 4096, &one, 1), -EROFS);
	cr_assert_eq(submit(&d, DISK_OP_DISCARD, 0, 4096, NULL, 0), -EROFS);
	cr_assert_eq(submit(&d, DISK_OP_WRITE_ZEROES, 0, 4096, NULL, 0),
		     -EROFS);
	/* A malformed request is malformed first. */
	cr_assert_eq(submit(&d, DISK_OP_WRITE, 0, 512, &one, 1), -EINVAL);
	cr_assert_eq(submit(&d, DISK_OP_WRITE, IMG_SIZE, 4096, &one, 1),
		     -EINVAL);
	/* Reads and flushes are fine. */
	cr_assert_eq(disk_rw_sync(&d, DISK_OP_READ, 0, a, 4096), 0);
	cr_assert_eq(disk_flush_sync(&d), 0);
	disk_close(&d);
	assert_untouched(*fmt);
	unlink(path);
}
