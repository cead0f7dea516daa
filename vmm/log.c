// SPDX-License-Identifier: MIT
/*
 * Messages to stderr with the "squeeze: " prefix, and the error buffer
 * helper library code fills instead of exiting.
 */
#include <stdarg.h>
#include <stdio.h>

#include "vmm/log.h"

void pr_msg(const char *level, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (level)
		fprintf(stderr, "squeeze: %s: %s\n", level, buf);
	else
		fprintf(stderr, "squeeze: %s\n", buf);
}

int set_err(char *err, size_t len, int ret, const char *fmt, ...)
{
	va_list ap;

	if (err && len) {
		va_start(ap, fmt);
		vsnprintf(err, len, fmt, ap);
		va_end(ap);
	}
	return ret;
}
