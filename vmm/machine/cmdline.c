// SPDX-License-Identifier: MIT
/*
 * Building the kernel command line: the user's words first, then the
 * ones squeeze's devices need unless the user already set that key.
 */
#include <errno.h>
#include <string.h>

#include "vmm/machine/cmdline.h"
#include "vmm/config/config.h"
#include "vmm/base/err.h"
#include "vmm/base/log.h"

static size_t key_len(const char *word, size_t len)
{
	const char *eq = memchr(word, '=', len);

	return eq ? (size_t)(eq - word) : len;
}

bool cmdline_has_key(const char *line, const char *word)
{
	size_t klen = key_len(word, strlen(word));
	const char *p = line;

	while (*p) {
		size_t n;

		p += strspn(p, " \t\n");
		n = strcspn(p, " \t\n");
		if (n && key_len(p, n) == klen && !memcmp(p, word, klen))
			return true;
		p += n;
	}
	return false;
}

/* Append " @s" (no space when @out is empty); false when it does not fit. */
static bool append(char *out, size_t size, size_t *used, const char *s)
{
	size_t n = strlen(s), sep = *used ? 1 : 0;

	if (*used + sep + n + 1 > size)
		return false;
	if (sep)
		out[(*used)++] = ' ';
	memcpy(out + *used, s, n + 1);
	*used += n;
	return true;
}

int cmdline_build(char *out, size_t size, const char *user,
		  const char *const *extra, struct err *err)
{
	size_t used = 0;

	if (!user)
		user = DEFAULT_CMDLINE;
	if (!size)
		return err_input(err, -E2BIG,
				 "no room for a command line");
	out[0] = '\0';
	if (*user && !append(out, size, &used, user))
		goto too_long;
	for (; extra && *extra; extra++) {
		if (cmdline_has_key(user, *extra))
			continue;
		if (!append(out, size, &used, *extra))
			goto too_long;
	}
	return 0;
too_long:
	out[0] = '\0';
	return err_input(err, -E2BIG,
			 "the kernel command line is longer than %zu bytes",
			 size - 1);
}
