/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_MEMBUF_H
#define SQUEEZE_MEMBUF_H

#include "vmm/base/types.h"

/*
 * A growable byte buffer in memory, for files squeeze writes without a
 * file (the exec spec, the initramfs). Appends fail with -ENOMEM and then
 * leave the buffer as it was; membuf_free() in every case.
 */
struct membuf {
	u8 *data;
	size_t len;
	size_t cap;
};

int membuf_append(struct membuf *b, const void *data, size_t len);
/* @s with its terminating NUL. */
int membuf_append_str0(struct membuf *b, const char *s);
/* Zero bytes up to a multiple of @align. */
int membuf_pad(struct membuf *b, size_t align);
void membuf_free(struct membuf *b);

#endif
