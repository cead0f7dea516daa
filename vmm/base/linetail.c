// SPDX-License-Identifier: MIT
/*
 * The last lines of a byte stream, kept in a ring of fixed-width lines
 * for a post-mortem (linetail.h).
 */
#include <string.h>

#include "vmm/base/linetail.h"

void linetail_add(struct linetail *t, const u8 *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (buf[i] == '\r')
			continue;
		if (buf[i] == '\n') {
			t->line[t->next][t->len] = 0;
			t->next = (t->next + 1) % LINETAIL_LINES;
			t->len = 0;
			if (t->done < LINETAIL_LINES - 1)
				t->done++;
			continue;
		}
		if (t->len < LINETAIL_WIDTH - 1)
			t->line[t->next][t->len++] = (char)buf[i];
	}
	t->line[t->next][t->len] = 0;
}

const char *linetail_get(const struct linetail *t, unsigned int i)
{
	unsigned int n = t->done + (t->len > 0);

	if (i >= n)
		return NULL;
	return t->line[(t->next + LINETAIL_LINES - t->done + i) %
		       LINETAIL_LINES];
}
