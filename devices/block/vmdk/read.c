// SPDX-License-Identifier: MIT
/*
 * Reads and block status across a VMDK image's extents: FLAT extents are
 * plain file ranges (zeros past the end of a short file), ZERO extents
 * are zeros, SPARSE extents go grain by grain (sparse.c).
 */
#include <errno.h>
#include <string.h>

#include "devices/block/disk.h"
#include "devices/block/vmdk/vmdk_int.h"
#include "vmm/base/fileio.h"

/* The extent holding byte @off (< v->size): binary search by start. */
static struct vmdk_extent *find(struct vmdk *v, u64 off)
{
	unsigned int lo = 0, hi = v->nr;

	while (hi - lo > 1) {
		unsigned int mid = (lo + hi) / 2;

		if (v->ext[mid].start <= off)
			lo = mid;
		else
			hi = mid;
	}
	return &v->ext[lo];
}

/* [off, off + len) inside extent @e (offsets relative to it). */
static int read_extent(struct vmdk_extent *e, u64 off, u8 *buf, u64 len)
{
	u64 n;
	int ret;

	switch (e->type) {
	case VMDK_EXT_ZERO:
		memset(buf, 0, len);
		return 0;
	case VMDK_EXT_FLAT:
		return pread_full(e->fd, buf, len, e->flat_off + off);
	case VMDK_EXT_SPARSE:
		while (len) {
			n = MIN(len, e->sp->grain - off % e->sp->grain);
			ret = vmdk_sparse_read(e->sp, off, buf, n);
			if (ret)
				return ret;
			off += n;
			buf += n;
			len -= n;
		}
		return 0;
	}
	return -EINVAL;
}

int vmdk_read(struct vmdk *v, u64 off, void *buf, u64 len)
{
	u8 *p = buf;
	int ret;

	if (off > v->size || len > v->size - off)
		return -EINVAL;
	while (len) {
		struct vmdk_extent *e = find(v, off);
		u64 in = off - e->start, n = MIN(len, e->len - in);

		ret = read_extent(e, in, p, n);
		if (ret)
			return ret;
		off += n;
		p += n;
		len -= n;
	}
	return 0;
}

static int sparse_status(struct vmdk_extent *e, u64 in, u64 max, u64 *run,
			 u32 *flags)
{
	u64 g = e->sp->grain, n;
	int first, cur;

	first = vmdk_sparse_allocated(e->sp, in);
	if (first < 0)
		return first;
	*flags = first ? 0 : DISK_ST_HOLE | DISK_ST_ZERO;
	for (*run = 0; *run < max; *run += n) {
		n = MIN(max - *run, g - (in + *run) % g);
		cur = *run ? vmdk_sparse_allocated(e->sp, in + *run) : first;
		if (cur < 0)
			return cur;
		if (cur != first)
			break;
	}
	return 0;
}

int vmdk_status(struct vmdk *v, u64 off, u64 len, u64 *run, u32 *flags)
{
	struct vmdk_extent *e;
	u64 in, max;

	if (off >= v->size)
		return -EINVAL;
	e = find(v, off);
	in = off - e->start;
	max = MIN(len, e->len - in);
	switch (e->type) {
	case VMDK_EXT_ZERO:
		*run = max;
		*flags = DISK_ST_HOLE | DISK_ST_ZERO;
		return 0;
	case VMDK_EXT_FLAT:
		return disk_file_status(e->fd, e->file_size, e->flat_off + in,
					max, run, flags);
	case VMDK_EXT_SPARSE:
		return sparse_status(e, in, max, run, flags);
	}
	return -EINVAL;
}
