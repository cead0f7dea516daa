// SPDX-License-Identifier: MIT
/* Pieces of a guest request's iovec: slices, copies in and out, zeroing. */
#include <string.h>

#include "devices/qcow2_disk.h"

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

void qcow2_iov_copy(const struct iovec *iov, int cnt, u64 skip, void *buf,
		    u64 len, bool to_iov)
{
	int i;
	u8 *p = buf;

	for (i = 0; i < cnt && len; i++) {
		u64 l = iov[i].iov_len, n;

		if (skip >= l) {
			skip -= l;
			continue;
		}
		n = MIN(l - skip, len);
		if (to_iov)
			memcpy((u8 *)iov[i].iov_base + skip, p, n);
		else
			memcpy(p, (u8 *)iov[i].iov_base + skip, n);
		p += n;
		len -= n;
		skip = 0;
	}
}

void qcow2_iov_zero(const struct iovec *iov, int cnt, u64 skip, u64 len)
{
	int i;

	for (i = 0; i < cnt && len; i++) {
		u64 l = iov[i].iov_len, n;

		if (skip >= l) {
			skip -= l;
			continue;
		}
		n = MIN(l - skip, len);
		memset((u8 *)iov[i].iov_base + skip, 0, n);
		len -= n;
		skip = 0;
	}
}
