/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_LOG_H
#define SQUEEZE_LOG_H

#include <stdarg.h>
#include <stdio.h>

#include "vmm/base/types.h"

/*
 * Logging goes to stderr, prefixed "squeeze: ". Library code logs and
 * returns errors; only vmm/main.c exits.
 */
void pr_msg(const char *level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define pr_err(...)  pr_msg("error", __VA_ARGS__)
#define pr_warn(...) pr_msg("warning", __VA_ARGS__)
#define pr_info(...) pr_msg(NULL, __VA_ARGS__)

/*
 * For guest-triggered conditions that may repeat: each object (device)
 * keeps a mask of the problems it has reported. Returns true the first
 * time @bit is set in @mask, so that object logs each kind of problem
 * once; another object still logs its own. Safe from any thread.
 */
static inline bool warn_once(u32 *mask, u32 bit)
{
	return !(__atomic_fetch_or(mask, bit, __ATOMIC_RELAXED) & bit);
}

#endif
