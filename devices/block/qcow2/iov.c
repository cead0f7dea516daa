// SPDX-License-Identifier: MIT
/* Pieces of a guest request's iovec: slices, copies in and out, zeroing. */
#include <string.h>

#include "devices/block/qcow2/qcow2_disk.h"

/* The part [skip, skip + len) of @iov in @out (at most @cnt entries). */
int qcow2_iov_slice(const struct iovec *iov, int cnt, u64 skip, u64 len,
		    struct iovec *out)
{
	int i, n = 0;

	for (i = 0; i < cnt && len; i++) {
		u64 l = iov[i].iov_len;

		if (skip >= l) {
			skip -= l;
			continue;
		}
		out[n].iov_base = (u8 *)iov[i].iov_base + skip;
		out[n].iov_len = MIN(l - skip, len);
		len -= out[n].iov_len;
		skip = 0;
		n++;
	}
	return n;
}

/* Copy to or from @buf, or with @buf NULL zero, @len bytes from @skip. */
static void iov_xfer(const struct iovec *iov, int cnt, u64 skip, u8 *p,
		     u64 len, bool to_iov)
{
	int i;

	for (i = 0; i < cnt && len; i++) {
		u64 l = iov[i].iov_len, n;
		u8 *at;

		if (skip >= l) {
			skip -= l;
			continue;
		}
		n = MIN(l - skip, len);
		at = (u8 *)iov[i].iov_base + skip;
		if (!p)
			memset(at, 0, n);
		else if (to_iov)
			memcpy(at, p, n);
		else
			memcpy(p, at, n);
		if (p)
			p += n;
		len -= n;
		skip = 0;
	}
}

void qcow2_iov_copy(const struct iovec *iov, int cnt, u64 skip, void *buf,
		    u64 len, bool to_iov)
{
	iov_xfer(iov, cnt, skip, buf, len, to_iov);
}

void qcow2_iov_zero(const struct iovec *iov, int cnt, u64 skip, u64 len)
{
	iov_xfer(iov, cnt, skip, NULL, len, true);
}
