// SPDX-License-Identifier: MIT
/*
 * The metadata map: one bit per host cluster that holds a live L2 table
 * (named by the L1 table) or a refcount block (named by the refcount
 * table). With the header, L1 and refcount tables (qcow2_is_meta()) it
 * answers "is this cluster metadata?" in O(1), so that a cluster whose
 * refcount wrongly says free is never handed out as data, nor written
 * through a bad L2 entry: either would let guest data land on the image's
 * own tables. Cost: one bit per cluster of the file (32 KiB per GiB of
 * file with 4 KiB clusters, 2 KiB with 64 KiB clusters).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/block/qcow2/qcow2.h"

#define BITS 64

static int grow(struct qcow2 *q, u64 cluster)
{
	u64 words = cluster / BITS + 1, n = MAX(q->meta_words * 2, words);
	u64 *m;

	if (words <= q->meta_words)
		return 0;
	m = realloc(q->meta, n * sizeof(*m));
	if (!m)
		return -ENOMEM;
	memset(m + q->meta_words, 0, (n - q->meta_words) * sizeof(*m));
	q->meta = m;
	q->meta_words = n;
	return 0;
}

int qcow2_meta_set(struct qcow2 *q, u64 off, bool on)
{
	u64 c = off >> q->h.cluster_bits;
	int ret;

	if (!on && c / BITS >= q->meta_words)
		return 0;
	ret = grow(q, c);
	if (ret)
		return ret;
	if (on)
		q->meta[c / BITS] |= 1ULL << (c % BITS);
	else
		q->meta[c / BITS] &= ~(1ULL << (c % BITS));
	return 0;
}

bool qcow2_meta_test(const struct qcow2 *q, u64 off)
{
	u64 c = off >> q->h.cluster_bits;

	if (qcow2_is_meta(q, off))
		return true;
	return c / BITS < q->meta_words &&
	       (q->meta[c / BITS] >> (c % BITS)) & 1;
}

int qcow2_meta_init(struct qcow2 *q)
{
	u64 i, off;
	int ret = 0;

	/* Only what lies in the file: anything else fails its own check. */
	for (i = 0; i < q->h.l1_size && !ret; i++) {
		off = q->l1[i] & QCOW2_OFFSET_MASK;
		if (off && off < q->file_end)
			ret = qcow2_meta_set(q, off, true);
	}
	for (i = 0; i < q->rt_entries && !ret; i++) {
		off = q->rt[i] & ~QCOW2_RT_RESERVED;
		if (off && off < q->file_end)
			ret = qcow2_meta_set(q, off, true);
	}
	return ret;
}

void qcow2_meta_name(const struct qcow2 *q, u64 off, char *buf, size_t len)
{
	u64 cs = q->cluster_size, i;

	if (off < cs) {
		snprintf(buf, len, "the image header");
		return;
	}
	if (off >= q->h.l1_off && off - q->h.l1_off < (u64)q->h.l1_size * 8) {
		snprintf(buf, len, "the L1 table");
		return;
	}
	if (off >= q->h.rt_off &&
	    off - q->h.rt_off < (u64)q->h.rt_clusters * cs) {
		snprintf(buf, len, "the refcount table");
		return;
	}
	for (i = 0; i < q->h.l1_size; i++) {
		if ((q->l1[i] & QCOW2_OFFSET_MASK) == off) {
			snprintf(buf, len, "the L2 table of L1 index %llu",
				 (unsigned long long)i);
			return;
		}
	}
	for (i = 0; i < q->rt_entries; i++) {
		if ((q->rt[i] & ~QCOW2_RT_RESERVED) == off) {
			snprintf(
				buf, len,
				"the refcount block of refcount table index %llu",
				(unsigned long long)i);
			return;
		}
	}
	snprintf(buf, len, "image metadata");
}

int qcow2_meta_overlap(struct qcow2 *q, u64 off, const char *fmt, ...)
{
	char what[128], table[80];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	qcow2_meta_name(q, off, table, sizeof(table));
	return qcow2_corrupt(
		q, "qcow2: metadata overlap: %s 0x%llx, which holds %s", what,
		(unsigned long long)off, table);
}
