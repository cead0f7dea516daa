// SPDX-License-Identifier: MIT
/*
 * --trace-file: the events in the Chrome trace-event format (the JSON
 * Object Format: {"traceEvents": [...]}), which Perfetto and
 * chrome://tracing open. Every thread is a track ("tid"), named with a
 * thread_name metadata event when it first shows up; times are in
 * microseconds since squeeze started. Spans are complete events ("X"),
 * backend requests asynchronous ones ("b"/"e", matched by id), the rest
 * instant events ("i").
 *
 * Events are appended to one buffer under the trace lock and written out
 * with write() when it fills and at the end; the file is opened before
 * the VM runs, so a sandboxed thread only ever writes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmm/base/clock.h"
#include "vmm/base/log.h"
#include "vmm/core/trace_int.h"

#define BUF_SIZE  (256 * 1024)
#define EVENT_MAX (3 * TRACE_NOTE_LEN + 256)

/*
 * Write out what the buffer holds. t->lock held. Before the file is there
 * the buffer keeps what it can: a set-up that fills it loses the rest.
 */
static void flush(struct trace *t)
{
	size_t done = 0;
	ssize_t n;

	if (t->fd < 0)
		return;
	while (done < t->len) {
		n = write(t->fd, t->buf + done, t->len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (!t->failed)
				pr_warn("--trace-file: write failed: %s; events are lost",
					n < 0 ? strerror(errno) : "no space");
			t->failed = true;
			break;
		}
		done += n;
	}
	t->len = 0;
}

/* Append one event (no separator). t->lock held. */
static void append_locked(struct trace *t, const char *ev, size_t len)
{
	if (t->len + len + 2 > BUF_SIZE)
		flush(t);
	if (t->len + len + 2 > BUF_SIZE) {
		t->dropped = true;
		return;
	}
	if (!t->first) {
		memcpy(t->buf + t->len, ",\n", 2);
		t->len += 2;
	}
	t->first = false;
	memcpy(t->buf + t->len, ev, len);
	t->len += len;
}

static void append(struct trace *t, const char *ev, int len)
{
	if (len <= 0 || len >= EVENT_MAX)
		return;
	pthread_mutex_lock(&t->lock);
	if (t->buf)
		append_locked(t, ev, len);
	pthread_mutex_unlock(&t->lock);
}

/* @s as the inside of a JSON string, cut to fit @cap. */
static void json_str(char *dst, size_t cap, const char *s)
{
	size_t o = 0;

	for (; s && *s && o + 7 < cap; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\') {
			dst[o++] = '\\';
			dst[o++] = c;
		} else if (c < 0x20 || c == 0x7f) {
			o += snprintf(dst + o, cap - o, "\\u%04x", c);
		} else {
			dst[o++] = c;
		}
	}
	dst[o] = '\0';
}

/* Microseconds since time 0 with three decimals, exactly from ns. */
static void json_us(char *dst, size_t cap, u64 ns)
{
	snprintf(dst, cap, "%llu.%03llu", (unsigned long long)(ns / 1000),
		 (unsigned long long)(ns % 1000));
}

void trace_json_track(struct trace *t, const struct trace_track *k)
{
	char ev[256], name[64];
	int len;

	if (!t->buf)
		return;
	json_str(name, sizeof(name), k->name);
	len = snprintf(ev, sizeof(ev),
		       "{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":%d,"
		       "\"tid\":%u,\"args\":{\"name\":\"%s\"}}",
		       getpid(), k->id, name);
	append_locked(t, ev, len);
	/* vCPUs on top, in order, then the I/O threads, then main. */
	len = snprintf(
		ev, sizeof(ev),
		"{\"name\":\"thread_sort_index\",\"ph\":\"M\",\"pid\":%d,"
		"\"tid\":%u,\"args\":{\"sort_index\":%u}}",
		getpid(), k->id,
		strstr(k->name, "vcpu") ? k->id : 1000 + k->id);
	append_locked(t, ev, len);
}

