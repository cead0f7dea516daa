// SPDX-License-Identifier: MIT
/*
 * `img check` on a qcow2 image (check.h): load the header and the two
 * top-level tables, count references (check_walk.c), compare them with
 * the stored refcounts and flags (check_compare.c), repair what was
 * proved (check_repair.c), and with a repair, check again from scratch.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "devices/block/qcow2/check_int.h"
#include "vmm/base/err.h"
#include "vmm/base/file.h"

/*
 * More clusters than this are not counted: 5 bytes of bookkeeping a
 * cluster, 1.25 GiB at most (a 16 TiB file of 64 KiB clusters, or a
 * 128 GiB file of 512-byte ones). A sparse hostile file cannot make the
 * check take more.
 */
#define CK_MAX_CLUSTERS (1ULL << 28)

static const char *const kind_names[] = {
	[CK_FREE] = "free space",
	[CK_HEADER] = "the image header",
	[CK_L1] = "the L1 table",
	[CK_L2] = "an L2 table",
	[CK_DATA] = "data",
	[CK_COMPRESSED] = "compressed data",
	[CK_RT] = "the refcount table",
	[CK_RB] = "a refcount block",
	[CK_SNAPTAB] = "the snapshot table",
	[CK_SNAP_L1] = "a snapshot's L1 table",
};

const char *ck_kind_name(enum ck_kind k)
{
	return k < ARRAY_SIZE(kind_names) ? kind_names[k] : "?";
}

void ck_report(struct qcow2_ck *c, enum qcow2_finding f, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (!c->o->report)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	c->o->report(c->o->opaque, f, msg);
}

static int file_bytes(int fd, u64 *size)
{
	struct stat st;

	return fstat(fd, &st) ? -errno : file_size(fd, &st, size);
}

/* The engine's struct over the check's tables, with its metadata map. */
static int engine_view(struct qcow2_ck *c)
{
	struct qcow2 *q = &c->eng;

	free(q->meta);
	q->meta = NULL;
	q->meta_words = 0;
	q->h = c->h;
	q->fd = c->fd;
	q->cluster_size = c->cs;
	q->l2_bits = c->l2_bits;
	q->rb_bits = c->rb_bits;
	q->l1 = c->l1;
	q->rt = c->rt;
	q->rt_entries = c->rt_entries;
	q->file_end = ALIGN_UP(c->file_size, c->cs);
	return qcow2_meta_init(q);
}

/* Features that change what table entries mean cannot be checked. */
static int checkable(const struct qcow2_header *h, struct err *err)
{
	u64 unknown = h->incompat & ~QCOW2_INCOMPAT_KNOWN;

	if (unknown)
		return err_input(err, -ENOTSUP,
				 "unknown incompatible feature bit %d",
				 __builtin_ctzll(unknown));
	if (h->incompat & QCOW2_INCOMPAT_DATA_FILE)
		return err_input(err, -ENOTSUP,
				 "external data files are not supported");
	if (h->incompat & QCOW2_INCOMPAT_EXTL2)
		return err_input(err, -ENOTSUP,
				 "extended L2 entries are not supported");
	return 0;
}

static int ck_open(struct qcow2_ck *c, int fd, struct err *err)
{
	int ret;

	c->fd = fd;
	c->rb_ti = ~0ULL;
	ret = file_bytes(fd, &c->file_size);
	if (ret)
		return err_input(err, ret, "%s", strerror(-ret));
	ret = qcow2_read_header(fd, &c->h, c->file_size, err);
	if (!ret)
		ret = checkable(&c->h, err);
	if (ret)
		return ret;
	c->cs = 1ULL << c->h.cluster_bits;
	c->l2_bits = c->h.cluster_bits - 3;
	c->rb_bits = c->h.cluster_bits + 3 - c->h.refcount_order;
	c->refmax = c->h.refcount_order == 6 ?
			    ~0ULL :
			    (1ULL << (1U << c->h.refcount_order)) - 1;
	c->nb_clusters = (c->file_size + c->cs - 1) / c->cs;
	if (c->nb_clusters > CK_MAX_CLUSTERS)
		return err_input(err, -EFBIG,
				 "too many clusters to check (%llu)",
				 (unsigned long long)c->nb_clusters);
	c->rt_entries = (u64)c->h.rt_clusters * c->cs / 8;
	c->ref = calloc(c->nb_clusters + 1, sizeof(*c->ref));
	c->kind = calloc(c->nb_clusters + 1, 1);
	c->table = malloc(c->cs);
	c->rb = malloc(c->cs);
	if (!c->ref || !c->kind || !c->table || !c->rb)
		return err_host(err, -ENOMEM, "out of memory");
	ret = qcow2_load_table(fd, c->h.rt_off, c->rt_entries, &c->rt);
	if (!ret)
		ret = qcow2_load_table(fd, c->h.l1_off, c->h.l1_size, &c->l1);
	if (!ret)
		ret = engine_view(c);
	if (ret)
		return err_host(err, ret, "cannot read the image's tables: %s",
				strerror(-ret));
	return 0;
}

