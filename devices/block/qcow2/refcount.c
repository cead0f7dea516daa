// SPDX-License-Identifier: MIT
/*
 * qcow2 refcounts: reading and writing entries of any width (refcount_order
 * 0..6), allocating clusters, growing the refcount table, and decrements
 * deferred until the dropped references are durable.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "devices/block/qcow2/qcow2.h"

u64 qcow2_rc_read(const u8 *block, u32 order, u64 idx)
{
	u32 bits = 1U << order;
	u64 v = 0;
	u32 i;

	if (order < 3) {
		u64 bit = idx * bits;

		return (block[bit / 8] >> (bit % 8)) & ((1U << bits) - 1);
	}
	for (i = 0; i < bits / 8; i++)
		v = (v << 8) | block[idx * (bits / 8) + i];
	return v;
}

void qcow2_rc_write(u8 *block, u32 order, u64 idx, u64 val)
{
	u32 bits = 1U << order;
	u32 i;

	if (order < 3) {
		u64 bit = idx * bits;
		u8 mask = ((1U << bits) - 1) << (bit % 8);

		block[bit / 8] =
			(block[bit / 8] & ~mask) | ((val << (bit % 8)) & mask);
		return;
	}
	for (i = bits / 8; i-- > 0; val >>= 8)
		block[idx * (bits / 8) + i] = val & 0xff;
}

static u64 rc_max(const struct qcow2 *q)
{
	u32 bits = 1U << q->h.refcount_order;

	return bits == 64 ? ~0ULL : (1ULL << bits) - 1;
}

/* The refcount block for @cluster, or NULL in @e when none exists yet. */
static int block_for(struct qcow2 *q, u64 cluster, struct qcow2_cache_entry **e)
{
	u64 ti = cluster >> q->rb_bits;
	u64 off;
	int ret;

	*e = NULL;
	if (ti >= q->rt_entries || !q->rt[ti])
		return 0;
	off = q->rt[ti];
	ret = qcow2_check_cluster(q, off & ~QCOW2_RT_RESERVED,
				  "refcount table entry", ti, ~0ULL);
	if (ret)
		return ret;
	if (off & QCOW2_RT_RESERVED)
		return qcow2_corrupt(
			q,
			"qcow2: refcount table entry %llu has reserved bits set",
			(unsigned long long)ti);
	return qcow2_rb_get(q, off, e);
}

int qcow2_refcount_get(struct qcow2 *q, u64 cluster, u64 *rc)
{
	struct qcow2_cache_entry *e;
	int ret = block_for(q, cluster, &e);

	if (ret)
		return ret;
	*rc = e ? qcow2_rc_read(e->data, q->h.refcount_order,
				cluster & ((1ULL << q->rb_bits) - 1)) :
		  0;
	return 0;
}

int qcow2_refcount_set(struct qcow2 *q, u64 cluster, u64 rc)
{
	struct qcow2_cache_entry *e;
	int ret = block_for(q, cluster, &e);

	if (ret)
		return ret;
	if (!e)
		return qcow2_corrupt(
			q, "qcow2: no refcount block for cluster %llu",
			(unsigned long long)cluster);
	if (rc > rc_max(q))
		return -EOVERFLOW;
	qcow2_rc_write(e->data, q->h.refcount_order,
		       cluster & ((1ULL << q->rb_bits) - 1), rc);
	e->dirty = true;
	return 0;
}

/* Header, L1 table and refcount table are never handed out as free. */
static bool is_fixed_meta(const struct qcow2 *q, u64 cluster)
{
	return qcow2_is_meta(q, cluster << q->h.cluster_bits);
}

/*
 * Writes that extend a file cost the file system much more than writes
 * inside it, so the file grows ahead in sparse steps; close trims it.
 */
#define GROW_STEP (64 * MiB)

static void note_end(struct qcow2 *q, u64 off)
{
	if (off > q->file_end)
		q->file_end = off;
	if (off > q->phys_end && !ftruncate(q->fd, ALIGN_UP(off, GROW_STEP)))
		q->phys_end = ALIGN_UP(off, GROW_STEP);
}

