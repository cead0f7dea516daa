// SPDX-License-Identifier: MIT
/*
 * devices/block/aio.c through io_uring and through the preadv/pwritev fallback,
 * against a temporary file that the test reads back with pread().
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <liburing.h>
#include <sys/eventfd.h>

#include "devices/block/aio.h"

#define TEST_DEPTH 8

struct result {
	int calls;
	s64 res;
};

static void record(void *opaque, s64 res)
{
	struct result *r = opaque;

	r->calls++;
	r->res = res;
}

static int tmpfile_fd(void)
{
	char path[] = "/var/tmp/squeeze-aio-XXXXXX";
	int fd = mkstemp(path);

	cr_assert_geq(fd, 0);
	unlink(path);
	return fd;
}

/* Wait on the event fd like an I/O thread, then run the callbacks. */
static void wait_done(struct aio *a, const struct result *r, int want)
{
	struct pollfd p = { .fd = aio_event_fd(a), .events = POLLIN };
	int rounds = 0;

	while (r->calls < want) {
		cr_assert_eq(poll(&p, 1, 5000), 1, "no completion event");
		aio_complete(a);
		cr_assert_lt(++rounds, 1000);
	}
}

static void fill(u8 *buf, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = (u8)(seed * 131 + i * 7 + (i >> 9));
}

ParameterizedTestParameters(aio, write_read_sync)
{
	static bool no_uring[] = { false, true };

	return cr_make_param_array(bool, no_uring, 2);
}

ParameterizedTest(bool *no_uring, aio, write_read_sync)
{
	struct aio *a = aio_create(TEST_DEPTH, *no_uring);
	u8 out[8192], in[8192], check[8192];
	struct iovec wiov[2] = { { out, 4096 }, { out + 4096, 4096 } };
	struct iovec riov[3] = { { in, 512 },
				 { in + 512, 3584 },
				 { in + 4096, 4096 } };
	struct result w = { 0 }, s = { 0 }, r = { 0 };
	int fd = tmpfile_fd();

	cr_assert_not_null(a);
	cr_assert_eq(aio_uses_uring(a), !*no_uring);
	fill(out, sizeof(out), 3);
	cr_assert_eq(aio_writev(a, fd, 4096, wiov, 2, record, &w), 0);
	aio_kick(a);
	wait_done(a, &w, 1);
	cr_assert_eq(w.res, 8192);

	/* The bytes are in the file, read behind aio's back. */
	cr_assert_eq(pread(fd, check, sizeof(check), 4096), 8192);
	cr_assert_arr_eq(check, out, sizeof(out));

	cr_assert_eq(aio_fdatasync(a, fd, record, &s), 0);
	aio_kick(a);
	wait_done(a, &s, 1);
	cr_assert_eq(s.res, 0);

	memset(in, 0, sizeof(in));
	cr_assert_eq(aio_readv(a, fd, 4096, riov, 3, record, &r), 0);
	aio_kick(a);
	wait_done(a, &r, 1);
	cr_assert_eq(r.res, 8192);
	cr_assert_arr_eq(in, out, sizeof(out));
	cr_assert_eq(w.calls + s.calls + r.calls, 3, "a callback ran twice");

	aio_destroy(a);
	close(fd);
}

ParameterizedTestParameters(aio, depth_and_batch)
{
	static bool no_uring[] = { false, true };

	return cr_make_param_array(bool, no_uring, 2);
}

/* @depth requests in one batch, one more is -EBUSY; all complete. */
ParameterizedTest(bool *no_uring, aio, depth_and_batch)
{
	struct aio *a = aio_create(TEST_DEPTH, *no_uring);
	static u8 buf[TEST_DEPTH][512];
	struct iovec iov[TEST_DEPTH];
	struct result res[TEST_DEPTH] = { 0 }, extra = { 0 };
	int fd = tmpfile_fd(), i, total = 0;
	u8 check[512];

	cr_assert_not_null(a);
	for (i = 0; i < TEST_DEPTH; i++) {
		memset(buf[i], 0x40 + i, 512);
		iov[i] = (struct iovec){ buf[i], 512 };
		cr_assert_eq(aio_writev(a, fd, i * 512ULL, &iov[i], 1, record,
					&res[i]),
			     0);
	}
	cr_assert_eq(aio_writev(a, fd, 0, &iov[0], 1, record, &extra), -EBUSY);
	aio_kick(a);
	aio_drain(a);
	for (i = 0; i < TEST_DEPTH; i++) {
		cr_assert_eq(res[i].calls, 1);
		cr_assert_eq(res[i].res, 512);
		total += res[i].calls;
		cr_assert_eq(pread(fd, check, 512, i * 512), 512);
		cr_assert_eq(check[0], 0x40 + i);
		cr_assert_eq(check[511], 0x40 + i);
	}
	cr_assert_eq(total, TEST_DEPTH);
	cr_assert_eq(extra.calls, 0);
	/* Slots came back: a full batch fits again. */
	for (i = 0; i < TEST_DEPTH; i++)
		cr_assert_eq(aio_readv(a, fd, i * 512ULL, &iov[i], 1, record,
				       &res[i]),
			     0);
	aio_kick(a);
	aio_drain(a);
	cr_assert_eq(res[TEST_DEPTH - 1].calls, 2);
	aio_destroy(a);
	close(fd);
}

