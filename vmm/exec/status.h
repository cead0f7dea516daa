/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_EXEC_STATUS_H
#define SQUEEZE_EXEC_STATUS_H

#include <stddef.h>

/*
 * The exit-status protocol of `squeeze exec`, following `docker run` and
 * timeout(1). The exec init writes one line to the squeeze.status port:
 *
 *	exit N		the command exited with N (0-255)	-> N
 *	signal N	signal N killed it			-> 128 + N
 *	exec E CMD	exec failed with errno E: ENOENT	-> 127
 *			anything else (not executable)		-> 126
 *	fail WHY	the init itself failed			-> 125
 *
 * and squeeze adds 124 for --timeout and 125 for its own failures, a
 * guest kernel panic (a reset before the status), and a guest that
 * stopped without a status.
 */

#define EXEC_TIMEOUT  124
#define EXEC_FAILED   125
#define EXEC_NOEXEC   126
#define EXEC_NOTFOUND 127

/*
 * The exit status a status line stands for; a line that is not one of
 * the above gives EXEC_FAILED. @why gets one line for squeeze to print
 * (empty when the command's own status needs no words).
 */
int exec_status_parse(const char *line, size_t len, char *why, size_t wlen);

#endif
