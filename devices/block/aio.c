// SPDX-License-Identifier: MIT
/*
 * Asynchronous file I/O for one thread. With io_uring, requests are queued
 * as SQEs and handed to the kernel in one io_uring_submit() per kick; the
 * kernel signals an eventfd registered with the ring when CQEs arrive. The
 * fallback does the I/O synchronously at queue time and keeps the result
 * for aio_complete(), so callers see the same contract either way.
 */
#include <errno.h>
#include <limits.h>
#include <liburing.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "devices/block/aio.h"
#include "vmm/base/iov.h"

#define AIO_NO_SLOT UINT32_MAX

/* One in-flight request; the io_uring user_data is its index. */
struct aio_slot {
	aio_cb cb;
	void *opaque;
	s64 res;  /* fallback: the result to report */
	u32 next; /* free list, or fallback done list */
};

struct aio {
	bool uring;
	struct io_uring ring;
	unsigned int depth;
	unsigned int inflight;	  /* queued, not yet called back */
	unsigned int unsubmitted; /* SQEs not yet given to the kernel */
	int efd;
	struct aio_slot *slot;
	u32 free_head;
	/* Fallback: finished requests in order, waiting for aio_complete(). */
	u32 done_head, done_tail;
};

static void aio_signal(struct aio *a)
{
	u64 one = 1;

	/* Only fails when the counter would overflow: it is readable then. */
	if (write(a->efd, &one, sizeof(one)) < 0)
		return;
}

static void aio_clear_signal(struct aio *a)
{
	u64 v;

	if (read(a->efd, &v, sizeof(v)) < 0)
		return; /* EAGAIN: nothing was pending */
}

/*
 * Operations submitted through io_uring are not seen by seccomp: the
 * ring is created disabled, restricted to the three operations squeeze
 * submits (no SQE flags, no register call but enabling it), then enabled.
 * An I/O thread taken over by a guest can then read, write and sync its
 * disk's fds through it, and not open a file or a socket. A kernel that
 * cannot restrict rings gets the synchronous fallback.
 */
static const struct io_uring_restriction aio_allowed[] = {
	{ .opcode = IORING_RESTRICTION_SQE_OP, .sqe_op = IORING_OP_READV },
	{ .opcode = IORING_RESTRICTION_SQE_OP, .sqe_op = IORING_OP_WRITEV },
	{ .opcode = IORING_RESTRICTION_SQE_OP, .sqe_op = IORING_OP_FSYNC },
	{ .opcode = IORING_RESTRICTION_REGISTER_OP,
	  .register_op = IORING_REGISTER_ENABLE_RINGS },
};

static int aio_uring_init(struct aio *a)
{
	int ret;

	ret = io_uring_queue_init(a->depth, &a->ring, IORING_SETUP_R_DISABLED);
	if (ret < 0)
		return ret;
	ret = io_uring_register_eventfd(&a->ring, a->efd);
	/* Debian's liburing 2.3 does not export the two wrappers. */
	if (ret >= 0)
		ret = io_uring_register(a->ring.ring_fd,
					IORING_REGISTER_RESTRICTIONS,
					aio_allowed, ARRAY_SIZE(aio_allowed));
	if (ret >= 0)
		ret = io_uring_register(a->ring.ring_fd,
					IORING_REGISTER_ENABLE_RINGS, NULL, 0);
	if (ret < 0) {
		io_uring_queue_exit(&a->ring);
		return ret;
	}
	return 0;
}

struct aio *aio_create(unsigned int depth, bool no_uring)
{
	struct aio *a;
	unsigned int i;

	if (depth == 0 || depth > 32768)
		return NULL;
	a = calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	a->depth = depth;
	a->slot = calloc(depth, sizeof(*a->slot));
	if (!a->slot)
		goto free_aio;
	for (i = 0; i < depth; i++)
		a->slot[i].next = i + 1 < depth ? i + 1 : AIO_NO_SLOT;
	a->free_head = 0;
	a->done_head = a->done_tail = AIO_NO_SLOT;
	a->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (a->efd < 0)
		goto free_slots;
	/* A kernel (or seccomp policy) without io_uring gets the fallback. */
	a->uring = !no_uring && aio_uring_init(a) == 0;
	return a;

free_slots:
	free(a->slot);
free_aio:
	free(a);
	return NULL;
}

struct io_uring *aio_ring(struct aio *a)
{
	return a->uring ? &a->ring : NULL;
}

void aio_destroy(struct aio *a)
{
	if (!a)
		return;
	aio_drain(a);
	if (a->uring)
		io_uring_queue_exit(&a->ring);
	close(a->efd);
	free(a->slot);
	free(a);
}

bool aio_uses_uring(const struct aio *a)
{
	return a->uring;
}

int aio_event_fd(const struct aio *a)
{
	return a->efd;
}

static u32 aio_get_slot(struct aio *a, aio_cb cb, void *opaque)
{
	u32 i = a->free_head;

	if (i == AIO_NO_SLOT)
		return i;
	a->free_head = a->slot[i].next;
	a->slot[i].cb = cb;
	a->slot[i].opaque = opaque;
	a->slot[i].res = 0;
	a->slot[i].next = AIO_NO_SLOT;
	a->inflight++;
	return i;
}

/* Give back a slot that never reached the kernel. */
static void aio_put_slot(struct aio *a, u32 i)
{
	a->slot[i].cb = NULL;
	a->slot[i].next = a->free_head;
	a->free_head = i;
	a->inflight--;
}

/* Free the slot first so that the callback may queue a new request. */
static void aio_finish(struct aio *a, u32 i, s64 res)
{
	aio_cb cb = a->slot[i].cb;
	void *opaque = a->slot[i].opaque;

	aio_put_slot(a, i);
	cb(opaque, res);
}

