/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_ERR_H
#define SQUEEZE_ERR_H

#include "vmm/base/types.h"

/*
 * How a failure is reported up the layers: one line of text and a class.
 * The class is decided where the failure happens, by the code that knows
 * what went wrong, and it alone picks squeeze's exit status: a bad file
 * or option is the user's to fix (exit 2, nothing was created), while a
 * host that cannot give us memory, threads or KVM is not (exit 1).
 *
 * Every constructor has the same shape: the error to fill (NULL is
 * allowed and ignored), a negative errno that is also the return value,
 * then printf-style text. A later call replaces what an earlier one said,
 * so a caller may restate a callee's failure with more context.
 */
enum err_class {
	ERR_NONE = 0,
	ERR_INPUT, /* bad usage or unusable input: exit 2 */
	ERR_HOST,  /* the host failed us: exit 1 */
	ERR_GUEST, /* the guest left the VM unable to go on */
};

struct err {
	enum err_class class;
	int code;	   /* the negative errno given */
	char msg[ERR_LEN]; /* one line, no "squeeze: " prefix */
};

int err_set(struct err *e, enum err_class class, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#define err_input(e, code, ...) err_set(e, ERR_INPUT, code, __VA_ARGS__)
#define err_host(e, code, ...)	err_set(e, ERR_HOST, code, __VA_ARGS__)
#define err_guest(e, code, ...) err_set(e, ERR_GUEST, code, __VA_ARGS__)

/*
 * Put "PREFIX: " (printf-style) before what @e says, keeping its class and
 * code: which disk or device a lower layer's failure was about. Returns
 * the code.
 */
int err_prefix(struct err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* True once a failure has been recorded in @e. */
static inline bool err_is_set(const struct err *e)
{
	return e->class != ERR_NONE;
}

/* squeeze's exit status for @e: 2 for ERR_INPUT, otherwise 1. */
int err_exit_status(const struct err *e);

#endif
