// SPDX-License-Identifier: MIT
/*
 * qcow2 header: parse the first cluster into struct qcow2_header and check
 * every field against the spec and the file before anything uses it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "devices/block/qcow2/qcow2.h"
#include "vmm/base/err.h"
#include "vmm/base/log.h"

static int parse_fixed(struct qcow2_header *h, const u8 *b, struct err *err)
{
	if (qcow2_get32(b) != QCOW2_MAGIC)
		return err_input(err, -EINVAL, "not a qcow2 image (bad magic)");
	h->version = qcow2_get32(b + 4);
	if (h->version != 2 && h->version != 3)
		return err_input(err, -EINVAL, "unsupported qcow2 version %u",
				 h->version);
	h->backing_off = qcow2_get64(b + 8);
	h->backing_len = qcow2_get32(b + 16);
	h->cluster_bits = qcow2_get32(b + 20);
	h->size = qcow2_get64(b + 24);
	h->crypt_method = qcow2_get32(b + 32);
	h->l1_size = qcow2_get32(b + 36);
	h->l1_off = qcow2_get64(b + 40);
	h->rt_off = qcow2_get64(b + 48);
	h->rt_clusters = qcow2_get32(b + 56);
	h->nb_snapshots = qcow2_get32(b + 60);
	h->snapshots_off = qcow2_get64(b + 64);
	if (h->version == 2) {
		h->incompat = h->compat = h->autoclear = 0;
		h->refcount_order = 4;
		h->header_len = QCOW2_V2_HEADER_LEN;
		h->compression_type = 0;
		return 0;
	}
	h->incompat = qcow2_get64(b + 72);
	h->compat = qcow2_get64(b + 80);
	h->autoclear = qcow2_get64(b + 88);
	h->refcount_order = qcow2_get32(b + 96);
	h->header_len = qcow2_get32(b + 100);
	h->compression_type = 0;
	if (h->header_len > 104)
		h->compression_type = b[104];
	return 0;
}

/* [off, off + len) lies in a file of @end bytes (overflow-safe). */
static bool in_file(u64 off, u64 len, u64 end)
{
	return off <= end && len <= end - off;
}

static int check_geometry(const struct qcow2_header *h, u64 fsize,
			  struct err *err)
{
	u64 cs, l2_cover, need, rt_len;

	if (h->cluster_bits < QCOW2_MIN_CLUSTER_BITS ||
	    h->cluster_bits > QCOW2_MAX_CLUSTER_BITS)
		return err_input(err, -EINVAL,
				 "cluster_bits %u out of range (9..21)",
				 h->cluster_bits);
	cs = 1ULL << h->cluster_bits;
	if (h->version == 3 &&
	    (h->header_len < QCOW2_V3_HEADER_LEN ||
	     !IS_ALIGNED(h->header_len, 8) || h->header_len > cs))
		return err_input(err, -EINVAL, "bad header_length %u",
				 h->header_len);
	if (h->refcount_order > 6)
		return err_input(err, -EINVAL,
				 "refcount_order %u out of range (0..6)",
				 h->refcount_order);
	if (h->size > QCOW2_MAX_SIZE)
		return err_input(err, -EINVAL, "virtual size %llu too large",
				 (unsigned long long)h->size);
	l2_cover = cs * (cs / 8);
	need = (h->size + l2_cover - 1) / l2_cover;
	if (h->l1_size < need)
		return err_input(err, -EINVAL,
				 "L1 table too small (%u entries, %llu needed)",
				 h->l1_size, (unsigned long long)need);
	if ((u64)h->l1_size * 8 > QCOW2_MAX_L1_BYTES)
		return err_input(err, -EINVAL,
				 "L1 table too large (%u entries)", h->l1_size);
	if (h->l1_size && (!IS_ALIGNED(h->l1_off, cs) || h->l1_off < cs ||
			   !in_file(h->l1_off, (u64)h->l1_size * 8, fsize)))
		return err_input(
			err, -EINVAL,
			"L1 table offset 0x%llx unaligned or outside the file",
			(unsigned long long)h->l1_off);
	rt_len = (u64)h->rt_clusters * cs;
	if (!h->rt_clusters || rt_len > QCOW2_MAX_RT_BYTES)
		return err_input(err, -EINVAL, "bad refcount_table_clusters %u",
				 h->rt_clusters);
	if (!IS_ALIGNED(h->rt_off, cs) || h->rt_off < cs ||
	    !in_file(h->rt_off, rt_len, fsize))
		return err_input(
			err, -EINVAL,
			"refcount table offset 0x%llx unaligned or outside the file",
			(unsigned long long)h->rt_off);
	if (h->l1_size && h->l1_off < h->rt_off + rt_len &&
	    h->rt_off < h->l1_off + (u64)h->l1_size * 8)
		return err_input(err, -EINVAL,
				 "L1 table overlaps the refcount table");
	return 0;
}

