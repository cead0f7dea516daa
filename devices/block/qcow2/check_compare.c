// SPDX-License-Identifier: MIT
/*
 * The check's second pass: the refcounts the image stores against the
 * references counted, cluster by cluster, then the COPIED flags of the
 * active L1 and L2 tables against the stored refcounts. Each mismatch is
 * reported, counted, and (when asked and provable) queued for repair.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "devices/block/qcow2/check_int.h"

/* Load the refcount block of table index @ti into c->rb. */
static void load_block(struct qcow2_ck *c, u64 ti)
{
	u64 e = c->rt[ti], off = e & ~QCOW2_RT_RESERVED;

	c->rb_ti = ti;
	c->rb_bad = false;
	c->rb_none = !off;
	if (!off)
		return;
	if ((e & QCOW2_RT_RESERVED) || (off & (c->cs - 1)) ||
	    qcow2_pread_full(c->fd, c->rb, c->cs, off))
		c->rb_bad = true;
}

/*
 * A refcount block past the end of the file reads as zeros, so its
 * counts look too low; a repair would write it there and grow the file
 * by as much as the entry says (terabytes, sparse). It is never written.
 */
bool ck_rb_in_file(const struct qcow2_ck *c, u64 ti)
{
	u64 off = c->rt[ti] & ~QCOW2_RT_RESERVED;

	return off && off / c->cs < c->nb_clusters;
}

int ck_stored_rc(struct qcow2_ck *c, u64 cluster, u64 *rc, bool *covered)
{
	u64 ti = cluster >> c->rb_bits;

	*rc = 0;
	*covered = false;
	if (ti >= c->rt_entries)
		return 0;
	if (ti != c->rb_ti)
		load_block(c, ti);
	if (c->rb_bad)
		return -EIO;
	if (c->rb_none)
		return 0;
	*covered = true;
	*rc = qcow2_rc_read(c->rb, c->h.refcount_order,
			    cluster & ((1ULL << c->rb_bits) - 1));
	return 0;
}

static void leak(struct qcow2_ck *c, u64 k, u64 stored, u64 refs)
{
	if (c->fix & QCOW2_FIX_LEAKS) {
		if (!ck_add_rc_fix(c, k, refs))
			return; /* counted when written */
	}
	if (refs)
		ck_report(
			c, QCOW2_CK_LEAK,
			"leak: cluster %llu has refcount %llu but %llu references",
			(unsigned long long)k, (unsigned long long)stored,
			(unsigned long long)refs);
	else
		ck_report(
			c, QCOW2_CK_LEAK,
			"leak: cluster %llu has refcount %llu but no reference",
			(unsigned long long)k, (unsigned long long)stored);
	c->res->leaks++;
}

/* Why a refcount that is too low cannot be raised, or NULL. */
static const char *unprovable(struct qcow2_ck *c, u64 k, bool covered)
{
	if (covered && !ck_rb_in_file(c, k >> c->rb_bits))
		return "its refcount block is outside the file";
	if (c->kind[k] & CK_OVERLAP)
		return "its references overlap metadata";
	if (c->kind[k] & CK_DUBIOUS)
		return "an unaligned entry names it";
	if (!covered)
		return "no refcount block covers it";
	return NULL;
}

static void too_low(struct qcow2_ck *c, u64 k, u64 stored, u64 refs,
		    bool covered)
{
	const char *why = unprovable(c, k, covered);

	if ((c->fix & QCOW2_FIX_ERRORS) && !why && !ck_add_rc_fix(c, k, refs))
		return; /* counted when written */
	ck_report(
		c, QCOW2_CK_CORRUPT,
		"corrupt: cluster %llu (%s) has refcount %llu but %llu reference%s",
		(unsigned long long)k, ck_kind_name(c->kind[k] & CK_KIND_MASK),
		(unsigned long long)stored, (unsigned long long)refs,
		refs == 1 ? "" : "s");
	c->res->corruptions++;
	if ((c->fix & QCOW2_FIX_ERRORS) && why)
		ck_report(c, QCOW2_CK_REFUSED,
			  "refused: not repairing cluster %llu: %s",
			  (unsigned long long)k, why);
}

