/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_SIZE_H
#define SQUEEZE_SIZE_H

#include "vmm/base/types.h"

/*
 * Parse a byte count: decimal digits, optionally followed by one of
 * K, M, G, T (or lower case; binary units, 1K = 1024). Returns 0 or
 * -EINVAL for anything else (empty, signs, spaces, junk after the
 * suffix) and -ERANGE when the value does not fit in 64 bits.
 */
int parse_size(const char *s, u64 *out);

/* Format @bytes as the shortest exact "<n>K/M/G/T" (or bytes) into @buf. */
void format_size(u64 bytes, char *buf, size_t len);

#endif