/* An SQE, submitting what is queued if the SQ ring is full. */
static struct io_uring_sqe *aio_get_sqe(struct aio *a)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&a->ring);

	if (!sqe) {
		aio_kick(a);
		sqe = io_uring_get_sqe(&a->ring);
	}
	return sqe;
}

/* Fallback: keep the result of a request done synchronously. */
static void aio_queue_done(struct aio *a, u32 i, s64 res)
{
	a->slot[i].res = res;
	a->slot[i].next = AIO_NO_SLOT;
	if (a->done_tail == AIO_NO_SLOT) {
		a->done_head = i;
		aio_signal(a);
	} else {
		a->slot[a->done_tail].next = i;
	}
	a->done_tail = i;
}

/* Whole-length preadv/pwritev: the syscalls may stop short (signals). */
static s64 aio_sync_rw(int fd, u64 off, const struct iovec *iov, int iovcnt,
		       bool write)
{
	struct iovec rest[IOV_MAX];
	u64 want, done = 0;
	ssize_t n;
	int cnt;

	if (iovcnt < 0 || iovcnt > IOV_MAX)
		return -EINVAL;
	want = iov_total(iov, iovcnt);
	while (done < want) {
		cnt = iov_slice(iov, iovcnt, done, want - done, rest, IOV_MAX);
		n = write ? pwritev(fd, rest, cnt, off + done) :
			    preadv(fd, rest, cnt, off + done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break; /* end of file: a short read */
		done += n;
	}
	return done;
}

static int aio_rw(struct aio *a, int fd, u64 off, const struct iovec *iov,
		  int iovcnt, aio_cb cb, void *opaque, bool write)
{
	struct io_uring_sqe *sqe;
	u32 i;

	if (iovcnt <= 0 || iovcnt > IOV_MAX)
		return -EINVAL;
	i = aio_get_slot(a, cb, opaque);
	if (i == AIO_NO_SLOT)
		return -EBUSY;
	if (!a->uring) {
		aio_queue_done(a, i, aio_sync_rw(fd, off, iov, iovcnt, write));
		return 0;
	}
	sqe = aio_get_sqe(a);
	if (!sqe) {
		aio_put_slot(a, i);
		return -EBUSY;
	}
	if (write)
		io_uring_prep_writev(sqe, fd, iov, iovcnt, off);
	else
		io_uring_prep_readv(sqe, fd, iov, iovcnt, off);
	io_uring_sqe_set_data64(sqe, i);
	a->unsubmitted++;
	return 0;
}

int aio_readv(struct aio *a, int fd, u64 off, const struct iovec *iov,
	      int iovcnt, aio_cb cb, void *opaque)
{
	return aio_rw(a, fd, off, iov, iovcnt, cb, opaque, false);
}

int aio_writev(struct aio *a, int fd, u64 off, const struct iovec *iov,
	       int iovcnt, aio_cb cb, void *opaque)
{
	return aio_rw(a, fd, off, iov, iovcnt, cb, opaque, true);
}

int aio_fdatasync(struct aio *a, int fd, aio_cb cb, void *opaque)
{
	struct io_uring_sqe *sqe;
	u32 i;

	i = aio_get_slot(a, cb, opaque);
	if (i == AIO_NO_SLOT)
		return -EBUSY;
	if (!a->uring) {
		aio_queue_done(a, i, fdatasync(fd) < 0 ? -errno : 0);
		return 0;
	}
	sqe = aio_get_sqe(a);
	if (!sqe) {
		aio_put_slot(a, i);
		return -EBUSY;
	}
	io_uring_prep_fsync(sqe, fd, IORING_FSYNC_DATASYNC);
	io_uring_sqe_set_data64(sqe, i);
	a->unsubmitted++;
	return 0;
}

void aio_kick(struct aio *a)
{
	int ret;

	if (!a->uring || !a->unsubmitted)
		return;
	do {
		ret = io_uring_submit(&a->ring);
	} while (ret == -EINTR);
	/*
	 * With SQPOLL off, submit consumes every SQE unless the kernel is
	 * short of memory (-EAGAIN/-EBUSY): then retry on the next kick;
	 * the entries stay in the SQ ring.
	 */
	if (ret > 0)
		a->unsubmitted -= MIN((unsigned int)ret, a->unsubmitted);
}

static void aio_complete_uring(struct aio *a)
{
	struct io_uring_cqe *cqe;
	u32 i;

	while (io_uring_peek_cqe(&a->ring, &cqe) == 0) {
		u64 data = io_uring_cqe_get_data64(cqe);
		s64 res = cqe->res;

		io_uring_cqe_seen(&a->ring, cqe);
		i = (u32)data;
		if (data >= a->depth || !a->slot[i].cb)
			continue; /* not ours: cannot happen */
		aio_finish(a, i, res);
	}
}

static void aio_complete_sync(struct aio *a)
{
	/* Take the list: callbacks may queue (and finish) new requests. */
	u32 i = a->done_head;

	a->done_head = a->done_tail = AIO_NO_SLOT;
	while (i != AIO_NO_SLOT) {
		u32 next = a->slot[i].next;

		aio_finish(a, i, a->slot[i].res);
		i = next;
	}
}

void aio_complete(struct aio *a)
{
	aio_clear_signal(a);
	if (a->uring)
		aio_complete_uring(a);
	else
		aio_complete_sync(a);
}

void aio_drain(struct aio *a)
{
	struct pollfd p = { .fd = a->efd, .events = POLLIN };

	while (a->inflight) {
		aio_kick(a);
		aio_complete(a);
		if (!a->inflight)
			break;
		if (poll(&p, 1, -1) < 0 && errno != EINTR)
			break;
	}
}
