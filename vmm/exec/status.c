// SPDX-License-Identifier: MIT
/* The exec status line (vmm/exec/status.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/exec/status.h"

/* A decimal number in [0, max] followed by @end, or -1. */
static long number(const char *s, long max, const char **end)
{
	char *e;
	long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &e, 10);
	if (errno || v > max)
		return -1;
	*end = e;
	return v;
}

int exec_status_parse(const char *line, size_t len, char *why, size_t wlen)
{
	char buf[512];
	const char *end;
	long v;

	why[0] = 0;
	len = strnlen(line, len);
	if (!len || len >= sizeof(buf) || line[len - 1] != '\n')
		goto bad;
	memcpy(buf, line, len - 1);
	buf[len - 1] = 0;
	if (!strncmp(buf, "exit ", 5) &&
	    (v = number(buf + 5, 255, &end)) >= 0 && !*end)
		return (int)v;
	if (!strncmp(buf, "signal ", 7) &&
	    (v = number(buf + 7, 127, &end)) > 0 && !*end)
		return 128 + (int)v;
	if (!strncmp(buf, "exec ", 5) &&
	    (v = number(buf + 5, 4095, &end)) > 0 && *end == ' ') {
		snprintf(why, wlen, "%s: %s", end + 1,
			 v == ENOENT ? "command not found" : strerror((int)v));
		return v == ENOENT ? EXEC_NOTFOUND : EXEC_NOEXEC;
	}
	if (!strncmp(buf, "fail ", 5)) {
		snprintf(why, wlen, "the guest's init failed: %s", buf + 5);
		return EXEC_FAILED;
	}
bad:
	snprintf(why, wlen, "the guest reported a malformed status");
	return EXEC_FAILED;
}