void ck_compare(struct qcow2_ck *c)
{
	u64 k, stored, refs, highest = 0, bad_ti = ~0ULL;
	bool covered;

	c->rb_ti = ~0ULL;
	for (k = 0; k < c->nb_clusters; k++) {
		if (ck_stored_rc(c, k, &stored, &covered)) {
			if (c->rb_ti != bad_ti) {
				bad_ti = c->rb_ti;
				ck_report(
					c, QCOW2_CK_ERROR,
					"cannot read the refcount block of table index %llu",
					(unsigned long long)bad_ti);
				c->res->check_errors++;
			}
			continue;
		}
		refs = c->ref[k];
		if (stored || refs)
			highest = k;
		if (stored == refs)
			continue;
		if (stored > refs)
			leak(c, k, stored, refs);
		else
			too_low(c, k, stored, refs, covered);
	}
	c->res->image_end_offset = (highest + 1) * c->cs;
}

/*
 * The flag must say "refcount is 1" exactly. Repaired only where the
 * stored refcount equals the counted references (nothing else uses it).
 * @l2i ~0: the entry is L1 index @l1i itself.
 */
static void copied_entry(struct qcow2_ck *c, u64 e, u64 entry_off, u64 cluster,
			 u64 l1i, u64 l2i)
{
	bool copied = e & QCOW2_COPIED, covered;
	char what[64];
	u64 rc;

	if (ck_stored_rc(c, cluster, &rc, &covered))
		return; /* reported by the comparison */
	if ((rc == 1) == copied)
		return;
	if ((c->fix & QCOW2_FIX_ERRORS) && cluster < c->nb_clusters &&
	    rc == c->ref[cluster] && !(c->kind[cluster] & CK_DUBIOUS) &&
	    !ck_add_entry_fix(c, entry_off,
			      rc == 1 ? e | QCOW2_COPIED : e & ~QCOW2_COPIED))
		return;
	if (l2i == ~0ULL)
		snprintf(what, sizeof(what), "L1 index %llu",
			 (unsigned long long)l1i);
	else
		snprintf(what, sizeof(what), "L2 entry %llu of L1 index %llu",
			 (unsigned long long)l2i, (unsigned long long)l1i);
	ck_report(
		c, QCOW2_CK_CORRUPT,
		"corrupt: %s %s the COPIED flag but cluster %llu has refcount %llu",
		what, copied ? "has" : "lacks", (unsigned long long)cluster,
		(unsigned long long)rc);
	c->res->corruptions++;
}

static int copied_l2(struct qcow2_ck *c, u64 l1i, u64 l2off)
{
	u64 i, e, off, n = 1ULL << c->l2_bits;
	int ret;

	ret = qcow2_pread_full(c->fd, c->table, c->cs, l2off);
	if (ret) {
		ck_report(c, QCOW2_CK_ERROR,
			  "cannot read the L2 table of L1 index %llu",
			  (unsigned long long)l1i);
		c->res->check_errors++;
		return ret;
	}
	for (i = 0; i < n; i++) {
		e = qcow2_get64(c->table + i * 8);
		off = e & QCOW2_OFFSET_MASK;
		if ((e & QCOW2_COMPRESSED) || !off)
			continue;
		copied_entry(c, e, l2off + i * 8, off >> c->h.cluster_bits, l1i,
			     i);
	}
	return 0;
}

int ck_check_copied(struct qcow2_ck *c)
{
	u64 i, e, l2off;
	int ret;

	c->rb_ti = ~0ULL;
	for (i = 0; i < c->h.l1_size; i++) {
		e = c->l1[i];
		l2off = e & QCOW2_OFFSET_MASK;
		if (!l2off)
			continue;
		copied_entry(c, e, c->h.l1_off + i * 8,
			     l2off >> c->h.cluster_bits, i, ~0ULL);
		ret = copied_l2(c, i, l2off);
		if (ret)
			return ret;
	}
	return 0;
}
