/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_LOG_H
#define SQUEEZE_LOG_H

#include <stdarg.h>
#include <stdio.h>

/*
 * Logging goes to stderr, prefixed "squeeze: ". Library code logs and
 * returns errors; only vmm/main.c exits.
 */
void pr_msg(const char *level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define pr_err(...) pr_msg("error", __VA_ARGS__)
#define pr_warn(...) pr_msg("warning", __VA_ARGS__)
#define pr_info(...) pr_msg(NULL, __VA_ARGS__)

/* Log once per call site: for guest-triggered conditions that may repeat. */
#define pr_warn_once(...)                                            \
	do {                                                         \
		static int __warned;                                 \
		if (!__atomic_exchange_n(&__warned, 1, __ATOMIC_RELAXED)) \
			pr_warn(__VA_ARGS__);                        \
	} while (0)

/* snprintf into an error buffer; returns the negative errno given. */
int set_err(char *err, size_t len, int ret, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
