/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_HIST_H
#define SQUEEZE_HIST_H

/*
 * A latency histogram for --stats: values (nanoseconds) below 16 have a
 * bucket each, larger ones eight buckets per power of two, so that a
 * percentile read back is within 6% of the true value; everything from
 * 2^40 ns (18 minutes) on shares the last bucket. One thread adds (with
 * atomic stores), any thread may read: the counters are all u64, so a
 * struct that embeds one can still be copied counter by counter.
 */

#include "vmm/base/types.h"

#define HIST_EXACT   16
#define HIST_SUB     8 /* buckets per power of two */
#define HIST_MAX_BIT 40
#define HIST_BUCKETS (HIST_EXACT + (HIST_MAX_BIT - 4) * HIST_SUB + 1)

struct hist {
	u64 count[HIST_BUCKETS];
};

/* Count @v (single writer). */
void hist_add(struct hist *h, u64 v);

/* How many values were added. */
u64 hist_total(const struct hist *h);

/*
 * The value below which @pct percent of the values lie (the middle of the
 * bucket that holds that rank), or 0 when there are none.
 */
u64 hist_percentile(const struct hist *h, unsigned int pct);

#endif