/*
 * A missing refcount block means every cluster it would cover is free, so
 * the new block lives in the first cluster of its own range and counts
 * itself: no recursion.
 */
static int new_block(struct qcow2 *q, u64 ti)
{
	u64 base = ti << q->rb_bits;
	u64 off = base << q->h.cluster_bits;
	struct qcow2_cache_entry *e;
	int ret;

	if (is_fixed_meta(q, base))
		return qcow2_corrupt(
			q,
			"qcow2: cluster %llu is metadata but has no refcount block",
			(unsigned long long)base);
	if (qcow2_meta_test(q, off))
		return qcow2_meta_overlap(
			q, off, "new refcount block for table index %llu at",
			(unsigned long long)ti);
	ret = qcow2_meta_set(q, off, true);
	if (!ret)
		ret = qcow2_rb_new(q, off, &e);
	if (ret)
		return ret;
	qcow2_rc_write(e->data, q->h.refcount_order, 0, 1);
	q->rt[ti] = off;
	q->rt_dirty = true;
	note_end(q, off + q->cluster_size);
	return 0;
}

/*
 * The table is full: put a refcount block and a table twice as large at the
 * start of the first range it does not cover (all free), block first, so
 * that the block counts itself and the new table. Written and synced
 * before the header names it; the old table is freed later.
 */
static int grow_table(struct qcow2 *q)
{
	u64 cs = q->cluster_size, n = q->rt_entries, r = n << q->rb_bits;
	u64 ncl = MAX((u64)q->h.rt_clusters * 2, (n * 8 + 8 + cs - 1) / cs);
	u64 old_off = q->h.rt_off, old_cl = q->h.rt_clusters, i;
	struct qcow2_cache_entry *e;
	u64 *rt;
	u8 hdr[12];
	int ret;

	if (ncl + 1 > (1ULL << q->rb_bits) || ncl * cs > QCOW2_MAX_RT_BYTES)
		return -ENOSPC;
	for (i = 0; i <= ncl; i++)
		if (qcow2_meta_test(q, (r + i) << q->h.cluster_bits))
			return qcow2_meta_overlap(
				q, (r + i) << q->h.cluster_bits,
				"growing the refcount table into");
	ret = qcow2_meta_set(q, r << q->h.cluster_bits, true);
	if (ret)
		return ret;
	rt = realloc(q->rt, ncl * cs);
	if (!rt)
		return -ENOMEM;
	memset(rt + n, 0, ncl * cs - n * 8);
	q->rt = rt;
	ret = qcow2_rb_new(q, r << q->h.cluster_bits, &e);
	if (ret)
		return ret;
	for (i = 0; i <= ncl; i++)
		qcow2_rc_write(e->data, q->h.refcount_order, i, 1);
	q->rt[n] = r << q->h.cluster_bits;
	/* The whole new table; entries past n are the zeros set above. */
	ret = qcow2_cache_write_dirty(q, &q->rbc);
	if (!ret)
		ret = qcow2_write_table(q, q->rt, ncl * cs / 8,
					(r + 1) << q->h.cluster_bits);
	if (!ret)
		ret = qcow2_sync(q);
	if (ret)
		return ret;
	q->h.rt_off = (r + 1) << q->h.cluster_bits;
	q->h.rt_clusters = ncl;
	qcow2_put64(hdr, q->h.rt_off);
	qcow2_put32(hdr + 8, q->h.rt_clusters);
	ret = qcow2_pwrite_full(q->fd, hdr, sizeof(hdr), 48);
	if (!ret)
		ret = qcow2_sync(q);
	if (ret)
		return ret;
	q->rt_entries = ncl * cs / 8;
	q->rt_dirty = false;
	note_end(q, (r + 1 + ncl) << q->h.cluster_bits);
	return qcow2_free_later(q, old_off, old_cl * cs);
}

