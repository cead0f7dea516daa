// SPDX-License-Identifier: MIT
/* The --stats latency histogram (see hist.h). */
#include "vmm/base/hist.h"

static unsigned int bucket_of(u64 v)
{
	unsigned int msb, b;

	if (v < HIST_EXACT)
		return v;
	msb = 63 - __builtin_clzll(v);
	if (msb >= HIST_MAX_BIT)
		return HIST_BUCKETS - 1;
	/* msb >= 4: the three bits below it pick one of eight. */
	b = HIST_EXACT + (msb - 4) * HIST_SUB + ((v >> (msb - 3)) & 7);
	return MIN(b, HIST_BUCKETS - 1);
}

/* The middle of bucket @b's range. */
static u64 bucket_mid(unsigned int b)
{
	unsigned int msb, sub;
	u64 lo, width;

	if (b < HIST_EXACT)
		return b;
	msb = (b - HIST_EXACT) / HIST_SUB + 4;
	sub = (b - HIST_EXACT) % HIST_SUB;
	width = 1ULL << (msb - 3);
	lo = (1ULL << msb) + sub * width;
	return lo + width / 2;
}

void hist_add(struct hist *h, u64 v)
{
	u64 *c = &h->count[bucket_of(v)];

	__atomic_store_n(c, *c + 1, __ATOMIC_RELAXED);
}

u64 hist_total(const struct hist *h)
{
	u64 n = 0;
	unsigned int i;

	for (i = 0; i < HIST_BUCKETS; i++)
		n += __atomic_load_n(&h->count[i], __ATOMIC_RELAXED);
	return n;
}

u64 hist_percentile(const struct hist *h, unsigned int pct)
{
	u64 total = hist_total(h), rank, seen = 0;
	unsigned int i;

	if (!total)
		return 0;
	/* The smallest value with at least pct% of them at or below it. */
	rank = (total * pct + 99) / 100;
	if (!rank)
		rank = 1;
	for (i = 0; i < HIST_BUCKETS; i++) {
		seen += __atomic_load_n(&h->count[i], __ATOMIC_RELAXED);
		if (seen >= rank)
			return bucket_mid(i);
	}
	return bucket_mid(HIST_BUCKETS - 1);
}
