// SPDX-License-Identifier: MIT
/*
 * Ordered write-back of qcow2 metadata (see the rules in qcow2.h). Each
 * fdatasync below is a barrier between a thing and a reference to it:
 *   refcount blocks  | refcount table, header  | (data, refcounts durable)
 *   L2 tables        | L1 table                 | (references durable)
 *   deferred refcount decrements, written back and synced.
 * Costs: a flush with no new metadata is one fdatasync; one that added
 * L2 entries is two; new L2 tables or refcount blocks add one each.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "devices/block/qcow2/qcow2.h"

int qcow2_sync(struct qcow2 *q)
{
	if (q->no_sync)
		return 0;
	return fdatasync(q->fd) ? -errno : 0;
}

int qcow2_write_table(struct qcow2 *q, const u64 *t, u64 n, u64 off)
{
	u8 *buf = malloc(n * 8);
	u64 i;
	int ret;

	if (!buf)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		qcow2_put64(buf + i * 8, t[i]);
	ret = qcow2_pwrite_full(q->fd, buf, n * 8, off);
	free(buf);
	return ret;
}

int qcow2_flush_refcounts(struct qcow2 *q)
{
	int ret = qcow2_cache_write_dirty(q, &q->rbc);

	if (ret)
		return ret;
	if (q->rt_dirty) {
		ret = qcow2_sync(q);
		if (!ret)
			ret = qcow2_write_table(q, q->rt, q->rt_entries,
						q->h.rt_off);
		if (ret)
			return ret;
		q->rt_dirty = false;
	}
	return qcow2_sync(q);
}

static int flush_mappings(struct qcow2 *q)
{
	int ret;

	if (!qcow2_cache_has_dirty(&q->l2c) && !q->l1_dirty)
		return 0;
	ret = qcow2_cache_write_dirty(q, &q->l2c);
	if (ret)
		return ret;
	if (q->l1_dirty) {
		ret = qcow2_sync(q);
		if (!ret)
			ret = qcow2_write_table(q, q->l1, q->h.l1_size,
						q->h.l1_off);
		if (ret)
			return ret;
		q->l1_dirty = false;
	}
	return qcow2_sync(q);
}

int qcow2_flush(struct qcow2 *q)
{
	int ret;

	if (!q->writable)
		return 0;
	ret = qcow2_flush_refcounts(q);
	if (!ret)
		ret = flush_mappings(q);
	if (ret || !q->nr_frees)
		return ret;
	ret = qcow2_apply_frees(q);
	if (!ret)
		ret = qcow2_flush_refcounts(q);
	return ret;
}

/* Clear autoclear bits we do not maintain before the first write. */
int qcow2_write_header(struct qcow2 *q)
{
	u8 buf[QCOW2_V3_HEADER_LEN];
	int ret;

	qcow2_build_header(&q->h, buf);
	ret = qcow2_pwrite_full(q->fd, buf,
				q->h.version == 2 ? QCOW2_V2_HEADER_LEN :
						    QCOW2_V3_HEADER_LEN,
				0);
	return ret ? ret : qcow2_sync(q);
}
