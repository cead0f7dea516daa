/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_BUS_H
#define SQUEEZE_BUS_H

#include <pthread.h>

#include "vmm/base/types.h"

/*
 * A register handler: @off is relative to the registered base. Handlers run
 * on the vCPU thread that exited (or on the in-process test driver) and
 * must return at once.
 */
struct io_ops {
	void (*read)(void *opaque, u64 off, void *data, u32 len);
	void (*write)(void *opaque, u64 off, const void *data, u32 len);
};

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
	u64 unhandled;		/* accesses no range claimed */
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

#endif