ParameterizedTestParameters(aio, errors_reach_callback)
{
	static bool no_uring[] = { false, true };

	return cr_make_param_array(bool, no_uring, 2);
}

ParameterizedTest(bool *no_uring, aio, errors_reach_callback)
{
	struct aio *a = aio_create(TEST_DEPTH, *no_uring);
	u8 buf[512] = { 0 };
	struct iovec iov = { buf, sizeof(buf) };
	struct result r = { 0 }, eof = { 0 };
	int fd = tmpfile_fd();
	int rdonly;
	char path[64];

	cr_assert_not_null(a);
	/* A write to a read-only descriptor fails with -EBADF. */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	rdonly = open(path, O_RDONLY);
	cr_assert_geq(rdonly, 0);
	cr_assert_eq(aio_writev(a, rdonly, 0, &iov, 1, record, &r), 0);
	/* Reading past the end of an empty file returns 0 bytes. */
	cr_assert_eq(aio_readv(a, fd, 1 << 20, &iov, 1, record, &eof), 0);
	aio_kick(a);
	aio_drain(a);
	cr_assert_eq(r.calls, 1);
	cr_assert_eq(r.res, -EBADF);
	cr_assert_eq(eof.calls, 1);
	cr_assert_eq(eof.res, 0);
	cr_assert_eq(aio_readv(a, fd, 0, &iov, 0, record, &r), -EINVAL);
	aio_destroy(a);
	close(rdonly);
	close(fd);
}

/* A callback may queue the next request (qcow2 chains metadata I/O). */
struct chain {
	struct aio *a;
	int fd;
	struct iovec iov;
	int left;
};

static void chain_next(void *opaque, s64 res)
{
	struct chain *c = opaque;

	cr_assert_eq(res, 512);
	if (--c->left > 0) {
		cr_assert_eq(
			aio_readv(c->a, c->fd, 0, &c->iov, 1, chain_next, c),
			0);
		aio_kick(c->a);
	}
}

Test(aio, callback_queues_more)
{
	bool paths[] = { false, true };
	u8 buf[512];
	unsigned int p;

	for (p = 0; p < ARRAY_SIZE(paths); p++) {
		struct chain c = { .a = aio_create(2, paths[p]),
				   .fd = tmpfile_fd(),
				   .iov = { buf, sizeof(buf) },
				   .left = 5 };

		cr_assert_not_null(c.a);
		memset(buf, 1, sizeof(buf));
		cr_assert_eq(pwrite(c.fd, buf, sizeof(buf), 0), 512);
		cr_assert_eq(aio_readv(c.a, c.fd, 0, &c.iov, 1, chain_next, &c),
			     0);
		aio_kick(c.a);
		aio_drain(c.a);
		cr_assert_eq(c.left, 0);
		aio_destroy(c.a);
		close(c.fd);
	}
}

/*
 * Issue 10: io_uring operations bypass seccomp, so the ring takes only
 * what squeeze submits. An openat through it is refused (-EACCES), a
 * readv still works, and no further register call is allowed.
 */
Test(aio, ring_is_restricted)
{
	struct aio *a = aio_create(8, false);
	struct io_uring *ring;
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	int efd = eventfd(0, 0);

	cr_assert_not_null(a);
	ring = aio_ring(a);
	if (!ring)
		cr_skip_test("no io_uring here: nothing to restrict");
	sqe = io_uring_get_sqe(ring);
	io_uring_prep_openat(sqe, AT_FDCWD, "/etc/hostname", O_RDONLY, 0);
	cr_assert_eq(io_uring_submit_and_wait(ring, 1), 1);
	cr_assert_eq(io_uring_wait_cqe(ring, &cqe), 0);
	cr_assert_eq(cqe->res, -EACCES, "openat through the ring: %d",
		     cqe->res);
	io_uring_cqe_seen(ring, cqe);
	cr_assert_lt(io_uring_register_eventfd(ring, efd), 0,
		     "a register call was allowed");
	close(efd);
	aio_destroy(a);
}
