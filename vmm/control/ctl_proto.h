/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_CTL_PROTO_H
#define SQUEEZE_CTL_PROTO_H

/*
 * The control protocol (docs/control.md): one JSON object per line each
 * way. A request names a command and may carry an id, echoed in the
 * reply:
 *
 *   {"id": 7, "cmd": "snapshot", "dir": "/srv/snap1", "resume": true}
 *   {"id": 7, "result": {...}}
 *   {"id": 7, "error": {"class": "input", "desc": "..."}}
 *
 * Parsing happens on the control thread; the main thread only ever sees a
 * checked struct ctl_request.
 */

#include <jansson.h>
#include <limits.h>

#include "vmm/base/err.h"

#define CTL_LINE_MAX (64 * 1024) /* a longer line is refused */

enum ctl_cmd {
	CTL_STATUS,
	CTL_PAUSE,
	CTL_RESUME,
	CTL_SHUTDOWN, /* the ACPI power button */
	CTL_POWEROFF, /* stop the VM at once */
	CTL_STATS,
	CTL_SNAPSHOT,
	CTL_NR
};

struct ctl_request {
	enum ctl_cmd cmd;
	char dir[PATH_MAX]; /* CTL_SNAPSHOT */
	bool resume;	    /* CTL_SNAPSHOT: run on afterwards */
};

/* The command's name in the protocol ("status", ...), or NULL. */
const char *ctl_cmd_name(enum ctl_cmd cmd);

/*
 * Parse one line (@len bytes, no newline). Returns 0 with @req filled, or
 * -EINVAL with @err saying why (class input). *@id is the request's id
 * (a new reference, JSON null when absent or unreadable) in both cases.
 */
int ctl_parse_request(const char *line, size_t len, struct ctl_request *req,
		      json_t **id, struct err *err);

/*
 * The reply line for @id: {"id", "result": @result} when @err is clear,
 * else {"id", "error": {"class", "desc"}}; a malloc'd string ending in
 * "\n", or NULL when out of memory. @class_name overrides the class's
 * name when not NULL (e.g. "busy").
 */
char *ctl_format_reply(json_t *id, json_t *result, const struct err *err,
		       const char *class_name);

/* "input", "host", "guest" for an error class; "busy" etc. pass through. */
const char *ctl_class_name(enum err_class c);

#endif
