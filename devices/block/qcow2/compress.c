// SPDX-License-Identifier: MIT
/*
 * Compressed clusters (qcow2.txt, "Compressed Clusters Descriptor"): raw
 * deflate of one guest cluster, stored at any byte offset of the file;
 * the L2 entry holds that offset and the number of 512-byte sectors the
 * data touches, minus one. The packer keeps a write cursor in the host
 * clusters it allocated and lets one compressed cluster run on into the
 * next host cluster when the allocator gives the adjacent one.
 */
#include <errno.h>
#include <stdlib.h>
#include <zlib.h>

#include "devices/block/qcow2/qcow2.h"

struct qcow2_packer {
	struct qcow2 *q;
	z_stream zs;
	u8 *out;      /* compressed data, one cluster */
	u64 cur, end; /* free bytes [cur, end) of the area */
	u64 fresh;    /* first cluster of it nobody uses yet */
};

int qcow2_packer_new(struct qcow2 *q, struct qcow2_packer **out)
{
	struct qcow2_packer *p = calloc(1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	p->q = q;
	p->out = malloc(q->cluster_size);
	if (!p->out || deflateInit2(&p->zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED,
				    -12, 9, Z_DEFAULT_STRATEGY) != Z_OK) {
		free(p->out);
		free(p);
		return -ENOMEM;
	}
	*out = p;
	return 0;
}

void qcow2_packer_free(struct qcow2_packer *p)
{
	if (!p)
		return;
	deflateEnd(&p->zs);
	free(p->out);
	free(p);
}

/* Deflate @buf; the length, or 0 when it does not fit in a cluster. */
static u64 squeeze_cluster(struct qcow2_packer *p, const void *buf)
{
	u64 cs = p->q->cluster_size;

	if (deflateReset(&p->zs) != Z_OK)
		return 0;
	p->zs.next_in = (u8 *)buf;
	p->zs.avail_in = cs;
	p->zs.next_out = p->out;
	p->zs.avail_out = cs;
	if (deflate(&p->zs, Z_FINISH) != Z_STREAM_END)
		return 0;
	return cs - p->zs.avail_out;
}

/* Room for @len bytes at p->cur, allocating (adjacent) clusters. */
static int make_room(struct qcow2_packer *p, u64 len)
{
	u64 cs = p->q->cluster_size, next;
	int ret;

	while (p->end - p->cur < len) {
		ret = qcow2_alloc_cluster(p->q, &next);
		if (ret)
			return ret;
		if (next != p->end || !p->end)
			p->cur = next; /* not adjacent: start afresh */
		p->end = next + cs;
		if (next == p->cur)
			p->fresh = next;
	}
	return 0;
}

/* One more reference to each host cluster [off, off + len) touches. */
static int count_refs(struct qcow2_packer *p, u64 off, u64 len)
{
	u32 bits = p->q->h.cluster_bits;
	u64 c;
	int ret;

	for (c = off >> bits; c <= (off + len - 1) >> bits; c++) {
		if ((c << bits) >= p->fresh) {
			p->fresh = (c + 1) << bits; /* its allocation counted */
			continue;
		}
		ret = qcow2_refcount_inc(p->q, c);
		if (ret)
			return ret;
	}
	return 0;
}

int qcow2_write_compressed(struct qcow2_packer *p, u64 voff, const void *buf)
{
	struct qcow2 *q = p->q;
	u32 x = 62 - (q->h.cluster_bits - 8);
	struct qcow2_cache_entry *e;
	struct qcow2_map m;
	u64 len, l2i, nsec;
	int ret;

	ret = qcow2_map(q, voff, &m);
	if (ret)
		return ret;
	if (m.kind != QCOW2_UNALLOC || m.l2e)
		return -EEXIST;
	len = squeeze_cluster(p, buf);
	if (!len || len >= q->cluster_size - 512)
		return qcow2_write_cluster(q, voff, buf, q->cluster_size);
	ret = make_room(p, len);
	if (!ret)
		ret = count_refs(p, p->cur, len);
	if (!ret)
		ret = qcow2_pwrite_full(q->fd, p->out, len, p->cur);
	if (!ret)
		ret = qcow2_l2_for_write(q, voff, &e, &l2i);
	if (ret)
		return ret;
	nsec = ((p->cur + len - 1) >> 9) - (p->cur >> 9) + 1;
	qcow2_put64(e->data + l2i * 8,
		    QCOW2_COMPRESSED | (nsec - 1) << x | p->cur);
	e->dirty = true;
	p->cur += len;
	return 0;
}