static void ck_free(struct qcow2_ck *c)
{
	free(c->eng.meta);
	free(c->ref);
	free(c->kind);
	free(c->table);
	free(c->rb);
	free(c->rt);
	free(c->l1);
	free(c->rc_fix);
	free(c->entry_fix);
}

/* One whole check, repairing as it goes when c->fix is set. */
static int run(struct qcow2_ck *c, struct err *err)
{
	struct qcow2_check_result *res = c->res;
	int ret;

	memset(c->ref, 0, (c->nb_clusters + 1) * sizeof(*c->ref));
	memset(c->kind, 0, c->nb_clusters + 1);
	res->total_clusters = (c->h.size + c->cs - 1) / c->cs;
	ret = ck_count_refs(c);
	if (ret)
		return err_input(err, ret, "cannot read the snapshot table: %s",
				 strerror(-ret));
	ck_compare(c);
	ret = c->fix ? ck_repair_refcounts(c) : 0;
	if (!ret)
		ret = ck_check_copied(c);
	if (!ret && c->fix)
		ret = ck_repair_entries(c);
	if (ret)
		return err_host(err, ret, "check failed: %s", strerror(-ret));
	return 0;
}

/* The fixing pass reports only repairs; the second pass what is left. */
static void quiet(void *opaque, enum qcow2_finding f, const char *msg)
{
	const struct qcow2_check_opts *o = opaque;

	if (f == QCOW2_CK_REPAIRED || f == QCOW2_CK_REFUSED ||
	    f == QCOW2_CK_ERROR)
		o->report(o->opaque, f, msg);
}

static int repair_and_recheck(struct qcow2_ck *c,
			      const struct qcow2_check_opts *o, struct err *err)
{
	struct qcow2_check_opts fixing = { .fix = o->fix,
					   .opaque = (void *)o,
					   .report = o->report ? quiet : NULL };
	struct qcow2_check_result *res = c->res;
	u64 lf, cf;
	int ret;

	c->o = &fixing;
	c->fix = o->fix;
	ret = run(c, err);
	c->o = o;
	c->fix = 0;
	if (ret)
		return ret;
	lf = res->leaks_fixed;
	cf = res->corruptions_fixed;
	memset(res, 0, sizeof(*res));
	free(c->l1);
	c->l1 = NULL;
	ret = qcow2_load_table(c->fd, c->h.l1_off, c->h.l1_size, &c->l1);
	if (!ret)
		ret = engine_view(c);
	if (ret)
		return err_host(err, ret, "cannot read the L1 table: %s",
				strerror(-ret));
	c->rb_ti = ~0ULL;
	ret = run(c, err);
	res->leaks_fixed = lf;
	res->corruptions_fixed = cf;
	if (ret || res->corruptions || res->check_errors)
		return ret;
	ret = ck_clear_bits(c);
	if (ret)
		return err_host(err, ret, "cannot clear the header bits: %s",
				strerror(-ret));
	return 0;
}

int qcow2_check(int fd, const struct qcow2_check_opts *o,
		struct qcow2_check_result *res, struct err *err)
{
	struct qcow2_ck c = { .o = o, .res = res };
	int ret;

	memset(res, 0, sizeof(*res));
	ret = ck_open(&c, fd, err);
	if (!ret && o->fix)
		ret = repair_and_recheck(&c, o, err);
	else if (!ret)
		ret = run(&c, err);
	res->dirty = c.h.incompat & QCOW2_INCOMPAT_DIRTY;
	res->corrupt_bit = c.h.incompat & QCOW2_INCOMPAT_CORRUPT;
	ck_free(&c);
	return ret;
}
