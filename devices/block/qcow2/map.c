// SPDX-License-Identifier: MIT
/*
 * Guest -> host cluster mapping through the L1 table and cached L2 tables.
 * Every offset read from the image is checked here before anyone uses it;
 * a bad one marks the image corrupt and fails the request with -EIO.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "devices/block/qcow2/qcow2.h"
#include "vmm/base/log.h"

int qcow2_corrupt(struct qcow2 *q, const char *fmt, ...)
{
	char msg[256];
	u8 bits[8];
	va_list ap;

	if (q->corrupt)
		return -EIO; /* logged already */
	q->corrupt = true;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pr_err("%s; image treated as corrupt, no further writes", msg);
	/* As QEMU does: the corrupt bit keeps it from being opened for
	 * writing again until `qemu-img check -r` repaired it. */
	if (q->writable && q->h.version >= 3) {
		q->h.incompat |= QCOW2_INCOMPAT_CORRUPT;
		qcow2_put64(bits, q->h.incompat);
		if (qcow2_pwrite_full(q->fd, bits, 8, 72) || qcow2_sync(q))
			pr_err("qcow2: cannot set the corrupt bit");
	}
	return -EIO;
}

static bool overlaps(u64 a, u64 alen, u64 b, u64 blen)
{
	return a < b + blen && b < a + alen;
}

bool qcow2_is_meta(const struct qcow2 *q, u64 off)
{
	u64 cs = q->cluster_size;

	return off < cs ||
	       overlaps(off, cs, q->h.l1_off, (u64)q->h.l1_size * 8) ||
	       overlaps(off, cs, q->h.rt_off, (u64)q->h.rt_clusters * cs);
}

int qcow2_check_cluster(struct qcow2 *q, u64 off, const char *what, u64 idx,
			u64 idx2)
{
	u64 cs = q->cluster_size;
	const char *why = NULL;
	char where[48] = "";

	if (!IS_ALIGNED(off, cs))
		why = "unaligned";
	else if (off > q->file_end || q->file_end - off < cs)
		why = "outside the file";
	else if (qcow2_is_meta(q, off))
		why = "into the image's own header or tables";
	if (!why)
		return 0;
	if (idx2 != ~0ULL)
		snprintf(where, sizeof(where), " of L1 index %llu",
			 (unsigned long long)idx2);
	return qcow2_corrupt(q, "qcow2: %s %llu%s points at 0x%llx %s", what,
			     (unsigned long long)idx, where,
			     (unsigned long long)off, why);
}

static int l2_table_off(struct qcow2 *q, u64 l1i, u64 *off)
{
	u64 l1e = q->l1[l1i];

	*off = l1e & QCOW2_OFFSET_MASK;
	if (l1e & QCOW2_L1_RESERVED)
		return qcow2_corrupt(
			q, "qcow2: L1 table entry %llu has reserved bits set",
			(unsigned long long)l1i);
	if (!*off)
		return 0;
	return qcow2_check_cluster(q, *off, "L1 table entry", l1i, ~0ULL);
}

int qcow2_classify(struct qcow2 *q, u64 l2e, u64 l1i, u64 l2i,
		   struct qcow2_map *m)
{
	u64 off, len;
	int ret;

	m->l2e = l2e;
	if (l2e & QCOW2_COMPRESSED) {
		m->kind = QCOW2_COMPRESSED_KIND;
		return qcow2_compressed_span(q, l2e, &off, &len);
	}
	if (l2e & QCOW2_L2_RESERVED)
		return qcow2_corrupt(
			q,
			"qcow2: L2 table entry %llu of L1 index %llu has reserved bits set",
			(unsigned long long)l2i, (unsigned long long)l1i);
	off = l2e & QCOW2_OFFSET_MASK;
	if (l2e & QCOW2_ZERO) {
		if (q->h.version < 3)
			return qcow2_corrupt(
				q,
				"qcow2: L2 table entry %llu of L1 index %llu is a zero cluster in a v2 image",
				(unsigned long long)l2i,
				(unsigned long long)l1i);
		m->kind = QCOW2_ZEROES;
		return 0;
	}
	if (!off) {
		if (l2e & QCOW2_COPIED)
			return qcow2_corrupt(
				q,
				"qcow2: L2 table entry %llu of L1 index %llu names host offset 0",
				(unsigned long long)l2i,
				(unsigned long long)l1i);
		m->kind = QCOW2_UNALLOC;
		return 0;
	}
	m->kind = QCOW2_NORMAL;
	m->host = off;
	ret = qcow2_check_cluster(q, off, "L2 table entry", l2i, l1i);
	if (!ret && qcow2_meta_test(q, off))
		ret = qcow2_meta_overlap(
			q, off,
			"L2 table entry %llu of L1 index %llu points at",
			(unsigned long long)l2i, (unsigned long long)l1i);
	return ret;
}

