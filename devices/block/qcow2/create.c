// SPDX-License-Identifier: MIT
/*
 * Writing a new, empty qcow2 image (`squeeze img create`): the header with
 * a backing-format extension and the backing name in cluster 0, then the
 * refcount table, the refcount blocks covering all of it, and the L1 table.
 * Refcounts are 16 bits wide; version 3 (compat 1.1) unless asked for 2.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "devices/block/qcow2/qcow2.h"
#include "vmm/base/err.h"
#include "vmm/base/log.h"

/* 104 bytes, compression_type, padding to a multiple of 8. */
#define CREATE_HEADER_LEN 112

struct layout {
	u64 cs, l1_size, l1c, rtc, rbc, total;
};

static u64 div_up(u64 a, u64 b)
{
	return (a + b - 1) / b;
}

static int plan(const struct qcow2_create_opts *o, struct layout *l,
		struct err *err)
{
	u64 per_rb, rbc, rtc;

	if (o->cluster_bits < QCOW2_MIN_CLUSTER_BITS ||
	    o->cluster_bits > QCOW2_MAX_CLUSTER_BITS)
		return err_input(
			err, -EINVAL,
			"cluster size must be a power of two from 512 to 2M");
	if (o->size > QCOW2_MAX_SIZE)
		return err_input(err, -EINVAL, "image size too large");
	l->cs = 1ULL << o->cluster_bits;
	l->l1_size = div_up(o->size, l->cs * (l->cs / 8));
	if (l->l1_size * 8 > QCOW2_MAX_L1_BYTES)
		return err_input(err, -EINVAL,
				 "image size too large for this cluster size");
	l->l1c = MAX(1, div_up(l->l1_size * 8, l->cs));
	per_rb = l->cs * 8 / 16;
	rtc = rbc = 1;
	for (;;) {
		u64 total = 1 + rtc + rbc + l->l1c;
		u64 nrb = div_up(total, per_rb), nrt = div_up(nrb * 8, l->cs);

		if (nrb == rbc && nrt == rtc)
			break;
		rbc = MAX(rbc, nrb);
		rtc = MAX(rtc, nrt);
	}
	if (rtc * l->cs > QCOW2_MAX_RT_BYTES)
		return err_input(err, -EINVAL, "image size too large");
	l->rtc = rtc;
	l->rbc = rbc;
	l->total = 1 + rtc + rbc + l->l1c;
	return 0;
}

static u64 put_ext(u8 *p, u32 type, const void *data, u32 len)
{
	qcow2_put32(p, type);
	qcow2_put32(p + 4, len);
	memcpy(p + 8, data, len);
	return 8 + ALIGN_UP((u64)len, 8);
}

static int build_cluster0(const struct qcow2_create_opts *o,
			  const struct layout *l, u8 *buf, struct err *err)
{
	struct qcow2_header h = {
		.version = o->version,
		.cluster_bits = o->cluster_bits,
		.size = o->size,
		.l1_size = l->l1_size,
		.l1_off = (1 + l->rtc + l->rbc) * l->cs,
		.rt_off = l->cs,
		.rt_clusters = l->rtc,
		.refcount_order = 4,
		.header_len = o->version == 2 ? QCOW2_V2_HEADER_LEN :
						CREATE_HEADER_LEN,
	};
	u64 off = h.header_len, blen = o->backing ? strlen(o->backing) : 0;

	if (blen > QCOW2_MAX_BACKING_NAME)
		return err_input(err, -EINVAL, "backing file name too long");
	if (o->backing) {
		off += put_ext(buf + off, QCOW2_EXT_BACKING_FMT, o->backing_fmt,
			       strlen(o->backing_fmt));
	}
	off += 8; /* end of extensions: zeros */
	if (o->backing) {
		if (off + blen > l->cs)
			return err_input(
				err, -EINVAL,
				"backing file name does not fit in one cluster");
		h.backing_off = off;
		h.backing_len = blen;
		memcpy(buf + off, o->backing, blen);
	}
	qcow2_build_header(&h, buf);
	return 0;
}

int qcow2_create_check(const struct qcow2_create_opts *o, struct err *err)
{
	struct layout l;
	u8 *buf;
	int ret = plan(o, &l, err);

	if (ret)
		return ret;
	buf = calloc(1, l.cs);
	if (!buf)
		return err_host(err, -ENOMEM, "out of memory");
	ret = build_cluster0(o, &l, buf, err);
	free(buf);
	return ret;
}

/*
 * Make @fd empty. Not by ftruncate(fd, 0) when it already is: on ext4 a
 * truncation to size 0 marks the file as "replaced by truncate", and its
 * next close() then writes back all the data written since (auto_da_alloc),
 * which cost `img convert -t unsafe` a second per 2 GiB for nothing.
 */
static int empty_file(int fd)
{
	struct stat st;

	if (fstat(fd, &st))
		return -1;
	return st.st_size ? ftruncate(fd, 0) : 0;
}

int qcow2_create_fd(int fd, const struct qcow2_create_opts *o, struct err *err)
{
	struct layout l;
	u64 i, meta;
	u8 *buf;
	int ret;

	ret = plan(o, &l, err);
	if (ret)
		return ret;
	meta = 1 + l.rtc + l.rbc; /* header, refcount table and blocks */
	buf = calloc(meta, l.cs);
	if (!buf)
		return err_host(err, -ENOMEM, "out of memory");
	ret = build_cluster0(o, &l, buf, err);
	if (ret)
		goto out_buf;
	for (i = 0; i < l.rbc; i++)
		qcow2_put64(buf + l.cs + i * 8, (1 + l.rtc + i) * l.cs);
	for (i = 0; i < l.total; i++)
		qcow2_rc_write(buf + (1 + l.rtc) * l.cs, 4, i, 1);
	if (empty_file(fd) || ftruncate(fd, l.total * l.cs)) {
		ret = err_host(err, -errno, "cannot size the image");
		goto out_buf;
	}
	ret = qcow2_pwrite_full(fd, buf, meta * l.cs, 0);
	if (!ret && !o->no_sync && fdatasync(fd))
		ret = -errno;
	if (ret)
		err_host(err, ret, "cannot write the image: %s",
			 strerror(-ret));
out_buf:
	free(buf);
	return ret;
}
