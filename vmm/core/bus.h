/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_BUS_H
#define SQUEEZE_BUS_H

#include <pthread.h>

#include "vmm/base/types.h"
#include "vmm/core/trace.h"

/* One guest access, as --trace and --stats see it. */
struct io_access {
	u64 addr; /* the port or guest-physical address */
	u64 off;  /* from the range's base */
	u32 len;
	bool write;
	u64 val; /* written, or read back */
};

/*
 * Who handles a range, for --trace and --stats: the device's name, the
 * source file of its handlers, its trace class, and what an access means
 * in the words of its register map. Optional: a range without one is
 * "?" in the tables and the trace.
 */
struct io_desc {
	const char *file; /* __FILE__ of the handlers */
	u32 trace_class;  /* enum trace_class */
	const char *name; /* "serial0", unless name_of is set */
	const char *(*name_of)(void *opaque);
	/*
	 * Append "<name>.<register> <- <value> (<meaning>)" to @n; may set
	 * n->file (another file handles that register) and n->cls. Runs
	 * after the access, on the same thread, only while tracing.
	 */
	void (*describe)(void *opaque, const struct io_access *a,
			 struct trace_note *n);
};

/*
 * A register handler: @off is relative to the registered base. Handlers run
 * on the vCPU thread that exited (or on the in-process test driver) and
 * must return at once.
 */
struct io_ops {
	void (*read)(void *opaque, u64 off, void *data, u32 len);
	void (*write)(void *opaque, u64 off, const void *data, u32 len);
	const struct io_desc *desc;
};

/* The device name of a range's handler: desc->name_of(), desc->name, "?". */
const char *io_ops_name(const struct io_ops *ops, void *opaque);

struct bus_range {
	u64 base;
	u64 len;
	const struct io_ops *ops;
	void *opaque;
};

#define BUS_MAX_RANGES 64

/*
 * An address space (port I/O or MMIO): ranges sorted by base, never
 * overlapping. Registration may happen while vCPUs run (PCI BARs move), so
 * lookups take the read side of a lock and the handler runs outside it.
 */
struct bus {
	const char *name;
	pthread_rwlock_t lock;
	struct bus_range range[BUS_MAX_RANGES];
	unsigned int nr;
	u64 unhandled; /* accesses no range claimed */
};

void bus_init(struct bus *bus, const char *name);
void bus_destroy(struct bus *bus);

/* -EEXIST on overlap, -EINVAL on an empty or wrapping range, -ENOSPC. */
int bus_register(struct bus *bus, u64 base, u64 len, const struct io_ops *ops,
		 void *opaque);
/* Removes the range that starts at @base with this @opaque; -ENOENT. */
int bus_unregister(struct bus *bus, u64 base, void *opaque);

/*
 * Dispatch one access. An access no range claims, or one that runs past
 * the end of the range it starts in, reads all-ones, is counted in
 * bus->unhandled and returns false; it is never fatal.
 */
bool bus_read(struct bus *bus, u64 addr, void *data, u32 len);
bool bus_write(struct bus *bus, u64 addr, const void *data, u32 len);

/*
 * The same, one entry for both directions, telling the caller which range
 * took the access (*@hit; hit->ops NULL when none did): what a vCPU exit
 * uses, to count and trace the access by device.
 */
bool bus_access(struct bus *bus, u64 addr, void *data, u32 len, bool write,
		struct bus_range *hit);

/* The range an access would go to, without making it (for --trace). */
bool bus_lookup(struct bus *bus, u64 addr, u32 len, struct bus_range *hit);

#endif