static int parse_backing_name(struct qcow2_header *h, const u8 *b, size_t len,
			      struct err *err)
{
	h->backing_name[0] = 0;
	if (!h->backing_off)
		return 0;
	if (!h->backing_len || h->backing_len > QCOW2_MAX_BACKING_NAME ||
	    h->backing_off < h->header_len ||
	    !in_file(h->backing_off, h->backing_len, len))
		return err_input(
			err, -EINVAL,
			"backing file name (offset %llu, %u bytes) outside the first cluster",
			(unsigned long long)h->backing_off, h->backing_len);
	if (memchr(b + h->backing_off, 0, h->backing_len))
		return err_input(err, -EINVAL,
				 "backing file name contains a NUL byte");
	memcpy(h->backing_name, b + h->backing_off, h->backing_len);
	h->backing_name[h->backing_len] = 0;
	return 0;
}

static int parse_extensions(struct qcow2_header *h, const u8 *b, size_t len,
			    struct err *err)
{
	u64 off = h->header_len;
	bool seen_fmt = false;

	h->backing_fmt[0] = 0;
	while (off + 8 <= len) {
		u32 type = qcow2_get32(b + off);
		u32 elen = qcow2_get32(b + off + 4);

		if (type == QCOW2_EXT_END)
			return 0;
		if (elen > len - off - 8)
			return err_input(
				err, -EINVAL,
				"header extension 0x%x overruns the first cluster",
				type);
		if (type == QCOW2_EXT_BACKING_FMT) {
			if (seen_fmt || !elen ||
			    elen >= sizeof(h->backing_fmt) ||
			    memchr(b + off + 8, 0, elen))
				return err_input(
					err, -EINVAL,
					"bad backing format extension");
			memcpy(h->backing_fmt, b + off + 8, elen);
			h->backing_fmt[elen] = 0;
			seen_fmt = true;
		}
		off += 8 + ALIGN_UP((u64)elen, 8);
	}
	return 0;
}

int qcow2_parse_header(struct qcow2_header *h, const u8 *buf, size_t len,
		       u64 file_size, struct err *err)
{
	int ret;

	memset(h, 0, sizeof(*h));
	if (len < QCOW2_V3_HEADER_LEN + 8)
		return err_input(err, -EINVAL, "qcow2 header truncated");
	ret = parse_fixed(h, buf, err);
	if (ret)
		return ret;
	ret = check_geometry(h, file_size, err);
	if (ret)
		return ret;
	if (len > (1ULL << h->cluster_bits))
		len = 1ULL << h->cluster_bits;
	ret = parse_backing_name(h, buf, len, err);
	if (ret)
		return ret;
	return parse_extensions(h, buf, len, err);
}

int qcow2_read_header(int fd, struct qcow2_header *h, u64 file_size,
		      struct err *err)
{
	u8 first[512];
	u64 len = sizeof(first);
	u32 bits;
	u8 *buf;
	int ret;

