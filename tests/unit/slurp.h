/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_TEST_SLURP_H
#define SQUEEZE_TEST_SLURP_H

#include <stdio.h>
#include <stdlib.h>

/* All of @path, NUL-terminated, its length in *@len; NULL if unreadable. */
static inline char *test_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0) {
		rewind(f);
		buf = malloc(n + 1);
		if (buf && fread(buf, 1, n, f) == (size_t)n) {
			buf[n] = 0;
			if (len)
				*len = n;
		} else {
			free(buf);
			buf = NULL;
		}
	}
	fclose(f);
	return buf;
}

#endif
