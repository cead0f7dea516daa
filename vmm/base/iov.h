/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_IOV_H
#define SQUEEZE_IOV_H

#include <sys/uio.h>

#include "vmm/base/types.h"

/*
 * Walks over an array of iovecs, the one place that does them: a guest
 * request's segments (virtqueue copies, virtio-blk data, the net header
 * split off a frame), slices of a disk request (qcow2), bounce buffers.
 * @skip and @len count bytes from the start of the whole array.
 */

/* The sum of the lengths of @iov[0..@cnt). */
u64 iov_total(const struct iovec *iov, int cnt);

/*
 * The bytes [@skip, @skip + @len) of @iov as iovecs into @out, which has
 * room for @max; empty segments are left out. Returns their number, or
 * -EINVAL when more than @max are needed or @iov ends before @len bytes.
 */
int iov_slice(const struct iovec *iov, int cnt, u64 skip, u64 len,
	      struct iovec *out, int max);

/* Copy up to @len bytes at @skip out of @iov; returns the bytes copied. */
size_t iov_to_buf(const struct iovec *iov, int cnt, u64 skip, void *buf,
		  size_t len);

/* Copy up to @len bytes of @buf into @iov at @skip; returns the bytes. */
size_t iov_from_buf(const struct iovec *iov, int cnt, u64 skip, const void *buf,
		    size_t len);

/* Zero up to @len bytes of @iov from @skip on; returns the bytes. */
size_t iov_zero(const struct iovec *iov, int cnt, u64 skip, size_t len);

/* Does every segment start and end on a multiple of @align (a power of 2)? */
bool iov_aligned(const struct iovec *iov, int cnt, size_t align);

#endif