	ret = qcow2_pread_full(fd, first, sizeof(first), 0);
	if (ret)
		return err_input(err, ret, "qcow2: cannot read header");
	/* A bad cluster_bits is reported by the parse of the first bytes. */
	bits = qcow2_get32(first + 20);
	if (bits < QCOW2_MIN_CLUSTER_BITS || bits > QCOW2_MAX_CLUSTER_BITS)
		return qcow2_parse_header(h, first, len, file_size, err);
	len = 1ULL << bits;
	buf = malloc(len);
	if (!buf)
		return err_host(err, -ENOMEM, "out of memory");
	ret = qcow2_pread_full(fd, buf, len, 0);
	if (ret)
		ret = err_input(err, ret, "qcow2: cannot read header");
	else
		ret = qcow2_parse_header(h, buf, len, file_size, err);
	free(buf);
	return ret;
}

int qcow2_check_features(const struct qcow2_header *h, bool writable,
			 struct err *err)
{
	u64 unknown = h->incompat & ~QCOW2_INCOMPAT_KNOWN;

	if (unknown)
		return err_input(err, -ENOTSUP,
				 "qcow2: unknown incompatible feature bit %d",
				 __builtin_ctzll(unknown));
	if (h->incompat & QCOW2_INCOMPAT_CORRUPT)
		return err_input(
			err, -EINVAL,
			"qcow2: image is marked corrupt (run qemu-img check -r all)");
	if (h->crypt_method)
		return err_input(
			err, -ENOTSUP,
			"qcow2: encryption (crypt_method %u) not supported",
			h->crypt_method);
	if (h->incompat & QCOW2_INCOMPAT_DATA_FILE)
		return err_input(err, -ENOTSUP,
				 "qcow2: external data file not supported");
	if (h->incompat & QCOW2_INCOMPAT_EXTL2)
		return err_input(err, -ENOTSUP,
				 "qcow2: extended L2 entries not supported");
	if ((h->incompat & QCOW2_INCOMPAT_COMPRESSION) || h->compression_type)
		return err_input(
			err, -ENOTSUP,
			"qcow2: compression type %u not supported (only deflate)",
			h->compression_type);
	if (writable && (h->incompat & QCOW2_INCOMPAT_DIRTY))
		return err_input(
			err, -EINVAL,
			"qcow2: image is dirty (lazy refcounts); run qemu-img check -r all or open readonly=on");
	if (writable && h->nb_snapshots)
		return err_input(
			err, -ENOTSUP,
			"qcow2: writing images with internal snapshots not supported (open readonly=on)");
	return 0;
}

void qcow2_build_header(const struct qcow2_header *h, u8 *b)
{
	memset(b, 0,
	       h->version == 2 ? QCOW2_V2_HEADER_LEN : QCOW2_V3_HEADER_LEN);
	qcow2_put32(b, QCOW2_MAGIC);
	qcow2_put32(b + 4, h->version);
	qcow2_put64(b + 8, h->backing_off);
	qcow2_put32(b + 16, h->backing_len);
	qcow2_put32(b + 20, h->cluster_bits);
	qcow2_put64(b + 24, h->size);
	qcow2_put32(b + 32, h->crypt_method);
	qcow2_put32(b + 36, h->l1_size);
	qcow2_put64(b + 40, h->l1_off);
	qcow2_put64(b + 48, h->rt_off);
	qcow2_put32(b + 56, h->rt_clusters);
	qcow2_put32(b + 60, h->nb_snapshots);
	qcow2_put64(b + 64, h->snapshots_off);
	if (h->version == 2)
		return;
	qcow2_put64(b + 72, h->incompat);
	qcow2_put64(b + 80, h->compat);
	qcow2_put64(b + 88, h->autoclear);
	qcow2_put32(b + 96, h->refcount_order);
	qcow2_put32(b + 100, h->header_len);
}
