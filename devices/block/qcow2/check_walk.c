// SPDX-License-Identifier: MIT
/*
 * The check's first pass: count every reference the image makes to each
 * host cluster, in the order and by the rules check.h describes. Each
 * cluster also remembers what referenced it first, so that a cluster
 * used as metadata and as something else is named as an overlap.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/block/qcow2/check_int.h"

#define SNAP_HEADER_LEN 40
#define MAX_SNAPSHOTS	65536
#define MAX_SNAP_TABLE	(64 * MiB)

/* Who references a region: a kind and up to two indexes for messages. */
struct ck_ref {
	enum ck_kind kind;
	u64 a, b;
	bool dubious; /* from an unaligned entry or table */
};

static void describe(const struct ck_ref *r, char *buf, size_t len)
{
	unsigned long long a = r->a, b = r->b;

	switch (r->kind) {
	case CK_L2:
		snprintf(buf, len, "the L2 table of L1 index %llu", a);
		break;
	case CK_DATA:
	case CK_COMPRESSED:
		snprintf(buf, len, "%s of L2 entry %llu of L1 index %llu",
			 ck_kind_name(r->kind), b, a);
		break;
	case CK_RB:
		snprintf(buf, len, "the refcount block of table index %llu", a);
		break;
	case CK_SNAP_L1:
		snprintf(buf, len, "the L1 table of snapshot %llu", a);
		break;
	default:
		snprintf(buf, len, "%s", ck_kind_name(r->kind));
	}
}

/* Kinds that may legitimately share a cluster with their own kind. */
static bool shareable(enum ck_kind k)
{
	return k == CK_DATA || k == CK_COMPRESSED || k == CK_L2;
}

static bool is_data(enum ck_kind k)
{
	return k == CK_DATA || k == CK_COMPRESSED;
}

static void overlap(struct qcow2_ck *c, u64 k, const char *holds,
		    const struct ck_ref *r)
{
	char what[96];

	c->kind[k] |= CK_OVERLAP;
	describe(r, what, sizeof(what));
	ck_report(c, QCOW2_CK_NOTE,
		  "overlap: cluster %llu (0x%llx) holds %s and is also %s",
		  (unsigned long long)k, (unsigned long long)(k * c->cs), holds,
		  what);
}

/*
 * A second user of cluster @k. Data on a table is found with the
 * engine's metadata map (the test it makes before writing guest data),
 * whichever was counted first; two tables, or a table and anything
 * else, by what used the cluster first.
 */
static void note_share(struct qcow2_ck *c, u64 k, const struct ck_ref *r)
{
	enum ck_kind prev = c->kind[k] & CK_KIND_MASK;
	char table[80];

	if (c->kind[k] & CK_OVERLAP)
		return;
	if ((is_data(prev) && is_data(r->kind)) ||
	    (prev == r->kind && shareable(prev)))
		return;
	if (is_data(r->kind) && qcow2_meta_test(&c->eng, k * c->cs)) {
		qcow2_meta_name(&c->eng, k * c->cs, table, sizeof(table));
		overlap(c, k, table, r);
	} else {
		overlap(c, k, ck_kind_name(prev), r);
	}
}

/* Data counted first on a cluster the engine knows as a table. */
static void data_on_table(struct qcow2_ck *c, u64 k, const struct ck_ref *r)
{
	char table[80];

	if (!is_data(r->kind) || (c->kind[k] & CK_OVERLAP) ||
	    !qcow2_meta_test(&c->eng, k * c->cs))
		return;
	qcow2_meta_name(&c->eng, k * c->cs, table, sizeof(table));
	overlap(c, k, table, r);
}

/* One reference to the bytes [off, off + len). */
static void count(struct qcow2_ck *c, u64 off, u64 len, const struct ck_ref *r)
{
	u64 k, last, max = MIN(c->refmax, (u64)UINT32_MAX);
	char what[96];

	if (!len)
		return;
	/* A partly written last cluster is fine; a whole one past is not. */
	if (off >= QCOW2_MAX_SIZE || off + len >= c->file_size + c->cs) {
		describe(r, what, sizeof(what));
		ck_report(
			c, QCOW2_CK_CORRUPT,
			"corrupt: %s is at 0x%llx (%llu bytes), past the end of the file (%llu bytes)",
			what, (unsigned long long)off, (unsigned long long)len,
			(unsigned long long)c->file_size);
		c->res->corruptions++;
		return;
	}
	last = (off + len - 1) / c->cs;
	for (k = off / c->cs; k <= last && k <= c->nb_clusters; k++) {
		if (c->ref[k] >= max) {
			ck_report(
				c, QCOW2_CK_CORRUPT,
				"corrupt: cluster %llu has more references than a refcount can hold",
				(unsigned long long)k);
			c->res->corruptions++;
			continue;
		}
		if (c->ref[k]) {
			note_share(c, k, r);
		} else {
			c->kind[k] = r->kind;
			data_on_table(c, k, r);
		}
		if (r->dubious)
			c->kind[k] |= CK_DUBIOUS;
		c->ref[k]++;
	}
}

