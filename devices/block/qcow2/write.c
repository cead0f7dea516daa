// SPDX-License-Identifier: MIT
/*
 * The qcow2 write path: writes into clusters that are not yet private
 * (unallocated, zero, compressed or shared) allocate a new cluster, fill
 * it completely (copy-on-write from the old content or the backing file),
 * write it, and only then point the L2 entry at it. The old cluster's
 * refcount is decremented after the next flush made the new entry durable.
 */
#include <errno.h>
#include <string.h>

#include "devices/block/qcow2/qcow2.h"

static int entry_for_write(struct qcow2 *q, u64 voff,
			   struct qcow2_cache_entry **e, u64 *l2i,
			   struct qcow2_map *m)
{
	u64 l1i = (voff >> q->h.cluster_bits) >> q->l2_bits;
	int ret;

	if (q->corrupt)
		return -EIO;
	ret = qcow2_l2_for_write(q, voff, e, l2i);
	if (ret)
		return ret;
	return qcow2_classify(q, qcow2_get64((*e)->data + *l2i * 8), l1i, *l2i,
			      m);
}

static void set_entry(struct qcow2_cache_entry *e, u64 l2i, u64 val)
{
	qcow2_put64(e->data + l2i * 8, val);
	e->dirty = true;
}

/* Queue the decrement for whatever host clusters @m held. */
static int drop_old(struct qcow2 *q, const struct qcow2_map *m)
{
	u64 off = m->l2e & QCOW2_OFFSET_MASK, len;
	int ret;

	switch (m->kind) {
	case QCOW2_NORMAL:
		return qcow2_free_later(q, m->host, q->cluster_size);
	case QCOW2_COMPRESSED_KIND:
		ret = qcow2_compressed_span(q, m->l2e, &off, &len);
		if (ret)
			return ret;
		return qcow2_free_later(q, off, len);
	case QCOW2_ZEROES:
		/* A preallocated zero cluster still holds its host cluster. */
		if (!off)
			return 0;
		ret = qcow2_check_cluster(q, off, "zero cluster L2 entry",
					  m->l2e, ~0ULL);
		return ret ? ret : qcow2_free_later(q, off, q->cluster_size);
	case QCOW2_UNALLOC:
		break;
	}
	return 0;
}

/* A NORMAL entry without OFLAG_COPIED whose refcount is 1 is private. */
static int fix_copied(struct qcow2 *q, struct qcow2_cache_entry *e, u64 l2i,
		      struct qcow2_map *m, bool *private)
{
	u64 rc;
	int ret;

	*private = m->kind == QCOW2_NORMAL && (m->l2e & QCOW2_COPIED);
	if (m->kind != QCOW2_NORMAL || *private)
		return 0;
	ret = qcow2_refcount_get(q, m->host >> q->h.cluster_bits, &rc);
	if (ret)
		return ret;
	if (rc == 1) {
		set_entry(e, l2i, m->l2e | QCOW2_COPIED);
		*private = true;
	}
	return 0;
}

int qcow2_write_cluster(struct qcow2 *q, u64 voff, const void *buf, u64 len)
{
	u64 cs = q->cluster_size, in = voff & (cs - 1), start = voff - in;
	struct qcow2_cache_entry *e;
	struct qcow2_map m;
	const void *src;
	bool private;
	u64 l2i, new;
	int ret;

	ret = entry_for_write(q, voff, &e, &l2i, &m);
	if (!ret)
		ret = fix_copied(q, e, l2i, &m, &private);
	if (ret)
		return ret;
	if (private) {
		if (!buf) {
			memset(q->bounce, 0, len);
			buf = q->bounce;
		}
		return qcow2_pwrite_full(q->fd, buf, len, m.host + in);
	}
	if (len == cs && buf) {
		src = buf;
	} else {
		if (len != cs) {
			ret = qcow2_read_special(q, &m, start, q->bounce, cs);
			if (ret)
				return ret;
		}
		if (buf)
			memcpy(q->bounce + in, buf, len);
		else
			memset(q->bounce + in, 0, len);
		src = q->bounce;
	}
	ret = qcow2_alloc_cluster(q, &new);
	if (ret)
		return ret;
	/* Data before the L2 entry that names it. */
	ret = qcow2_pwrite_full(q->fd, src, cs, new);
	if (ret)
		return ret;
	set_entry(e, l2i, new | QCOW2_COPIED);
	return drop_old(q, &m);
}

int qcow2_commit_cluster(struct qcow2 *q, u64 voff, u64 host)
{
	struct qcow2_cache_entry *e;
	struct qcow2_map m;
	u64 l2i;
	int ret = entry_for_write(q, voff, &e, &l2i, &m);

	if (ret)
		return ret;
	/* Whatever the entry holds now (a racing write's) is replaced. */
	set_entry(e, l2i, host | QCOW2_COPIED);
	return drop_old(q, &m);
}

/* Reads as zeros already, without help from the backing file? */
static bool reads_zero(const struct qcow2 *q, const struct qcow2_map *m)
{
	return m->kind == QCOW2_ZEROES ||
	       (m->kind == QCOW2_UNALLOC && !q->backing);
}

static int zero_cluster(struct qcow2 *q, u64 voff)
{
	struct qcow2_cache_entry *e;
	struct qcow2_map m;
	u64 l2i;
	int ret;

	ret = entry_for_write(q, voff, &e, &l2i, &m);
	if (ret)
		return ret;
	if (q->h.version >= 3) {
		set_entry(e, l2i, QCOW2_ZERO);
	} else if (!q->backing) {
		set_entry(e, l2i, 0);
	} else {
		return qcow2_write_cluster(q, voff, NULL, q->cluster_size);
	}
	return drop_old(q, &m);
}

int qcow2_zero_range(struct qcow2 *q, u64 voff, u64 len)
{
	while (len) {
		u64 in = voff & (q->cluster_size - 1);
		u64 n = MIN(len, q->cluster_size - in);
		struct qcow2_map m;
		int ret;

		if (q->corrupt)
			return -EIO;
		ret = qcow2_map(q, voff, &m);
		if (ret)
			return ret;
		if (!reads_zero(q, &m)) {
			if (n == q->cluster_size)
				ret = zero_cluster(q, voff);
			else
				ret = qcow2_write_cluster(q, voff, NULL, n);
			if (ret)
				return ret;
		}
		voff += n;
		len -= n;
	}
	return 0;
}
