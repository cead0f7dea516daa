// SPDX-License-Identifier: MIT
/*
 * Write-back caches of one-cluster tables (L2 tables, refcount blocks),
 * least recently used out. Evicting a dirty L2 table first makes every
 * refcount and data cluster durable (qcow2_flush_refcounts()), because an
 * L2 entry may reach the disk only after what it points at.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "devices/block/qcow2/qcow2.h"

int qcow2_cache_init(struct qcow2_cache *c, unsigned int nr, u64 csize)
{
	unsigned int i;

	c->nr = nr;
	c->tick = 0;
	c->last = 0;
	c->e = calloc(nr, sizeof(*c->e));
	if (!c->e)
		return -ENOMEM;
	for (i = 0; i < nr; i++) {
		if (posix_memalign((void **)&c->e[i].data, 4096, csize)) {
			qcow2_cache_free(c);
			return -ENOMEM;
		}
	}
	return 0;
}

void qcow2_cache_free(struct qcow2_cache *c)
{
	unsigned int i;

	if (!c->e)
		return;
	for (i = 0; i < c->nr; i++)
		free(c->e[i].data);
	free(c->e);
	c->e = NULL;
}

static struct qcow2_cache_entry *lookup(struct qcow2_cache *c, u64 off)
{
	unsigned int i;

	/* Sequential and local access hits the same table again. */
	if (c->e[c->last].off == off) {
		c->e[c->last].lru = ++c->tick;
		return &c->e[c->last];
	}
	for (i = 0; i < c->nr; i++) {
		if (c->e[i].off == off) {
			c->e[i].lru = ++c->tick;
			c->last = i;
			return &c->e[i];
		}
	}
	return NULL;
}

static int write_entry(struct qcow2 *q, struct qcow2_cache_entry *e)
{
	int ret = qcow2_pwrite_full(q->fd, e->data, q->cluster_size, e->off);

	if (ret)
		return ret;
	e->dirty = false;
	return 0;
}

/* A free slot, writing back the least recently used one if need be. */
static int victim(struct qcow2 *q, struct qcow2_cache *c, bool is_l2,
		  struct qcow2_cache_entry **out)
{
	struct qcow2_cache_entry *v = NULL;
	unsigned int i;
	int ret;

	for (i = 0; i < c->nr; i++) {
		if (!c->e[i].off) {
			v = &c->e[i];
			break;
		}
		if (!v || c->e[i].lru < v->lru)
			v = &c->e[i];
	}
	if (v->off && v->dirty) {
		if (is_l2) {
			ret = qcow2_flush_refcounts(q);
			if (ret)
				return ret;
		}
		ret = write_entry(q, v);
		if (ret)
			return ret;
	}
	v->off = 0;
	*out = v;
	return 0;
}

static int get(struct qcow2 *q, struct qcow2_cache *c, u64 off, bool is_l2,
	       bool fresh, struct qcow2_cache_entry **out)
{
	struct qcow2_cache_entry *e = lookup(c, off);
	int ret;

	if (e && !fresh) {
		*out = e;
		return 0;
	}
	if (!e) {
		ret = victim(q, c, is_l2, &e);
		if (ret)
			return ret;
	}
	if (fresh) {
		memset(e->data, 0, q->cluster_size);
		e->dirty = true;
	} else {
		ret = qcow2_pread_full(q->fd, e->data, q->cluster_size, off);
		if (ret)
			return ret;
		e->dirty = false;
	}
	e->off = off;
	e->lru = ++c->tick;
	c->last = e - c->e;
	*out = e;
	return 0;
}

int qcow2_l2_get(struct qcow2 *q, u64 off, struct qcow2_cache_entry **e)
{
	return get(q, &q->l2c, off, true, false, e);
}

int qcow2_rb_get(struct qcow2 *q, u64 off, struct qcow2_cache_entry **e)
{
	return get(q, &q->rbc, off, false, false, e);
}

int qcow2_l2_new(struct qcow2 *q, u64 off, struct qcow2_cache_entry **e)
{
	return get(q, &q->l2c, off, true, true, e);
}

int qcow2_rb_new(struct qcow2 *q, u64 off, struct qcow2_cache_entry **e)
{
	return get(q, &q->rbc, off, false, true, e);
}

int qcow2_cache_write_dirty(struct qcow2 *q, struct qcow2_cache *c)
{
	unsigned int i;
	int ret;

	for (i = 0; i < c->nr; i++) {
		if (c->e[i].off && c->e[i].dirty) {
			ret = write_entry(q, &c->e[i]);
			if (ret)
				return ret;
		}
	}
	return 0;
}

bool qcow2_cache_has_dirty(const struct qcow2_cache *c)
{
	unsigned int i;

	for (i = 0; i < c->nr; i++)
		if (c->e[i].off && c->e[i].dirty)
			return true;
	return false;
}
