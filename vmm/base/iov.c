// SPDX-License-Identifier: MIT
/* Walks over iovec arrays (see vmm/base/iov.h). */
#include <errno.h>
#include <string.h>

#include "vmm/base/iov.h"

u64 iov_total(const struct iovec *iov, int cnt)
{
	u64 total = 0;
	int i;

	for (i = 0; i < cnt; i++)
		total += iov[i].iov_len;
	return total;
}

int iov_slice(const struct iovec *iov, int cnt, u64 skip, u64 len,
	      struct iovec *out, int max)
{
	int i, n = 0;

	for (i = 0; i < cnt && len; i++) {
		u64 l = iov[i].iov_len;

		if (skip >= l) {
			skip -= l;
			continue;
		}
		if (n == max)
			return -EINVAL;
		out[n].iov_base = (u8 *)iov[i].iov_base + skip;
		out[n].iov_len = MIN(l - skip, len);
		len -= out[n].iov_len;
		skip = 0;
		n++;
	}
	return len ? -EINVAL : n;
}

enum xfer { TO_BUF, FROM_BUF, ZERO };

static size_t xfer(const struct iovec *iov, int cnt, u64 skip, u8 *buf,
		   size_t len, enum xfer how)
{
	size_t done = 0;
	int i;

	for (i = 0; i < cnt && done < len; i++) {
		u64 l = iov[i].iov_len;
		size_t n;
		u8 *at;

		if (skip >= l) {
			skip -= l;
			continue;
		}
		n = MIN(l - skip, len - done);
		at = (u8 *)iov[i].iov_base + skip;
		if (how == TO_BUF)
			memcpy(buf + done, at, n);
		else if (how == FROM_BUF)
			memcpy(at, buf + done, n);
		else
			memset(at, 0, n);
		done += n;
		skip = 0;
	}
	return done;
}

size_t iov_to_buf(const struct iovec *iov, int cnt, u64 skip, void *buf,
		  size_t len)
{
	return xfer(iov, cnt, skip, buf, len, TO_BUF);
}

size_t iov_from_buf(const struct iovec *iov, int cnt, u64 skip, const void *buf,
		    size_t len)
{
	return xfer(iov, cnt, skip, (u8 *)buf, len, FROM_BUF);
}

size_t iov_zero(const struct iovec *iov, int cnt, u64 skip, size_t len)
{
	return xfer(iov, cnt, skip, NULL, len, ZERO);
}

bool iov_aligned(const struct iovec *iov, int cnt, size_t align)
{
	int i;

	for (i = 0; i < cnt; i++)
		if (((uintptr_t)iov[i].iov_base | iov[i].iov_len) & (align - 1))
			return false;
	return true;
}
