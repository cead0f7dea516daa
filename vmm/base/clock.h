/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_CLOCK_H
#define SQUEEZE_CLOCK_H

#include <time.h>

#include "vmm/base/types.h"

/* CLOCK_MONOTONIC in nanoseconds: for intervals, never for dates. */
static inline u64 clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ULL + (u64)ts.tv_nsec;
}

#endif
