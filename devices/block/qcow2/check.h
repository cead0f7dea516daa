/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_QCOW2_CHECK_H
#define SQUEEZE_QCOW2_CHECK_H

#include "devices/block/qcow2/qcow2.h"

/*
 * Checking a qcow2 image offline (`squeeze img check`): every reference
 * the image makes (header, L1 and L2 tables, data and compressed
 * clusters, refcount table and blocks, snapshots) is counted, then the
 * counts are compared with the refcounts the image stores. The counting
 * rules, and so the numbers, are those of `qemu-img check`, so that the
 * two agree on every image:
 *   - a reference to a region ending a cluster or more past the end of
 *     the file, an unaligned L2 table or data cluster, reserved bits in
 *     an L1 or refcount table entry: one corruption each;
 *   - a cluster whose stored refcount is below its references: one
 *     corruption (too low: it could be handed out again and overwritten);
 *   - a stored refcount above the references: one leak;
 *   - an L1 or L2 entry whose COPIED flag disagrees with a stored refcount
 *     of 1: one corruption.
 * On top of those counts the walk names what a count hides: a cluster
 * used both as metadata and as data, or as two tables, is reported as an
 * overlap (not counted twice).
 *
 * Repair (-r leaks, -r all) only changes what the walk proved:
 *   leaks:  a refcount above its references is lowered to them;
 *   all:    also a refcount below its references is raised to them when
 *           every reference is of one kind that may be shared (data or
 *           compressed clusters), or there is exactly one reference; and
 *           a COPIED flag is set or cleared where the stored refcount now
 *           equals the references. Then the dirty and corrupt bits are
 *           cleared if no corruption is left.
 * It refuses, and says so: overlaps between metadata and anything else,
 * references to clusters past the end of the file or unaligned ones (no
 * mapping is ever rewritten), refcounts that no refcount block covers,
 * and broken refcount table entries (it never rebuilds the refcount
 * structure).
 */

enum qcow2_finding {
	QCOW2_CK_CORRUPT, /* counted in corruptions */
	QCOW2_CK_LEAK,	  /* counted in leaks */
	QCOW2_CK_ERROR,	  /* the check itself failed somewhere */
	QCOW2_CK_NOTE,	  /* explains a count; not counted */
	QCOW2_CK_REPAIRED,
	QCOW2_CK_REFUSED, /* a repair it will not make */
};

struct qcow2_check_result {
	u64 corruptions, leaks, check_errors;
	u64 corruptions_fixed, leaks_fixed;
	u64 total_clusters, allocated_clusters;
	u64 fragmented_clusters, compressed_clusters;
	u64 image_end_offset;
	bool dirty, corrupt_bit; /* the header's bits (v3) */
};

/* Called once per finding with one line of text (no newline). */
typedef void (*qcow2_check_report_fn)(void *opaque, enum qcow2_finding f,
				      const char *msg);

#define QCOW2_FIX_LEAKS	 (1U << 0)
#define QCOW2_FIX_ERRORS (1U << 1)

struct qcow2_check_opts {
	unsigned int fix;	      /* QCOW2_FIX_* */
	qcow2_check_report_fn report; /* may be NULL */
	void *opaque;
};

/*
 * Check the qcow2 image open on @fd (read-write when @o->fix is set) and
 * fill @res. With @o->fix, repair what may be repaired, then check again:
 * @res is the second check's result plus what was fixed. 0 when the check
 * ran (whatever it found), or -errno with one line in @err when it could
 * not (not a qcow2 image, a header it cannot read, features that change
 * the meaning of the tables, out of memory).
 */
int qcow2_check(int fd, const struct qcow2_check_opts *o,
		struct qcow2_check_result *res, struct err *err);

#endif
