// SPDX-License-Identifier: MIT
/*
 * Synchronous qcow2 reads: whole requests for backing chains and tools,
 * and the clusters the async path cannot hand to the kernel directly
 * (unallocated, zero, compressed).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "devices/block/qcow2/qcow2.h"
#include "vmm/base/fileio.h"

int qcow2_pread_full(int fd, void *buf, u64 len, u64 off)
{
	return pread_full(fd, buf, len, off);
}

int qcow2_pwrite_full(int fd, const void *buf, u64 len, u64 off)
{
	return pwrite_full(fd, buf, len, off);
}

/* Inflate one compressed cluster into q->dbuf (kept for the next read). */
static int decompress(struct qcow2 *q, u64 l2e)
{
	z_stream *zs = q->zs;
	u64 off, len;
	int ret;

	if (q->dbuf_l2e == l2e)
		return 0;
	ret = qcow2_compressed_span(q, l2e, &off, &len);
	if (ret)
		return ret;
	ret = qcow2_pread_full(q->fd, q->cbuf, len, off);
	if (ret)
		return ret;
	if (inflateReset(zs) != Z_OK)
		return -EIO;
	zs->next_in = q->cbuf;
	zs->avail_in = len;
	zs->next_out = q->dbuf;
	zs->avail_out = q->cluster_size;
	ret = inflate(zs, Z_FINISH);
	if ((ret != Z_STREAM_END && ret != Z_BUF_ERROR && ret != Z_OK) ||
	    zs->avail_out)
		return qcow2_corrupt(
			q,
			"qcow2: compressed cluster at 0x%llx does not inflate",
			(unsigned long long)off);
	q->dbuf_l2e = l2e;
	return 0;
}

int qcow2_read_special(struct qcow2 *q, const struct qcow2_map *m, u64 voff,
		       void *buf, u64 len)
{
	u64 in = voff & (q->cluster_size - 1);
	int ret;

	switch (m->kind) {
	case QCOW2_UNALLOC:
		if (q->backing)
			return qcow2_backing_read(q->backing, voff, buf, len);
		break;
	case QCOW2_ZEROES:
		break;
	case QCOW2_COMPRESSED_KIND:
		ret = decompress(q, m->l2e);
		if (ret)
			return ret;
		memcpy(buf, q->dbuf + in, len);
		return 0;
	case QCOW2_NORMAL:
		return qcow2_pread_full(q->fd, buf, len, m->host + in);
	}
	memset(buf, 0, len);
	return 0;
}

int qcow2_read_sync(struct qcow2 *q, u64 off, void *buf, u64 len)
{
	u8 *p = buf;

	while (len) {
		u64 in = off & (q->cluster_size - 1);
		u64 n = MIN(len, q->cluster_size - in);
		struct qcow2_map m;
		int ret = qcow2_map(q, off, &m);

		if (!ret)
			ret = qcow2_read_special(q, &m, off, p, n);
		if (ret)
			return ret;
		p += n;
		off += n;
		len -= n;
	}
	return 0;
}
