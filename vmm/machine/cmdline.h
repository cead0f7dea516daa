/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_CMDLINE_H
#define SQUEEZE_CMDLINE_H

#include "vmm/base/err.h"
#include "vmm/base/types.h"

/*
 * The kernel command line: the user's (DEFAULT_CMDLINE when @user is
 * NULL) followed by what squeeze's devices need, @extra (NULL-terminated
 * "key=value" or "flag" words). A word is left out when the user's line
 * already sets the same key, so the user always wins. Writes at most
 * @size bytes including the NUL. Returns 0, or -E2BIG with @err set when
 * the result does not fit.
 */
int cmdline_build(char *out, size_t size, const char *user,
		  const char *const *extra, struct err *err);

/* Does @line contain the parameter whose key is that of @word? */
bool cmdline_has_key(const char *line, const char *word);

#endif
