/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_TRACE_INT_H
#define SQUEEZE_TRACE_INT_H

/* Between trace.c (lines, tracks) and trace_json.c (the file). */

#include "vmm/core/trace.h"

#define TRACE_TRACK_NAME 16 /* a thread's name, as the kernel keeps it */

/* One thread's track in the file: its name and its "tid". */
struct trace_track {
	char name[TRACE_TRACK_NAME];
	unsigned int id;
	struct trace_track *next;
};

/* The file's buffer and its first events (trace_init()). 0 or -ENOMEM. */
int trace_json_start(struct trace *t, u32 classes);

/* A new track: its thread_name metadata. Called with t->lock held. */
void trace_json_track(struct trace *t, const struct trace_track *k);

/* An instant event on track @tid. */
void trace_json_instant(struct trace *t, unsigned int tid, const char *kind,
			const struct trace_note *n, u64 now);

#endif
