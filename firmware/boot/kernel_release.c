// SPDX-License-Identifier: MIT
/*
 * The release a kernel image was built as ("6.1.0-57-cloud-amd64"), which
 * names its /lib/modules directory. A bzImage points at its version
 * string from the setup header (kernel_version, boot protocol 2.00+); an
 * ELF vmlinux carries the "Linux version " banner in its data.
 */
#include <string.h>

#include "firmware/boot/boot.h"

#define BANNER "Linux version "

/* Copy the first word at @s (at most @max bytes away) into @out. */
static bool first_word(const u8 *s, u64 max, char *out, size_t len)
{
	size_t n = 0;

	while (n < max && n + 1 < len && s[n] > ' ' && s[n] < 0x7f) {
		out[n] = (char)s[n];
		n++;
	}
	out[n] = 0;
	return n > 0 && n + 1 < len;
}

bool kernel_release(const u8 *data, u64 size, char *out, size_t len)
{
	const u8 *p;
	u64 off;

	if (size >= 0x210 && !memcmp(data + 0x202, "HdrS", 4)) {
		off = 0x200 + (data[0x20e] | data[0x20f] << 8);
		if (data[0x20e] | data[0x20f] && off < size &&
		    first_word(data + off, size - off, out, len))
			return true;
	}
	p = memmem(data, size, BANNER, strlen(BANNER));
	if (!p)
		return false;
	off = p - data + strlen(BANNER);
	return first_word(data + off, size - off, out, len);
}