static void count_one(struct qcow2_ck *c, u64 off, u64 len, enum ck_kind kind,
		      u64 a, u64 b, bool dubious)
{
	struct ck_ref r = { .kind = kind, .a = a, .b = b, .dubious = dubious };

	count(c, off, len, &r);
}

/* Entry @i of the L2 table of L1 index @l1i; *@next for fragmentation. */
static void walk_l2_entry(struct qcow2_ck *c, u64 e, u64 l1i, u64 i,
			  u64 table_off, bool active, bool dubious, u64 *next)
{
	struct qcow2_check_result *res = c->res;
	u64 off, len;

	if (e & QCOW2_COMPRESSED) {
		if (e & QCOW2_COPIED) {
			ck_report(
				c, QCOW2_CK_CORRUPT,
				"corrupt: L2 entry %llu of L1 index %llu: a compressed cluster with the COPIED flag",
				(unsigned long long)i, (unsigned long long)l1i);
			res->corruptions++;
			e &= ~QCOW2_COPIED;
			if (c->fix & QCOW2_FIX_ERRORS)
				ck_add_entry_fix(c, table_off + i * 8, e);
		}
		qcow2_compressed_parse(c->h.cluster_bits, e, &off, &len);
		count_one(c, off, len, CK_COMPRESSED, l1i, i, dubious);
		if (active) {
			res->allocated_clusters++;
			res->compressed_clusters++;
			res->fragmented_clusters++;
		}
		return;
	}
	if (e & QCOW2_L2_RESERVED) {
		ck_report(
			c, QCOW2_CK_CORRUPT,
			"corrupt: L2 entry %llu of L1 index %llu: reserved bits set (0x%llx)",
			(unsigned long long)i, (unsigned long long)l1i,
			(unsigned long long)e);
		res->corruptions++;
	}
	off = e & QCOW2_OFFSET_MASK;
	if (!off)
		return; /* unallocated, or a plain zero cluster */
	if (active) {
		res->allocated_clusters++;
		if (*next && off != *next)
			res->fragmented_clusters++;
		*next = off + c->cs;
	}
	if (off & (c->cs - 1)) {
		ck_report(
			c, QCOW2_CK_CORRUPT,
			"corrupt: L2 entry %llu of L1 index %llu: %s cluster at 0x%llx is not cluster aligned",
			(unsigned long long)i, (unsigned long long)l1i,
			e & QCOW2_ZERO ? "preallocated zero" : "data",
			(unsigned long long)off);
		res->corruptions++;
		dubious = true;
	}
	count_one(c, off, c->cs, CK_DATA, l1i, i, dubious);
}

static void walk_l2(struct qcow2_ck *c, u64 l2off, u64 l1i, bool active,
		    bool dubious)
{
	u64 i, next = 0, n = 1ULL << c->l2_bits;
	int ret;

	ret = qcow2_pread_full(c->fd, c->table, c->cs, l2off);
	if (ret) {
		ck_report(
			c, QCOW2_CK_ERROR,
			"cannot read the L2 table of L1 index %llu at 0x%llx: %s",
			(unsigned long long)l1i, (unsigned long long)l2off,
			strerror(-ret));
		c->res->check_errors++;
		return;
	}
	for (i = 0; i < n; i++)
		walk_l2_entry(c, qcow2_get64(c->table + i * 8), l1i, i, l2off,
			      active, dubious, &next);
}

/* One L1 table: the active one (@snap ~0) or a snapshot's. */
static void walk_l1(struct qcow2_ck *c, const u64 *l1, u64 l1_size, u64 l1_off,
		    u64 snap)
{
	bool active = snap == ~0ULL, unaligned;
	u64 i, e, l2off;

	if (!l1_size)
		return;
	if (active)
		count_one(c, l1_off, l1_size * 8, CK_L1, 0, 0, false);
	else
		count_one(c, l1_off, l1_size * 8, CK_SNAP_L1, snap, 0, false);
	for (i = 0; i < l1_size; i++) {
		e = l1[i];
		l2off = e & QCOW2_OFFSET_MASK;
		/* Flags alone still name a table, at offset 0. */
		if (!e)
			continue;
		if (e & QCOW2_L1_RESERVED) {
			ck_report(
				c, QCOW2_CK_CORRUPT,
				"corrupt: L1 index %llu%s: reserved bits set (0x%llx)",
				(unsigned long long)i,
				active ? "" : " of a snapshot",
				(unsigned long long)e);
			c->res->corruptions++;
		}
		unaligned = l2off & (c->cs - 1);
		count_one(c, l2off, c->cs, CK_L2, i, 0, unaligned);
		if (unaligned) {
			ck_report(
				c, QCOW2_CK_CORRUPT,
				"corrupt: L1 index %llu: L2 table at 0x%llx is not cluster aligned",
				(unsigned long long)i,
				(unsigned long long)l2off);
			c->res->corruptions++;
		}
		walk_l2(c, l2off, i, active, unaligned);
	}
}