int qcow2_alloc_cluster(struct qcow2 *q, u64 *off)
{
	u64 c = q->free_hint, rc, ti;
	int ret;

	for (;; c++) {
		ti = c >> q->rb_bits;
		if (ti >= q->rt_entries) {
			ret = grow_table(q);
			if (ret)
				return ret;
			c--;
			continue;
		}
		if (!q->rt[ti]) {
			ret = new_block(q, ti);
			if (ret)
				return ret;
			continue; /* the block took cluster c */
		}
		if (is_fixed_meta(q, c))
			continue;
		/*
		 * Nothing past the end of the file is in use, whatever a
		 * (corrupt) refcount says: this bounds the scan by the file
		 * size even if many table entries name the same full block.
		 */
		if (c >= q->file_end >> q->h.cluster_bits)
			break;
		ret = qcow2_refcount_get(q, c, &rc);
		if (ret)
			return ret;
		if (!rc)
			break;
	}
	/* Free by its refcount, but is it? A wrong count must not let guest
	 * data overwrite a table. */
	if (qcow2_meta_test(q, c << q->h.cluster_bits))
		return qcow2_meta_overlap(q, c << q->h.cluster_bits,
					  "refcount 0 for cluster");
	ret = qcow2_refcount_set(q, c, 1);
	if (ret)
		return ret;
	q->free_hint = c + 1;
	*off = c << q->h.cluster_bits;
	note_end(q, *off + q->cluster_size);
	return 0;
}

int qcow2_unalloc_cluster(struct qcow2 *q, u64 off)
{
	u64 c = off >> q->h.cluster_bits;

	if (c < q->free_hint)
		q->free_hint = c;
	return qcow2_refcount_set(q, c, 0);
}

int qcow2_free_later(struct qcow2 *q, u64 off, u64 bytes)
{
	u64 c = off >> q->h.cluster_bits;
	u64 last = (off + bytes - 1) >> q->h.cluster_bits;

	for (; c <= last; c++) {
		if (q->nr_frees == q->max_frees) {
			size_t n = q->max_frees ? q->max_frees * 2 : 64;
			u64 *f = realloc(q->frees, n * sizeof(*f));

			if (!f)
				return -ENOMEM;
			q->frees = f;
			q->max_frees = n;
		}
		q->frees[q->nr_frees++] = c;
	}
	return 0;
}

int qcow2_apply_frees(struct qcow2 *q)
{
	size_t i;
	u64 rc;
	int ret = 0;

	for (i = 0; i < q->nr_frees && !ret; i++) {
		u64 c = q->frees[i];

		ret = qcow2_refcount_get(q, c, &rc);
		if (ret)
			break;
		if (!rc) {
			ret = qcow2_corrupt(
				q,
				"qcow2: freeing cluster %llu whose refcount is 0",
				(unsigned long long)c);
			break;
		}
		ret = qcow2_refcount_set(q, c, rc - 1);
		if (!ret && rc == 1 && c < q->free_hint)
			q->free_hint = c;
	}
	q->nr_frees = 0;
	q->dbuf_l2e = 0; /* its host clusters may be reused now */
	return ret;
}

int qcow2_refcount_inc(struct qcow2 *q, u64 cluster)
{
	u64 rc;
	int ret = qcow2_refcount_get(q, cluster, &rc);

	return ret ? ret : qcow2_refcount_set(q, cluster, rc + 1);
}

int qcow2_alloc_contig(struct qcow2 *q, u64 n, u64 *off)
{
	u64 *skipped = NULL, nr_skipped = 0, max_skipped = 0, run = 0, c;
	int ret = 0;

	while (run < n) {
		ret = qcow2_alloc_cluster(q, &c);
		if (ret)
			break;
		if (run && c == *off + run * q->cluster_size) {
			run++;
			continue;
		}
		/* Not adjacent: what we have so far is given back after. */
		while (run--) {
			if (nr_skipped == max_skipped) {
				u64 m = max_skipped ? max_skipped * 2 : 64;
				u64 *s = realloc(skipped, m * sizeof(*s));

				if (!s) {
					ret = -ENOMEM;
					goto out;
				}
				skipped = s;
				max_skipped = m;
			}
			skipped[nr_skipped++] = *off + run * q->cluster_size;
		}
		*off = c;
		run = 1;
	}
out:
	while (nr_skipped--)
		qcow2_unalloc_cluster(q, skipped[nr_skipped]);
	free(skipped);
	return ret;
}
