// SPDX-License-Identifier: MIT
/*
 * Allocating writes of whole clusters through the ring: the clusters are
 * allocated (refcount 1, in the cache) before the data is queued, and the
 * L2 entries are pointed at them only in the completion, after the data
 * landed. Until then reads still see the old mapping, which is what a
 * guest may see of a write in flight. Host-contiguous allocations are one
 * request. A flush drains the ring before it writes metadata, so every
 * entry set here reaches the disk after its data.
 */
#include <errno.h>
#include <stdlib.h>

#include "devices/block/qcow2/qcow2_disk.h"
#include "vmm/base/iov.h"

#define ALLOC_MAX_RUN (1 * MiB)

struct qalloc {
	struct qreq *r;
	struct qcow2 *q;
	u64 voff, host, len;
	int iovcnt;
	struct iovec iov[];
};

static void alloc_done(void *opaque, s64 res)
{
	struct qalloc *a = opaque;
	struct qcow2 *q = a->q;
	u64 k, cs = q->cluster_size;
	int ret = res < 0 ? (int)res : (u64)res != a->len ? -EIO : 0;
	int err = ret;

	for (k = 0; k < a->len; k += cs) {
		if (!err)
			err = qcow2_commit_cluster(q, a->voff + k, a->host + k);
		if (err) /* never referenced: give it back */
			qcow2_unalloc_cluster(q, a->host + k);
		if (!ret)
			ret = err;
	}
	qcow2_qreq_put(a->r, ret);
	free(a);
}

/* Allocate host clusters for up to @len bytes while they are contiguous. */
static int alloc_run(struct qcow2 *q, u64 voff, u64 len, u64 *host, u64 *run)
{
	u64 cs = q->cluster_size, next;
	struct qcow2_map m;
	int ret;

	ret = qcow2_alloc_cluster(q, host);
	if (ret)
		return ret;
	for (*run = cs; *run + cs <= MIN(len, ALLOC_MAX_RUN); *run += cs) {
		if (qcow2_map(q, voff + *run, &m) ||
		    (m.kind == QCOW2_NORMAL && (m.l2e & QCOW2_COPIED)))
			break; /* an error is reported by the next piece */
		ret = qcow2_alloc_cluster(q, &next);
		if (ret)
			break;
		if (next != *host + *run) {
			qcow2_unalloc_cluster(q, next);
			break;
		}
	}
	return 0;
}

int qcow2_write_alloc(struct qcow2_disk *qd, struct qreq *r, u64 voff, u64 pos,
		      u64 len, u64 *n)
{
	const struct disk_req *req = r->req;
	struct qcow2 *q = qd->q;
	struct qalloc *a;
	u64 host, k;
	int ret;

	a = malloc(sizeof(*a) + req->iovcnt * sizeof(struct iovec));
	if (!a)
		return -ENOMEM;
	ret = alloc_run(q, voff, len, &host, n);
	if (ret) {
		free(a);
		return ret;
	}
	*a = (struct qalloc){
		.r = r, .q = q, .voff = voff, .host = host, .len = *n
	};
	a->iovcnt =
		iov_slice(req->iov, req->iovcnt, pos, *n, a->iov, req->iovcnt);
	r->pending++;
	ret = a->iovcnt < 0 ? -EINVAL :
			      qcow2_disk_rw(qd, host, a->iov, a->iovcnt, true,
					    alloc_done, a);
	if (ret) {
		for (k = 0; k < *n; k += q->cluster_size)
			qcow2_unalloc_cluster(q, host + k);
		r->pending--;
		free(a);
		return ret;
	}
	return 0;
}
