// SPDX-License-Identifier: MIT
/* Recording a failure with its class (see vmm/base/err.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "vmm/base/err.h"

int err_set(struct err *e, enum err_class class, int code, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return code;
	e->class = class;
	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return code;
}

int err_prefix(struct err *e, const char *fmt, ...)
{
	char prefix[ERR_LEN], line[2 * ERR_LEN + 2];
	va_list ap;

	if (!e)
		return 0;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	snprintf(line, sizeof(line), "%s: %s", prefix, e->msg);
	memcpy(e->msg, line, sizeof(e->msg) - 1);
	e->msg[sizeof(e->msg) - 1] = '\0';
	return e->code;
}

int err_exit_status(const struct err *e)
{
	return e->class == ERR_INPUT ? 2 : 1;
}
