/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_TRACE_H
#define SQUEEZE_TRACE_H

/*
 * --trace and --trace-file: the machine made visible. Every VM exit and
 * every step a device takes (a doorbell, a request popped, submitted,
 * completed, an interrupt injected, a line raised) becomes one event:
 *
 *   - with --trace[=CLASSES], one decoded line on stderr:
 *
 *	[    0.004217] vcpu0    IO         out port 0x3f8 size 1: serial0.THR <- 0x48 'H'  (devices/legacy/serial.c)
 *
 *     the time since squeeze started, the thread, the exit reason (upper
 *     case, KVM's name) or the event (lower case), what it means, and the
 *     source file that handled it;
 *   - with --trace-file PATH.json, the same events in the Chrome
 *     trace-event format (vmm/core/trace_json.c), with spans for KVM_RUN,
 *     exit handling and backend requests, one track per thread.
 *
 * Whoever emits events holds a struct trace pointer that is NULL when
 * tracing is off: the only cost then is one test of that pointer.
 * Register names come from the devices, from a name table beside each
 * register map (struct reg_name), through struct io_desc (vmm/core/bus.h).
 *
 * Events may come from any thread: each is formatted on the caller's
 * stack and written with one write(); the file's buffer has a lock.
 * Writing uses write() only, on descriptors opened before the VM runs.
 */

#include <pthread.h>
#include <stdarg.h>

#include "vmm/base/types.h"

/* What --trace=CLASSES selects. */
enum trace_class {
	TRACE_PIO = 1u << 0,	/* port I/O exits (serial, RTC, ACPI, ...) */
	TRACE_MMIO = 1u << 1,	/* MMIO exits not claimed below (IOAPIC) */
	TRACE_PCI = 1u << 2,	/* configuration space, BARs mapped */
	TRACE_VIRTIO = 1u << 3, /* virtio registers, doorbells, requests */
	TRACE_IRQ = 1u << 4,	/* lines, MSI routes, interrupts injected */
	TRACE_IO = 1u << 5,	/* backend requests: disk, tap */
	TRACE_VM = 1u << 6,	/* set-up: KVM, memory, kernel, vCPUs */
	TRACE_ALL = (1u << 7) - 1,
};

/* Stops, resets and failures: shown whatever the classes. */
#define TRACE_STOP TRACE_ALL

struct trace_track;

struct trace {
	u32 classes;	   /* lines on stderr, 0: none */
	u32 file_classes;  /* instant events in the file, 0: no file */
	int line_fd;	   /* stderr */
	int fd;		   /* the --trace-file, or -1 */
	u64 t0;		   /* clock_ns() of time 0 */
	pthread_key_t key; /* the calling thread's track */
	bool have_key;
	pthread_mutex_t lock; /* the tracks, the file's buffer */
	struct trace_track *tracks;
	unsigned int nr_tracks;
	char *buf; /* the file's events not yet written */
	size_t len;
	bool first;   /* no event in the file yet */
	bool failed;  /* a write to the file failed (said once) */
	bool dropped; /* the buffer filled before the file came */
};

/* Is anything of class @cls wanted? The test every hook makes. */
static inline bool trace_on(const struct trace *t, u32 cls)
{
	return t && ((t->classes | t->file_classes) & cls);
}

/*
 * Is there a file (spans are recorded then, whatever the classes)? Events
 * before it is open are kept in its buffer.
 */
static inline bool trace_file_on(const struct trace *t)
{
	return t && t->buf;
}

/*
 * What one event says, built by the code that knows: "serial0.THR <-
 * 0x48 'H'". @file is the source file that handled it, @cls its class;
 * a describe hook may change both.
 */
#define TRACE_NOTE_LEN 224
struct trace_note {
	char text[TRACE_NOTE_LEN];
	unsigned int len;
	const char *file;
	u32 cls;
};

void note_printf(struct trace_note *n, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/*
 * The decoders' name tables hold their names in place, as char arrays, not
 * as pointers: squeeze is a position-independent executable, and a table of
 * pointers is relocated as it starts, which costs every run (with tracing
 * off too) a private page of the tables and the relocation entries.
 */
#define FLAG_NAME_LEN 24
typedef char flag_name[FLAG_NAME_LEN];

/* " (A B C)": the names of the set bits of @bits that have one (not ""). */
void note_flags(struct trace_note *n, u64 bits, const flag_name *names,
		unsigned int nr);
/* " 'H'": a byte as C writes it ('\n', '\x1b'), after a space. */
void note_char(struct trace_note *n, u8 c);

/* One register of a device's map: @len bytes at @off. */
struct reg_name {
	u32 off;
	u32 len;
	char name[40]; /* in place: see flag_name */
};

/* The register holding byte @off, or NULL. */
const struct reg_name *reg_name_find(const struct reg_name *t, size_t n,
				     u64 off);

/*
 * "pio,mmio" (or "all") into a mask of enum trace_class; -EINVAL, with
 * *@bad pointing at the first unknown name.
 */
int trace_parse_classes(const char *s, u32 *mask, const char **bad);
/* "pio", ... for one class bit. */
const char *trace_class_name(u32 cls);

/*
 * Tracing with @classes on stderr (0: no lines) and @file_classes into the
 * file (0: no file), time 0 at @t0 (squeeze's start, so that lines and the
 * --stats timeline agree). The file's events are kept in memory until
 * trace_attach_file(). 0 or -errno.
 */
int trace_init(struct trace *t, u32 classes, u32 file_classes, u64 t0);

/*
 * The file, as Chrome trace-event JSON: what was kept so far is written to
 * @fd, and the rest as it comes; the trace owns @fd then.
 */
void trace_attach_file(struct trace *t, int fd);

/* End the file's JSON and close it; safe after a failed init. */
void trace_close(struct trace *t);

/*
 * One event of class @cls from the calling thread: a line if the class
 * was asked for, an instant event in the file. @kind is the exit reason
 * ("IO") or the event ("doorbell").
 */
void trace_event(struct trace *t, u32 cls, const char *kind, const char *file,
		 const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void trace_note(struct trace *t, const char *kind, const struct trace_note *n);

/* Nanoseconds since time 0. */
u64 trace_ns(const struct trace *t, u64 clock);

/*
 * File only: a span [@start, @end) (clock_ns() values) on the calling
 * thread's track, in category @cat ("guest", "exit", "iothread", "setup").
 * Spans on one track must nest.
 */
void trace_span(struct trace *t, const char *cat, const char *name, u64 start,
		u64 end, const char *detail);

/*
 * File only: one end of an asynchronous span (a backend request that
 * completes later), matched by @cat and @id; @begin at its start.
 */
void trace_async(struct trace *t, const char *cat, const char *name, u64 id,
		 u64 when, bool begin, const char *detail);

/* trace.c, for trace_json.c: the calling thread's track id, registered. */
unsigned int trace_track_id(struct trace *t, const char **name);

#endif
