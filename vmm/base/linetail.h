/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_LINETAIL_H
#define SQUEEZE_LINETAIL_H

#include "vmm/base/types.h"

/*
 * The last lines of a byte stream (a guest's serial console), for a
 * post-mortem: LINETAIL_LINES lines of at most LINETAIL_WIDTH - 1 bytes
 * (longer ones are cut), carriage returns dropped. Not thread safe: one
 * writer, and readers only once it has stopped.
 */
#define LINETAIL_LINES 20
#define LINETAIL_WIDTH 256

struct linetail {
	char line[LINETAIL_LINES][LINETAIL_WIDTH];
	unsigned int next; /* the line being written */
	unsigned int done; /* complete lines held */
	size_t len;	   /* of the line being written */
};

void linetail_add(struct linetail *t, const u8 *buf, size_t len);

/* Line @i, oldest first, the unfinished one last; NULL past the end. */
const char *linetail_get(const struct linetail *t, unsigned int i);

#endif
