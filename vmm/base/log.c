// SPDX-License-Identifier: MIT
/*
 * Messages to stderr with the "squeeze: " prefix.
 */
#include <stdarg.h>
#include <stdio.h>

#include "vmm/base/log.h"

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
