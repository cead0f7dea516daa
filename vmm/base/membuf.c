// SPDX-License-Identifier: MIT
/*
 * A growable byte buffer in memory (membuf.h): appends that leave the
 * buffer as it was when they fail.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/base/membuf.h"

static int grow(struct membuf *b, size_t more)
{
	size_t cap = b->cap ? b->cap : 4096;
	u8 *p;

	if (b->len + more < b->len)
		return -ENOMEM;
	while (cap < b->len + more) {
		if (cap > SIZE_MAX / 2)
			return -ENOMEM;
		cap *= 2;
	}
	if (cap == b->cap)
		return 0;
	p = realloc(b->data, cap);
	if (!p)
		return -ENOMEM;
	b->data = p;
	b->cap = cap;
	return 0;
}

int membuf_append(struct membuf *b, const void *data, size_t len)
{
	int ret = grow(b, len);

	if (ret)
		return ret;
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	return 0;
}

int membuf_append_str0(struct membuf *b, const char *s)
{
	return membuf_append(b, s, strlen(s) + 1);
}

int membuf_pad(struct membuf *b, size_t align)
{
	static const u8 zero[16];
	size_t n = ALIGN_UP(b->len, align) - b->len;

	return n > sizeof(zero) ? -EINVAL : membuf_append(b, zero, n);
}

void membuf_free(struct membuf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}