int qcow2_map(struct qcow2 *q, u64 voff, struct qcow2_map *m)
{
	u64 ci = voff >> q->h.cluster_bits;
	u64 l1i = ci >> q->l2_bits, l2i = ci & ((1ULL << q->l2_bits) - 1);
	struct qcow2_cache_entry *e;
	u64 l2off;
	int ret;

	m->kind = QCOW2_UNALLOC;
	m->l2e = 0;
	if (l1i >= q->h.l1_size)
		return 0;
	ret = l2_table_off(q, l1i, &l2off);
	if (ret || !l2off)
		return ret;
	ret = qcow2_l2_get(q, l2off, &e);
	if (ret)
		return ret;
	return qcow2_classify(q, qcow2_get64(e->data + l2i * 8), l1i, l2i, m);
}

/* A shared L2 table (refcount > 1) gets a private copy before a write. */
static int cow_l2(struct qcow2 *q, u64 l1i, u64 old)
{
	struct qcow2_cache_entry *e;
	u64 rc, new;
	int ret;

	ret = qcow2_refcount_get(q, old >> q->h.cluster_bits, &rc);
	if (ret)
		return ret;
	if (rc == 1) {
		q->l1[l1i] |= QCOW2_COPIED;
		q->l1_dirty = true;
		return 0;
	}
	ret = qcow2_l2_get(q, old, &e);
	if (ret)
		return ret;
	memcpy(q->bounce, e->data, q->cluster_size);
	ret = qcow2_alloc_cluster(q, &new);
	if (ret)
		return ret;
	ret = qcow2_l2_new(q, new, &e);
	if (ret)
		return ret;
	memcpy(e->data, q->bounce, q->cluster_size);
	q->l1[l1i] = new | QCOW2_COPIED;
	q->l1_dirty = true;
	qcow2_meta_set(q, old, false);
	ret = qcow2_meta_set(q, new, true);
	return ret ? ret : qcow2_free_later(q, old, q->cluster_size);
}

int qcow2_l2_for_write(struct qcow2 *q, u64 voff, struct qcow2_cache_entry **e,
		       u64 *idx)
{
	u64 ci = voff >> q->h.cluster_bits;
	u64 l1i = ci >> q->l2_bits;
	u64 off;
	int ret;

	*idx = ci & ((1ULL << q->l2_bits) - 1);
	if (l1i >= q->h.l1_size)
		return -EINVAL;
	ret = l2_table_off(q, l1i, &off);
	if (ret)
		return ret;
	if (!off) {
		ret = qcow2_alloc_cluster(q, &off);
		if (ret)
			return ret;
		q->l1[l1i] = off | QCOW2_COPIED;
		q->l1_dirty = true;
		ret = qcow2_meta_set(q, off, true);
		return ret ? ret : qcow2_l2_new(q, off, e);
	}
	if (!(q->l1[l1i] & QCOW2_COPIED)) {
		ret = cow_l2(q, l1i, off);
		if (ret)
			return ret;
		off = q->l1[l1i] & QCOW2_OFFSET_MASK;
	}
	return qcow2_l2_get(q, off, e);
}

void qcow2_compressed_parse(u32 cluster_bits, u64 l2e, u64 *off, u64 *len)
{
	u32 x = 62 - (cluster_bits - 8);
	u64 nsec = ((l2e & ~(QCOW2_COPIED | QCOW2_COMPRESSED)) >> x) + 1;

	*off = l2e & ((1ULL << x) - 1);
	*len = nsec * 512 - (*off & 511);
}

int qcow2_compressed_span(struct qcow2 *q, u64 l2e, u64 *off, u64 *len)
{
	qcow2_compressed_parse(q->h.cluster_bits, l2e, off, len);
	if (*off < q->cluster_size || *off >= QCOW2_MAX_SIZE ||
	    *off > q->file_end || q->file_end - *off < *len ||
	    *len > 2 * q->cluster_size)
		return qcow2_corrupt(
			q,
			"qcow2: compressed cluster at 0x%llx (%llu bytes) outside the file",
			(unsigned long long)*off, (unsigned long long)*len);
	return 0;
}
