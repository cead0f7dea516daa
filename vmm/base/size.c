// SPDX-License-Identifier: MIT
/*
 * Byte counts on the command line: "256M" to bytes and back.
 */
#include <errno.h>
#include <stdio.h>

#include "vmm/base/size.h"

static int suffix_shift(char c)
{
	switch (c) {
	case 'k':
	case 'K':
		return 10;
	case 'm':
	case 'M':
		return 20;
	case 'g':
	case 'G':
		return 30;
	case 't':
	case 'T':
		return 40;
	default:
		return -1;
	}
}

int parse_size(const char *s, u64 *out)
{
	u64 v = 0;
	int shift = 0;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	for (; *s >= '0' && *s <= '9'; s++) {
		unsigned int d = *s - '0';

		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	if (*s) {
		shift = suffix_shift(*s);
		if (shift < 0 || s[1])
			return -EINVAL;
		if (v > (UINT64_MAX >> shift))
			return -ERANGE;
	}
	*out = v << shift;
	return 0;
}

void format_size(u64 bytes, char *buf, size_t len)
{
	static const char units[] = "KMGT";
	int i = -1;

	while (i < 3 && bytes && (bytes & 1023) == 0) {
		bytes >>= 10;
		i++;
	}
	if (i < 0)
		snprintf(buf, len, "%llu", (unsigned long long)bytes);
	else
		snprintf(buf, len, "%llu%c", (unsigned long long)bytes,
			 units[i]);
}
