/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_AIO_H
#define SQUEEZE_AIO_H

#include <sys/uio.h>

#include "vmm/base/types.h"

/*
 * Asynchronous file I/O for one thread: io_uring (liburing) where the
 * kernel allows it, otherwise preadv/pwritev/fdatasync done at submit time
 * with the completion queued for aio_complete(). Shared by every disk
 * format so that raw and qcow2 data clusters use the same loop.
 */

typedef void (*aio_cb)(void *opaque, s64 res); /* bytes or -errno */

struct aio;

/* @depth: in-flight requests at most. @no_uring forces the fallback. */
struct aio *aio_create(unsigned int depth, bool no_uring);
void aio_destroy(struct aio *a);
bool aio_uses_uring(const struct aio *a);
/* Tests only: the ring itself (NULL for the fallback). */
struct io_uring *aio_ring(struct aio *a);

/* Queue a request; -EBUSY when @depth are in flight. */
int aio_readv(struct aio *a, int fd, u64 off, const struct iovec *iov,
	      int iovcnt, aio_cb cb, void *opaque);
int aio_writev(struct aio *a, int fd, u64 off, const struct iovec *iov,
	       int iovcnt, aio_cb cb, void *opaque);
int aio_fdatasync(struct aio *a, int fd, aio_cb cb, void *opaque);

/* Submit everything queued since the last kick, in one syscall. */
void aio_kick(struct aio *a);
/* An eventfd that becomes readable when completions are waiting. */
int aio_event_fd(const struct aio *a);
/* Run the callbacks of finished requests; never blocks. */
void aio_complete(struct aio *a);
/* Block until every in-flight request has completed (close, flush). */
void aio_drain(struct aio *a);

#endif
