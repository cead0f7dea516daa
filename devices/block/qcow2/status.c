// SPDX-License-Identifier: MIT
/*
 * Block status of a qcow2 image, seen through its backing chain: data
 * clusters (plain or compressed) are data; zero clusters, and clusters no
 * layer allocates, read as zeros and are holes. One L1 entry of 0 covers
 * a whole L2 table's range at once.
 */
#include <errno.h>

#include "devices/block/disk.h"
#include "devices/block/qcow2/qcow2.h"

/* The status of the cluster holding @off, for at most @max bytes. */
static int cluster_status(struct qcow2 *q, u64 off, u64 max, u64 *n, u32 *flags)
{
	u64 cs = q->cluster_size, l2_span = cs << q->l2_bits;
	u64 l1i = (off >> q->h.cluster_bits) >> q->l2_bits;
	struct qcow2_map m;
	int ret;

	*n = MIN(max, cs - (off & (cs - 1)));
	if (l1i >= q->h.l1_size || !(q->l1[l1i] & QCOW2_OFFSET_MASK)) {
		*n = MIN(max, l2_span - (off & (l2_span - 1)));
		m.kind = QCOW2_UNALLOC;
	} else {
		ret = qcow2_map(q, off, &m);
		if (ret)
			return ret;
	}
	switch (m.kind) {
	case QCOW2_NORMAL:
	case QCOW2_COMPRESSED_KIND:
		*flags = 0;
		return 0;
	case QCOW2_ZEROES:
		*flags = DISK_ST_HOLE | DISK_ST_ZERO;
		return 0;
	case QCOW2_UNALLOC:
		break;
	}
	if (q->backing)
		return qcow2_backing_status(q->backing, off, *n, n, flags);
	*flags = DISK_ST_HOLE | DISK_ST_ZERO;
	return 0;
}

int qcow2_block_status(struct qcow2 *q, u64 off, u64 len, u64 *run, u32 *flags)
{
	u64 n;
	u32 f;
	int ret;

	ret = cluster_status(q, off, len, run, flags);
	while (!ret && *run < len) {
		ret = cluster_status(q, off + *run, len - *run, &n, &f);
		if (ret || f != *flags)
			break;
		*run += n;
	}
	return *run ? 0 : ret;
}