static int walk_snapshot(struct qcow2_ck *c, u64 idx, const u8 *sh)
{
	u64 l1_off = qcow2_get64(sh);
	u64 l1_size = qcow2_get32(sh + 8);
	u64 *l1;
	int ret;

	if (l1_off & (c->cs - 1)) {
		ck_report(
			c, QCOW2_CK_CORRUPT,
			"corrupt: snapshot %llu: L1 table at 0x%llx is not cluster aligned",
			(unsigned long long)idx, (unsigned long long)l1_off);
		c->res->corruptions++;
		return 0;
	}
	if (l1_size * 8 > QCOW2_MAX_L1_BYTES) {
		ck_report(
			c, QCOW2_CK_CORRUPT,
			"corrupt: snapshot %llu: L1 table of %llu entries is too large",
			(unsigned long long)idx, (unsigned long long)l1_size);
		c->res->corruptions++;
		return 0;
	}
	ret = qcow2_load_table(c->fd, l1_off, l1_size, &l1);
	if (ret)
		return ret;
	walk_l1(c, l1, l1_size, l1_off, idx);
	free(l1);
	return 0;
}

/* Walk each snapshot's tables; c->snap_size ends as the table's bytes. */
static int walk_snapshots(struct qcow2_ck *c)
{
	u64 pos = c->h.snapshots_off, i, extra, id, name;
	u8 sh[SNAP_HEADER_LEN];
	int ret;

	if (c->h.nb_snapshots > MAX_SNAPSHOTS)
		return -EFBIG;
	for (i = 0; i < c->h.nb_snapshots; i++) {
		if (pos + SNAP_HEADER_LEN > c->file_size ||
		    pos - c->h.snapshots_off > MAX_SNAP_TABLE)
			return -EINVAL;
		ret = qcow2_pread_full(c->fd, sh, sizeof(sh), pos);
		if (ret)
			return ret;
		extra = qcow2_get32(sh + 36);
		id = (u16)(sh[12] << 8 | sh[13]);
		name = (u16)(sh[14] << 8 | sh[15]);
		if (extra > 1024)
			return -EINVAL;
		ret = walk_snapshot(c, i, sh);
		if (ret)
			return ret;
		pos += ALIGN_UP(SNAP_HEADER_LEN + extra + id + name, 8);
	}
	if (pos > c->file_size)
		return -EINVAL;
	c->snap_size = pos - c->h.snapshots_off;
	return 0;
}

/* Each refcount block is referenced by the table, and only once. */
static void walk_refblocks(struct qcow2_ck *c)
{
	u64 i, e, off;

	for (i = 0; i < c->rt_entries; i++) {
		e = c->rt[i];
		off = e & ~QCOW2_RT_RESERVED;
		if (e & QCOW2_RT_RESERVED) {
			ck_report(
				c, QCOW2_CK_CORRUPT,
				"corrupt: refcount table entry %llu: reserved bits set (0x%llx)",
				(unsigned long long)i, (unsigned long long)e);
			c->res->corruptions++;
			continue;
		}
		if (off & (c->cs - 1)) {
			ck_report(
				c, QCOW2_CK_CORRUPT,
				"corrupt: refcount table entry %llu: block at 0x%llx is not cluster aligned",
				(unsigned long long)i, (unsigned long long)off);
			c->res->corruptions++;
			continue;
		}
		if (off / c->cs >= c->nb_clusters) {
			ck_report(
				c, QCOW2_CK_CORRUPT,
				"corrupt: refcount table entry %llu: block at 0x%llx is outside the file",
				(unsigned long long)i, (unsigned long long)off);
			c->res->corruptions++;
			continue;
		}
		if (!off)
			continue;
		count_one(c, off, c->cs, CK_RB, i, 0, false);
		if (c->ref[off / c->cs] != 1) {
			ck_report(
				c, QCOW2_CK_CORRUPT,
				"corrupt: the refcount block of table index %llu at 0x%llx has %u references",
				(unsigned long long)i, (unsigned long long)off,
				c->ref[off / c->cs]);
			c->res->corruptions++;
		}
	}
}

int ck_count_refs(struct qcow2_ck *c)
{
	int ret;

	count_one(c, 0, c->cs, CK_HEADER, 0, 0, false);
	walk_l1(c, c->l1, c->h.l1_size, c->h.l1_off, ~0ULL);
	ret = walk_snapshots(c);
	if (ret)
		return ret;
	count_one(c, c->h.snapshots_off, c->snap_size, CK_SNAPTAB, 0, 0, false);
	count_one(c, c->h.rt_off, c->rt_entries * 8, CK_RT, 0, 0, false);
	walk_refblocks(c);
	return 0;
}
