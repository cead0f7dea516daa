// SPDX-License-Identifier: MIT
/*
 * Repairs the check proved (check.h says which): refcounts and COPIED
 * flags, written in an order that is safe at every step if the process
 * dies: raised refcounts first (a cluster in use can then never be handed
 * out), synced; then lowered ones (clusters nothing references); then the
 * flags; then the header bits. Mappings are never touched.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "devices/block/qcow2/check_int.h"

static int grow(void **arr, size_t *max, size_t n, size_t size)
{
	size_t m;
	void *p;

	if (n < *max)
		return 0;
	m = *max ? *max * 2 : 64;
	p = realloc(*arr, m * size);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*max = m;
	return 0;
}

int ck_add_rc_fix(struct qcow2_ck *c, u64 cluster, u64 rc)
{
	if (grow((void **)&c->rc_fix, &c->max_rc_fix, c->nr_rc_fix,
		 sizeof(*c->rc_fix)))
		return -ENOMEM;
	c->rc_fix[c->nr_rc_fix++] = (struct ck_rc_fix){ cluster, rc };
	return 0;
}

int ck_add_entry_fix(struct qcow2_ck *c, u64 off, u64 val)
{
	if (grow((void **)&c->entry_fix, &c->max_entry_fix, c->nr_entry_fix,
		 sizeof(*c->entry_fix)))
		return -ENOMEM;
	c->entry_fix[c->nr_entry_fix++] = (struct ck_entry_fix){ off, val };
	return 0;
}

static int sync_fd(struct qcow2_ck *c)
{
	return fdatasync(c->fd) ? -errno : 0;
}

/*
 * The queued fixes from @i on that share one refcount block and go in
 * direction @raise: read the block, patch, write. Returns the index after
 * the group, or -errno.
 */
static long fix_block(struct qcow2_ck *c, size_t i, bool raise)
{
	u64 ti = c->rc_fix[i].cluster >> c->rb_bits;
	u64 off = c->rt[ti] & ~QCOW2_RT_RESERVED, mask, old;
	u32 order = c->h.refcount_order;
	bool changed = false;
	size_t j;
	int ret;

	if (!ck_rb_in_file(c, ti))
		return -EIO; /* ck_compare() never queues these */
	mask = (1ULL << c->rb_bits) - 1;
	ret = qcow2_pread_full(c->fd, c->rb, c->cs, off);
	if (ret)
		return ret;
	for (j = i;
	     j < c->nr_rc_fix && c->rc_fix[j].cluster >> c->rb_bits == ti;
	     j++) {
		const struct ck_rc_fix *f = &c->rc_fix[j];

		old = qcow2_rc_read(c->rb, order, f->cluster & mask);
		if ((f->rc > old) != raise || f->rc == old)
			continue;
		qcow2_rc_write(c->rb, order, f->cluster & mask, f->rc);
		changed = true;
		ck_report(c, QCOW2_CK_REPAIRED,
			  "repaired: cluster %llu refcount %llu -> %llu (%s)",
			  (unsigned long long)f->cluster,
			  (unsigned long long)old, (unsigned long long)f->rc,
			  raise ? "too low" : "leaked");
		if (raise)
			c->res->corruptions_fixed++;
		else
			c->res->leaks_fixed++;
	}
	ret = changed ? qcow2_pwrite_full(c->fd, c->rb, c->cs, off) : 0;
	return ret ? ret : (long)j;
}

static int fix_pass(struct qcow2_ck *c, bool raise)
{
	size_t i = 0;
	long next;

	while (i < c->nr_rc_fix) {
		next = fix_block(c, i, raise);
		if (next < 0)
			return next;
		i = next;
	}
	return sync_fd(c);
}

int ck_repair_refcounts(struct qcow2_ck *c)
{
	int ret;

	if (!c->nr_rc_fix)
		return 0;
	c->rb_ti = ~0ULL; /* the cached block goes stale */
	ret = fix_pass(c, true);
	if (!ret)
		ret = fix_pass(c, false);
	c->nr_rc_fix = 0;
	return ret;
}

int ck_repair_entries(struct qcow2_ck *c)
{
	u8 be[8];
	size_t i;
	int ret;

	for (i = 0; i < c->nr_entry_fix; i++) {
		const struct ck_entry_fix *f = &c->entry_fix[i];

		qcow2_put64(be, f->val);
		ret = qcow2_pwrite_full(c->fd, be, 8, f->off);
		if (ret)
			return ret;
		ck_report(
			c, QCOW2_CK_REPAIRED,
			"repaired: the COPIED flag of the entry at 0x%llx (now 0x%llx)",
			(unsigned long long)f->off, (unsigned long long)f->val);
		c->res->corruptions_fixed++;
	}
	c->nr_entry_fix = 0;
	return i ? sync_fd(c) : 0;
}

int ck_clear_bits(struct qcow2_ck *c)
{
	u64 bits = QCOW2_INCOMPAT_DIRTY | QCOW2_INCOMPAT_CORRUPT;
	u8 be[8];
	int ret;

	if (c->h.version < 3 || !(c->h.incompat & bits))
		return 0;
	qcow2_put64(be, c->h.incompat & ~bits);
	ret = qcow2_pwrite_full(c->fd, be, 8, 72);
	if (!ret)
		ret = sync_fd(c);
	if (ret)
		return ret;
	if (c->h.incompat & QCOW2_INCOMPAT_DIRTY)
		ck_report(c, QCOW2_CK_REPAIRED, "repaired: dirty bit cleared");
	if (c->h.incompat & QCOW2_INCOMPAT_CORRUPT)
		ck_report(c, QCOW2_CK_REPAIRED,
			  "repaired: corrupt bit cleared");
	c->h.incompat &= ~bits;
	return 0;
}
