// SPDX-License-Identifier: MIT
/*
 * Changing the virtual size of a qcow2 image (`squeeze img resize`).
 * Growing past what the L1 table covers writes a larger table to new
 * clusters, makes it and its refcounts durable, then points the header
 * at it in one sector write, and only then frees the old table: a crash
 * at any point leaves either table whole and named. The new size itself
 * is written last, after the new space was made to read as zeros.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "devices/block/qcow2/qcow2.h"
#include "vmm/base/err.h"

static int grow_l1(struct qcow2 *q, u64 need)
{
	u64 cs = q->cluster_size, ncl = (need * 8 + cs - 1) / cs;
	u64 old_off = q->h.l1_off, old_size = q->h.l1_size, off;
	u64 *l1;
	u8 *zero, hdr[12];
	int ret;

	/* Its clusters must fit between two refcount blocks' own clusters. */
	if (ncl + 1 >= (1ULL << q->rb_bits))
		return -EFBIG;
	l1 = calloc(need, 8);
	zero = calloc(ncl, cs);
	if (!l1 || !zero) {
		ret = -ENOMEM;
		goto out;
	}
	memcpy(l1, q->l1, old_size * 8);
	ret = qcow2_alloc_contig(q, ncl, &off);
	if (!ret)
		ret = qcow2_pwrite_full(q->fd, zero, ncl * cs, off);
	if (!ret)
		ret = qcow2_write_table(q, l1, need, off);
	if (!ret) /* the table and its refcounts durable */
		ret = qcow2_flush(q);
	if (ret)
		goto out;
	qcow2_put32(hdr, need);
	qcow2_put64(hdr + 4, off);
	ret = qcow2_pwrite_full(q->fd, hdr, sizeof(hdr), 36);
	if (!ret)
		ret = qcow2_sync(q);
	if (ret)
		goto out;
	free(q->l1);
	q->l1 = l1;
	l1 = NULL;
	q->h.l1_size = need;
	q->h.l1_off = off;
	ret = qcow2_free_later(q, old_off, MAX(old_size * 8, 1));
	if (!ret)
		ret = qcow2_flush(q);
out:
	free(l1);
	free(zero);
	return ret;
}

/* The first allocated byte at or past @from (cluster aligned), or ~0. */
static int first_allocated(struct qcow2 *q, u64 from, u64 *at)
{
	u64 off, cs = q->cluster_size;
	struct qcow2_map m;
	int ret;

	*at = ~0ULL;
	for (off = from; off < q->h.size; off += cs) {
		u64 l1i = (off >> q->h.cluster_bits) >> q->l2_bits;

		if (l1i >= q->h.l1_size)
			break;
		if (!(q->l1[l1i] & QCOW2_OFFSET_MASK)) {
			off = ALIGN_DOWN(off, cs << q->l2_bits) +
			      (cs << q->l2_bits) - cs;
			continue; /* no L2 table: nothing there */
		}
		ret = qcow2_map(q, off, &m);
		if (ret)
			return ret;
		if (m.kind == QCOW2_NORMAL || m.kind == QCOW2_COMPRESSED_KIND ||
		    (m.l2e & QCOW2_OFFSET_MASK)) {
			*at = off;
			return 0;
		}
	}
	return 0;
}

/* Does [from, to) (inside one cluster) read as zeros in this image? */
static int tail_zero(struct qcow2 *q, u64 from, u64 to, bool *zero)
{
	u8 *buf;
	u64 i;
	int ret;

	*zero = true;
	if (from >= to)
		return 0;
	buf = malloc(to - from);
	if (!buf)
		return -ENOMEM;
	ret = qcow2_read_sync(q, from, buf, to - from);
	for (i = 0; !ret && i < to - from; i++)
		if (buf[i])
			*zero = false;
	free(buf);
	return ret;
}

static int shrink_check(struct qcow2 *q, u64 size, struct err *err)
{
	u64 cs = q->cluster_size, at;
	bool zero;
	int ret;

	ret = first_allocated(q, ALIGN_UP(size, cs), &at);
	if (!ret && at == ~0ULL)
		ret = tail_zero(q, size, MIN(ALIGN_UP(size, cs), q->h.size),
				&zero);
	if (ret)
		return err_host(err, ret, "cannot read the image: %s",
				strerror(-ret));
	if (at != ~0ULL)
		return err_input(
			err, -ENOTEMPTY,
			"cannot shrink: data is allocated at byte %llu, past the new size",
			(unsigned long long)at);
	if (!zero)
		return err_input(
			err, -ENOTEMPTY,
			"cannot shrink: the last cluster holds data past the new size");
	return 0;
}

/* New space reads as zeros: over a longer backing file, or a stale tail. */
static int zero_new_space(struct qcow2 *q, u64 old, u64 size)
{
	u64 cs = q->cluster_size, end = MIN(size, ALIGN_UP(old, cs)), bsize;
	int ret = 0;

	if (end > old)
		ret = qcow2_zero_range(q, old, end - old);
	bsize = q->backing ? qcow2_backing_size(q->backing) : 0;
	if (!ret && MIN(bsize, size) > end)
		ret = qcow2_zero_range(q, end, MIN(bsize, size) - end);
	return ret ? ret : qcow2_flush(q);
}

int qcow2_resize(struct qcow2 *q, u64 size, struct err *err)
{
	u64 cs = q->cluster_size, old = q->h.size;
	u64 need = (size + cs * (cs / 8) - 1) / (cs * (cs / 8));
	u8 be[8];
	int ret;

	if (size % 512 || size > QCOW2_MAX_SIZE ||
	    need * 8 > QCOW2_MAX_L1_BYTES)
		return err_input(
			err, -EINVAL,
			"size %llu: not a multiple of 512 or too large for %llu-byte clusters",
			(unsigned long long)size, (unsigned long long)cs);
	if (size < old)
		ret = shrink_check(q, size, err);
	else
		ret = 0;
	if (ret || size == old)
		return ret;
	ret = qcow2_flush(q);
	if (!ret && need > q->h.l1_size)
		ret = grow_l1(q, need);
	if (!ret && size > old)
		ret = zero_new_space(q, old, size);
	if (ret == -EFBIG)
		return err_input(
			err, ret,
			"%llu bytes need an L1 table too large for %llu-byte clusters; convert to larger clusters first",
			(unsigned long long)size, (unsigned long long)cs);
	if (ret)
		return err_host(err, ret, "cannot grow the image: %s",
				strerror(-ret));
	qcow2_put64(be, size);
	ret = qcow2_pwrite_full(q->fd, be, 8, 24);
	if (!ret)
		ret = qcow2_sync(q);
	if (ret)
		return err_host(err, ret, "cannot write the header: %s",
				strerror(-ret));
	q->h.size = size;
	return 0;
}
