// SPDX-License-Identifier: MIT
/*
 * Opening a qcow2 image: header, L1 and refcount tables into memory,
 * caches, then the backing chain. Closing flushes what is dirty.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "devices/block/qcow2/qcow2.h"
#include "vmm/base/err.h"
#include "vmm/base/log.h"

#define L2_CACHE_BYTES (4 * MiB)
#define RB_CACHE_BYTES (1 * MiB)

static unsigned int cache_slots(u64 budget, u64 cs, unsigned int max)
{
	u64 n = budget / cs;

	return n < 4 ? 4 : n > max ? max : n;
}

int qcow2_load_table(int fd, u64 off, u64 n, u64 **out)
{
	u64 *t = malloc(MAX(n, 1) * 8);
	u64 i;
	int ret;

	if (!t)
		return -ENOMEM;
	ret = qcow2_pread_full(fd, t, n * 8, off);
	if (ret) {
		free(t);
		return ret;
	}
	for (i = 0; i < n; i++)
		t[i] = qcow2_get64((u8 *)&t[i]);
	*out = t;
	return 0;
}

static int alloc_buffers(struct qcow2 *q)
{
	u64 cs = q->cluster_size;
	z_stream *zs;

	if (posix_memalign((void **)&q->bounce, 4096, cs) ||
	    posix_memalign((void **)&q->wbuf, 4096, cs) ||
	    posix_memalign((void **)&q->dbuf, 4096, cs) ||
	    posix_memalign((void **)&q->cbuf, 4096, 2 * cs))
		return -ENOMEM;
	zs = calloc(1, sizeof(*zs));
	if (!zs)
		return -ENOMEM;
	if (inflateInit2(zs, -12) != Z_OK) {
		free(zs);
		return -ENOMEM;
	}
	q->zs = zs;
	if (qcow2_cache_init(&q->l2c, cache_slots(L2_CACHE_BYTES, cs, 512),
			     cs) ||
	    qcow2_cache_init(&q->rbc, cache_slots(RB_CACHE_BYTES, cs, 64), cs))
		return -ENOMEM;
	return 0;
}

static int load_tables(struct qcow2 *q, struct err *err)
{
	int ret;

	q->cluster_size = 1ULL << q->h.cluster_bits;
	q->l2_bits = q->h.cluster_bits - 3;
	q->rb_bits = q->h.cluster_bits + 3 - q->h.refcount_order;
	q->rt_entries = (u64)q->h.rt_clusters * q->cluster_size / 8;
	ret = qcow2_load_table(q->fd, q->h.l1_off, q->h.l1_size, &q->l1);
	if (!ret)
		ret = qcow2_load_table(q->fd, q->h.rt_off, q->rt_entries,
				       &q->rt);
	if (!ret)
		ret = alloc_buffers(q);
	if (!ret)
		ret = qcow2_meta_init(q);
	if (ret)
		return err_input(err, ret, "qcow2: cannot load tables: %s",
				 strerror(-ret));
	q->free_hint = 1;
	return 0;
}

int qcow2_check_chain(const struct stat *st, const struct stat *chain,
		      unsigned int nchain, const char *path, struct err *err)
{
	unsigned int i;

	for (i = 0; i < nchain; i++)
		if (chain[i].st_dev == st->st_dev &&
		    chain[i].st_ino == st->st_ino)
			return err_input(err, -ELOOP,
					 "qcow2: backing chain loop at %s",
					 path);
	return 0;
}

static int open_rest(struct qcow2 *q, const char *path,
		     const struct qcow2_policy *pol, unsigned int depth,
		     struct stat *chain, unsigned int nchain, u64 size,
		     struct err *err)
{
	int ret;

	ret = qcow2_read_header(q->fd, &q->h, size, err);
	if (!ret)
		ret = qcow2_check_features(&q->h, q->writable, err);
	if (ret)
		return ret;
	if (q->h.backing_name[0] && pol && pol->backing_off)
		return err_input(
			err, -EINVAL,
			"qcow2: has a backing file (%s) but backing=off",
			q->h.backing_name);
	q->file_end = ALIGN_UP(size, 1ULL << q->h.cluster_bits);
	q->phys_end = size;
	ret = load_tables(q, err);
	if (ret)
		return ret;
	if (q->writable && q->h.autoclear) {
		q->h.autoclear = 0;
		ret = qcow2_write_header(q);
		if (ret)
			return err_input(err, ret,
					 "qcow2: cannot update header: %s",
					 strerror(-ret));
	}
	if (q->h.backing_name[0])
		return qcow2_backing_open(q, path, pol, depth, chain, nchain,
					  err);
	return 0;
}

/* "qcow2: why" becomes "qcow2 PATH: why": which image of a chain it was. */
static int name_image(const char *path, int ret, struct err *err)
{
	char why[ERR_LEN];

	if (!err || !strncmp(err->msg, "qcow2 ", 6))
		return ret; /* a backing file named already */
	snprintf(why, sizeof(why), "%s",
		 strncmp(err->msg, "qcow2: ", 7) ? err->msg : err->msg + 7);
	return err_set(err, err->class ? err->class : ERR_INPUT, ret,
		       "qcow2 %s: %s", path, why);
}

int qcow2_open_image(struct qcow2 **out, const char *path, bool writable,
		     const struct qcow2_policy *pol, unsigned int depth,
		     const struct stat *chain, unsigned int nchain,
		     struct err *err)
{
	struct stat links[QCOW2_MAX_CHAIN];
	struct qcow2 *q;
	u64 size;
	int ret;

	if (nchain >= QCOW2_MAX_CHAIN)
		return err_input(err, -ELOOP,
				 "qcow2: backing chain longer than %d",
				 QCOW2_MAX_CHAIN);
	q = calloc(1, sizeof(*q));
	if (!q)
		return -ENOMEM;
	q->writable = writable;
	q->no_sync = writable && pol && pol->no_sync;
	q->fd = qcow2_open_file(path, depth ? "backing file" : "image",
				writable, &links[nchain], &size, err);
	if (q->fd < 0) {
		ret = q->fd;
		free(q);
		return name_image(path, ret, err);
	}
	q->st = links[nchain];
	ret = qcow2_check_chain(&links[nchain], chain, nchain, path, err);
	if (!ret) {
		if (nchain)
			memcpy(links, chain, nchain * sizeof(*chain));
		ret = open_rest(q, path, pol, depth, links, nchain + 1, size,
				err);
	}
	if (ret) {
		q->writable = false; /* nothing to flush */
		qcow2_close_image(q);
		return name_image(path, ret, err);
	}
	*out = q;
	return 0;
}

void qcow2_close_image(struct qcow2 *q)
{
	int ret;

	if (q->writable && !q->corrupt) {
		ret = qcow2_flush(q);
		if (ret)
			pr_err("qcow2: flush on close failed: %s",
			       strerror(-ret));
		/* Trim what note_end() grew ahead (all of it unused). */
		if (!ret && q->phys_end > q->file_end &&
		    ftruncate(q->fd, q->file_end))
			pr_err("qcow2: cannot trim the image: %s",
			       strerror(errno));
	}
	qcow2_backing_close(q->backing);
	qcow2_cache_free(&q->l2c);
	qcow2_cache_free(&q->rbc);
	if (q->zs) {
		inflateEnd(q->zs);
		free(q->zs);
	}
	free(q->l1);
	free(q->rt);
	free(q->meta);
	free(q->frees);
	free(q->bounce);
	free(q->wbuf);
	free(q->dbuf);
	free(q->cbuf);
	if (q->fd >= 0)
		close(q->fd);
	free(q);
}
