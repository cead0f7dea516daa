/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_QCOW2_CHECK_INT_H
#define SQUEEZE_QCOW2_CHECK_INT_H

#include "devices/block/qcow2/check.h"

/*
 * The check's own state (check.c, check_walk.c, check_compare.c,
 * check_repair.c). Nothing here goes through the engine's caches or its
 * corruption handling: a check reads every table itself, never marks the
 * image corrupt and never stops at the first bad entry.
 */

/* What first referenced a cluster; high bit: a conflicting second user. */
enum ck_kind {
	CK_FREE,
	CK_HEADER,
	CK_L1,
	CK_L2,
	CK_DATA,
	CK_COMPRESSED,
	CK_RT,
	CK_RB,
	CK_SNAPTAB,
	CK_SNAP_L1,
};
#define CK_KIND_MASK 0x0f
#define CK_OVERLAP   0x80 /* metadata shared with anything */
#define CK_DUBIOUS   0x40 /* named by an unaligned entry */

/* A refcount to store (repair). */
struct ck_rc_fix {
	u64 cluster;
	u64 rc;
};

/* An 8-byte table entry to rewrite (repair of a COPIED flag). */
struct ck_entry_fix {
	u64 off; /* in the file */
	u64 val; /* host order */
};

struct qcow2_ck {
	int fd;
	u64 file_size;
	struct qcow2_header h;
	u64 cs;
	u32 l2_bits, rb_bits;
	u64 nb_clusters; /* of the file, rounded up */
	u64 refmax;	 /* largest refcount the width holds */
	u32 *ref;	 /* computed references, per cluster */
	u8 *kind;	 /* enum ck_kind | CK_OVERLAP */
	u64 *l1;	 /* active L1 table, host order */
	u64 *rt;	 /* refcount table, host order */
	u64 rt_entries;
	/*
	 * The engine's view of the same tables: its metadata map (meta.c)
	 * says which clusters hold tables, as it does before every write,
	 * and names them. Shares l1 and rt with the fields above.
	 */
	struct qcow2 eng;
	u8 *table;     /* one cluster: an L2 table */
	u8 *rb;	       /* one cluster: a refcount block */
	u64 rb_ti;     /* its table index; ~0: none */
	bool rb_bad;   /* that entry cannot be read */
	bool rb_none;  /* no block there */
	u64 snap_size; /* bytes of the snapshot table */
	unsigned int fix;
	const struct qcow2_check_opts *o;
	struct qcow2_check_result *res;
	struct ck_rc_fix *rc_fix;
	size_t nr_rc_fix, max_rc_fix;
	struct ck_entry_fix *entry_fix;
	size_t nr_entry_fix, max_entry_fix;
};

void ck_report(struct qcow2_ck *c, enum qcow2_finding f, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
const char *ck_kind_name(enum ck_kind k);

/* check_walk.c: count every reference (and note overlaps). */
int ck_count_refs(struct qcow2_ck *c);
/* check_compare.c */
/* Whether refcount table entry @ti names a block inside the file. */
bool ck_rb_in_file(const struct qcow2_ck *c, u64 ti);
/*
 * The stored refcount of @cluster (0 where no refcount block covers it:
 * *@covered false): 0, or -EIO when its block cannot be read.
 */
int ck_stored_rc(struct qcow2_ck *c, u64 cluster, u64 *rc, bool *covered);
/* Stored against counted refcounts; collects refcount repairs. */
void ck_compare(struct qcow2_ck *c);
/* COPIED flags of the active tables; collects flag repairs. */
int ck_check_copied(struct qcow2_ck *c);
/* check_repair.c: queue a repair (0, or -ENOMEM: not queued). */
int ck_add_rc_fix(struct qcow2_ck *c, u64 cluster, u64 rc);
int ck_add_entry_fix(struct qcow2_ck *c, u64 off, u64 val);
/* Write the queued refcounts: raised ones first, then lowered ones. */
int ck_repair_refcounts(struct qcow2_ck *c);
/* Write the queued table entries (COPIED flags). */
int ck_repair_entries(struct qcow2_ck *c);
/* Clear the dirty and corrupt bits of a v3 header. */
int ck_clear_bits(struct qcow2_ck *c);

#endif
