// SPDX-License-Identifier: MIT
/*
 * --trace: classes, the decoded notes devices build, one line per event on
 * stderr, and the per-thread tracks the file's events are placed on (see
 * vmm/core/trace.h; the file itself is vmm/core/trace_json.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmm/base/clock.h"
#include "vmm/core/trace.h"
#include "vmm/core/trace_int.h"

static const char *const class_names[] = {
	"pio", "mmio", "pci", "virtio", "irq", "io", "vm",
};

const char *trace_class_name(u32 cls)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(class_names); i++)
		if (cls == 1u << i)
			return class_names[i];
	return cls == TRACE_STOP ? "stop" : "mixed";
}

int trace_parse_classes(const char *s, u32 *mask, const char **bad)
{
	const char *p = s;
	unsigned int i;
	size_t n;

	*mask = 0;
	while (*p) {
		n = strcspn(p, ",");
		for (i = 0; i < ARRAY_SIZE(class_names); i++)
			if (strlen(class_names[i]) == n &&
			    !strncmp(p, class_names[i], n))
				break;
		if (i < ARRAY_SIZE(class_names))
			*mask |= 1u << i;
		else if (n == 3 && !strncmp(p, "all", 3))
			*mask |= TRACE_ALL;
		else {
			*bad = p;
			return -EINVAL;
		}
		p += n + (p[n] == ',');
	}
	if (!*mask) {
		*bad = s;
		return -EINVAL;
	}
	return 0;
}

void note_printf(struct trace_note *n, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (n->len >= sizeof(n->text) - 1)
		return;
	va_start(ap, fmt);
	r = vsnprintf(n->text + n->len, sizeof(n->text) - n->len, fmt, ap);
	va_end(ap);
	if (r > 0)
		n->len = MIN(n->len + (unsigned int)r,
			     (unsigned int)sizeof(n->text) - 1);
}

void note_flags(struct trace_note *n, u64 bits, const flag_name *names,
		unsigned int nr)
{
	bool any = false;
	unsigned int i;

	for (i = 0; i < nr && i < 64; i++) {
		if (!(bits & (1ULL << i)) || !names[i][0])
			continue;
		note_printf(n, "%s%s", any ? " " : " (", names[i]);
		any = true;
	}
	if (any)
		note_printf(n, ")");
}

void note_char(struct trace_note *n, u8 c)
{
	static const char esc[] = {
		['\n'] = 'n', ['\r'] = 'r', ['\t'] = 't', ['\0'] = '0'
	};

	if (c < sizeof(esc) && (esc[c] || c == 0))
		note_printf(n, " '\\%c'", esc[c]);
	else if (c >= 0x20 && c < 0x7f)
		note_printf(n, c == '\'' || c == '\\' ? " '\\%c'" : " '%c'", c);
	else
		note_printf(n, " '\\x%02x'", c);
}

const struct reg_name *reg_name_find(const struct reg_name *t, size_t n,
				     u64 off)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (off >= t[i].off && off - t[i].off < t[i].len)
			return &t[i];
	return NULL;
}

int trace_init(struct trace *t, u32 classes, u32 file_classes, u64 t0)
{
	int ret;

	memset(t, 0, sizeof(*t));
	t->classes = classes;
	t->line_fd = STDERR_FILENO;
	t->fd = -1;
	t->t0 = t0;
	t->first = true;
	pthread_mutex_init(&t->lock, NULL);
	ret = pthread_key_create(&t->key, NULL);
	if (ret) {
		pthread_mutex_destroy(&t->lock);
		return -ret;
	}
	t->have_key = true;
	ret = file_classes ? trace_json_start(t, file_classes) : 0;
	if (ret)
		trace_close(t);
	return ret;
}

u64 trace_ns(const struct trace *t, u64 clock)
{
	return clock > t->t0 ? clock - t->t0 : 0;
}

/*
 * The calling thread's track: found by its name (a restarted guest's new
 * vcpu0 thread continues vcpu0's track), made on its first event.
 */
unsigned int trace_track_id(struct trace *t, const char **name)
{
	struct trace_track *k = pthread_getspecific(t->key);
	char comm[TRACE_TRACK_NAME];

	if (k) {
		*name = k->name;
		return k->id;
	}
	if (pthread_getname_np(pthread_self(), comm, sizeof(comm)))
		snprintf(comm, sizeof(comm), "thread");
	pthread_mutex_lock(&t->lock);
	for (k = t->tracks; k; k = k->next)
		if (!strcmp(k->name, comm))
			break;
	if (!k) {
		k = calloc(1, sizeof(*k));
		if (k) {
			snprintf(k->name, sizeof(k->name), "%s", comm);
			k->id = ++t->nr_tracks;
			k->next = t->tracks;
			t->tracks = k;
			trace_json_track(t, k);
		}
	}
	pthread_mutex_unlock(&t->lock);
	if (!k) {
		*name = "?";
		return 0;
	}
	pthread_setspecific(t->key, k);
	*name = k->name;
	return k->id;
}

/* "[    0.004217] vcpu0    IO         <text>  (<file>)" in one write(). */
static void trace_line(struct trace *t, const char *who, const char *kind,
		       const struct trace_note *n, u64 now)
{
	char line[TRACE_NOTE_LEN + 128];
	u64 ns = trace_ns(t, now);
	int len;

	len = snprintf(line, sizeof(line),
		       "[%5llu.%06llu] %-8s %-10s %s%s%s%s\n",
		       (unsigned long long)(ns / 1000000000ULL),
		       (unsigned long long)(ns / 1000 % 1000000), who, kind,
		       n->text, n->file ? "  (" : "", n->file ? n->file : "",
		       n->file ? ")" : "");
	if (len <= 0)
		return;
	if ((size_t)len >= sizeof(line)) {
		len = sizeof(line) - 1;
		line[len - 1] = '\n';
	}
	if (write(t->line_fd, line, len) < 0)
		return; /* stderr is gone: nothing to tell */
}

void trace_note(struct trace *t, const char *kind, const struct trace_note *n)
{
	const char *who;
	unsigned int tid;
	u64 now;

	if (!trace_on(t, n->cls))
		return;
	now = clock_ns();
	tid = trace_track_id(t, &who);
	if (t->classes & n->cls)
		trace_line(t, who, kind, n, now);
	if (t->file_classes & n->cls)
		trace_json_instant(t, tid, kind, n, now);
}

void trace_event(struct trace *t, u32 cls, const char *kind, const char *file,
		 const char *fmt, ...)
{
	struct trace_note n = { .file = file, .cls = cls };
	va_list ap;
	int r;

	if (!trace_on(t, cls))
		return;
	va_start(ap, fmt);
	r = vsnprintf(n.text, sizeof(n.text), fmt, ap);
	va_end(ap);
	n.len = r < 0 ? 0 :
			MIN((unsigned int)r, (unsigned int)sizeof(n.text) - 1);
	trace_note(t, kind, &n);
}