void trace_json_instant(struct trace *t, unsigned int tid, const char *kind,
			const struct trace_note *n, u64 now)
{
	char ev[EVENT_MAX], text[2 * TRACE_NOTE_LEN], ts[32], file[128];

	json_str(text, sizeof(text), n->text);
	json_str(file, sizeof(file), n->file);
	json_us(ts, sizeof(ts), trace_ns(t, now));
	append(t, ev,
	       snprintf(
		       ev, sizeof(ev),
		       "{\"name\":\"%s\",\"cat\":\"%s\",\"ph\":\"i\",\"s\":\"t\","
		       "\"ts\":%s,\"pid\":%d,\"tid\":%u,"
		       "\"args\":{\"text\":\"%s\",\"file\":\"%s\"}}",
		       kind, trace_class_name(n->cls), ts, getpid(), tid, text,
		       file));
}

/*
 * A span event of phase @ph ("X", "b", "e") on the calling thread's
 * track: @extra holds its phase-specific fields (",\"dur\":..." or
 * ",\"id\":...").
 */
static void span_event(struct trace *t, const char *ph, const char *cat,
		       const char *name, u64 when, const char *extra,
		       const char *detail)
{
	char ev[EVENT_MAX], nm[96], text[2 * TRACE_NOTE_LEN], ts[32];
	const char *who;
	unsigned int tid = trace_track_id(t, &who);

	json_str(nm, sizeof(nm), name);
	json_str(text, sizeof(text), detail);
	json_us(ts, sizeof(ts), trace_ns(t, when));
	append(t, ev,
	       snprintf(ev, sizeof(ev),
			"{\"name\":\"%s\",\"cat\":\"%s\",\"ph\":\"%s\","
			"\"ts\":%s%s,\"pid\":%d,\"tid\":%u,"
			"\"args\":{\"detail\":\"%s\"}}",
			nm, cat, ph, ts, extra, getpid(), tid, text));
}

void trace_span(struct trace *t, const char *cat, const char *name, u64 start,
		u64 end, const char *detail)
{
	char dur[48], us[32];

	if (!trace_file_on(t))
		return;
	json_us(us, sizeof(us), end > start ? end - start : 0);
	snprintf(dur, sizeof(dur), ",\"dur\":%s", us);
	span_event(t, "X", cat, name, start, dur, detail);
}

void trace_async(struct trace *t, const char *cat, const char *name, u64 id,
		 u64 when, bool begin, const char *detail)
{
	char extra[48];

	if (!trace_file_on(t))
		return;
	snprintf(extra, sizeof(extra), ",\"id\":\"0x%llx\"",
		 (unsigned long long)id);
	span_event(t, begin ? "b" : "e", cat, name, when, extra, detail);
}

int trace_json_start(struct trace *t, u32 classes)
{
	static const char head[] = "{\"traceEvents\":[\n";
	char ev[256];
	int len;

	t->buf = malloc(BUF_SIZE);
	if (!t->buf)
		return -ENOMEM;
	t->file_classes = classes;
	memcpy(t->buf, head, sizeof(head) - 1);
	t->len = sizeof(head) - 1;
	len = snprintf(ev, sizeof(ev),
		       "{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":%d,"
		       "\"args\":{\"name\":\"squeeze\"}}",
		       getpid());
	append(t, ev, len);
	return 0;
}

void trace_attach_file(struct trace *t, int fd)
{
	pthread_mutex_lock(&t->lock);
	t->fd = fd;
	if (t->dropped)
		pr_warn("--trace-file: set-up events were lost (the buffer filled)");
	flush(t);
	pthread_mutex_unlock(&t->lock);
}

void trace_close(struct trace *t)
{
	static const char tail[] = "\n],\"displayTimeUnit\":\"ms\"}\n";
	struct trace_track *k, *next;

	if (!t->have_key)
		return; /* never initialised */
	if (t->buf && t->fd >= 0) {
		pthread_mutex_lock(&t->lock);
		if (t->len + sizeof(tail) > BUF_SIZE)
			flush(t);
		memcpy(t->buf + t->len, tail, sizeof(tail) - 1);
		t->len += sizeof(tail) - 1;
		flush(t);
		pthread_mutex_unlock(&t->lock);
		close(t->fd);
		t->fd = -1;
	}
	free(t->buf);
	t->buf = NULL;
	for (k = t->tracks; k; k = next) {
		next = k->next;
		free(k);
	}
	t->tracks = NULL;
	pthread_key_delete(t->key);
	t->have_key = false;
	pthread_mutex_destroy(&t->lock);
	t->classes = t->file_classes = 0;
}
