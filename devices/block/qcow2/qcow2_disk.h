/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_QCOW2_DISK_H
#define SQUEEZE_QCOW2_DISK_H

#include <sys/uio.h>

#include "devices/block/aio.h"
#include "devices/block/disk.h"
#include "devices/block/qcow2/qcow2.h"

/* The async side of the qcow2 disk (disk.c, alloc.c). */

struct qcow2_disk {
	struct qcow2 *q;
	struct aio *aio;
};

/* One guest request; completes when its last piece does. */
struct qreq {
	struct disk_req *req;
	int pending;
	int ret;
};

/* Drop one piece of @r (with its result); the last one calls done(). */
void qcow2_qreq_put(struct qreq *r, int ret);

/*
 * Queue reading or writing @iov at @host; with the ring full, do it at
 * once rather than fail the guest. 0: @cb runs (maybe already); -errno:
 * it never does.
 */
int qcow2_disk_rw(struct qcow2_disk *qd, u64 host, const struct iovec *iov,
		  int cnt, bool write, aio_cb cb, void *opaque);

/*
 * Write request bytes [pos, pos + *n) to newly allocated clusters for the
 * full guest clusters from @voff on (not private ones; at most @len
 * bytes, a multiple of the cluster size): the data goes through the ring
 * and the L2 entries change only when it has landed. *n: bytes taken.
 */
int qcow2_write_alloc(struct qcow2_disk *qd, struct qreq *r, u64 voff, u64 pos,
		      u64 len, u64 *n);

#endif
