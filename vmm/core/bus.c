// SPDX-License-Identifier: MIT
/*
 * Port I/O and MMIO address spaces: sorted, overlap-checked ranges, and
 * the dispatch of one guest access to the device that owns the address.
 */
#include <errno.h>
#include <string.h>

#include "vmm/core/bus.h"

void bus_init(struct bus *bus, const char *name)
{
	memset(bus, 0, sizeof(*bus));
	bus->name = name;
	pthread_rwlock_init(&bus->lock, NULL);
}

void bus_destroy(struct bus *bus)
{
	pthread_rwlock_destroy(&bus->lock);
}

static bool overlaps(const struct bus_range *r, u64 base, u64 len)
{
	return base <= r->base + (r->len - 1) && r->base <= base + (len - 1);
}

int bus_register(struct bus *bus, u64 base, u64 len, const struct io_ops *ops,
		 void *opaque)
{
	unsigned int i, pos;
	int ret = 0;

	if (len == 0 || base + (len - 1) < base)
		return -EINVAL;
	pthread_rwlock_wrlock(&bus->lock);
	if (bus->nr == BUS_MAX_RANGES) {
		ret = -ENOSPC;
		goto unlock;
	}
	for (pos = 0; pos < bus->nr && bus->range[pos].base < base; pos++)
		;
	for (i = 0; i < bus->nr; i++) {
		if (overlaps(&bus->range[i], base, len)) {
			ret = -EEXIST;
			goto unlock;
		}
	}
	memmove(&bus->range[pos + 1], &bus->range[pos],
		(bus->nr - pos) * sizeof(bus->range[0]));
	bus->range[pos] = (struct bus_range){ base, len, ops, opaque };
	bus->nr++;
unlock:
	pthread_rwlock_unlock(&bus->lock);
	return ret;
}

int bus_unregister(struct bus *bus, u64 base, void *opaque)
{
	unsigned int i;
	int ret = -ENOENT;

	pthread_rwlock_wrlock(&bus->lock);
	for (i = 0; i < bus->nr; i++) {
		const struct bus_range *r = &bus->range[i];

		if (r->base != base || r->opaque != opaque)
			continue;
		memmove(&bus->range[i], &bus->range[i + 1],
			(bus->nr - i - 1) * sizeof(bus->range[0]));
		bus->nr--;
		ret = 0;
		break;
	}
	pthread_rwlock_unlock(&bus->lock);
	return ret;
}

/* Binary search for the range holding [addr, addr + len); copies it out. */
static bool bus_find(struct bus *bus, u64 addr, u32 len, struct bus_range *out)
{
	unsigned int lo = 0, hi;
	bool found = false;

	pthread_rwlock_rdlock(&bus->lock);
	hi = bus->nr;
	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;
		const struct bus_range *r = &bus->range[mid];

		if (addr < r->base) {
			hi = mid;
		} else if (addr - r->base >= r->len) {
			lo = mid + 1;
		} else {
			found = len <= r->len - (addr - r->base);
			*out = *r;
			break;
		}
	}
	pthread_rwlock_unlock(&bus->lock);
	return found;
}

bool bus_access(struct bus *bus, u64 addr, void *data, u32 len, bool write,
		struct bus_range *hit)
{
	struct bus_range r;

	if (!bus_find(bus, addr, len, &r) || (write && !r.ops->write) ||
	    (!write && !r.ops->read)) {
		if (!write)
			memset(data, 0xff, len);
		__atomic_add_fetch(&bus->unhandled, 1, __ATOMIC_RELAXED);
		hit->ops = NULL;
		return false;
	}
	if (write)
		r.ops->write(r.opaque, addr - r.base, data, len);
	else
		r.ops->read(r.opaque, addr - r.base, data, len);
	*hit = r;
	return true;
}

bool bus_lookup(struct bus *bus, u64 addr, u32 len, struct bus_range *hit)
{
	if (bus_find(bus, addr, len, hit))
		return true;
	hit->ops = NULL;
	return false;
}

bool bus_read(struct bus *bus, u64 addr, void *data, u32 len)
{
	struct bus_range hit;

	return bus_access(bus, addr, data, len, false, &hit);
}

bool bus_write(struct bus *bus, u64 addr, const void *data, u32 len)
{
	struct bus_range hit;

	return bus_access(bus, addr, (void *)data, len, true, &hit);
}

const char *io_ops_name(const struct io_ops *ops, void *opaque)
{
	if (!ops || !ops->desc)
		return "?";
	if (ops->desc->name_of)
		return ops->desc->name_of(opaque);
	return ops->desc->name ? ops->desc->name : "?";
}
