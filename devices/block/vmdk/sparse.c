// SPDX-License-Identifier: MIT
/*
 * Hosted sparse extents: a 512-byte header, a grain directory of grain
 * table offsets, grain tables of grain offsets (all in sectors, little-
 * endian), and grains, plain or (streamOptimized) deflate-compressed
 * behind a marker { lba, size }. A streamOptimized file may keep its
 * grain directory at the end: its header then says GD_AT_END and the
 * footer, a copy of the header 1024 bytes before the end, has it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "devices/block/vmdk/vmdk_int.h"
#include "vmm/base/fileio.h"
#include "vmm/base/log.h"

/* Log once per extent, fail the read. */
static int bad(struct vmdk_sparse *s, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	if (s->logged)
		return -EIO;
	s->logged = true;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pr_err("vmdk %s: %s", s->path, msg);
	return -EIO;
}

int vmdk_sparse_header(struct vmdk_sparse *s, const u8 *b, u64 file_size,
		       struct err *err)
{
	u64 gs, gd_off, per_gt;

	if (vmdk_le32(b) != VMDK_MAGIC)
		return err_input(err, -EINVAL,
				 "not a VMDK sparse extent (bad magic)");
	s->version = vmdk_le32(b + 4);
	s->flags = vmdk_le32(b + 8);
	s->capacity = vmdk_le64(b + 12);
	gs = vmdk_le64(b + 20);
	s->desc_off = vmdk_le64(b + 28);
	s->desc_len = vmdk_le64(b + 36);
	s->gtes = vmdk_le32(b + 44);
	gd_off = vmdk_le64(b + 56);
	if (s->version < 1 || s->version > 3)
		return err_input(err, -ENOTSUP, "VMDK version %u not supported",
				 s->version);
	if (!s->capacity || s->capacity > VMDK_MAX_SECTORS)
		return err_input(err, -EINVAL, "bad capacity (%llu sectors)",
				 (unsigned long long)s->capacity);
	if (!IS_POW2(gs) || gs > VMDK_MAX_GRAIN_SECTORS)
		return err_input(err, -EINVAL, "bad grain size (%llu sectors)",
				 (unsigned long long)gs);
	if (!IS_POW2(s->gtes) || s->gtes > VMDK_MAX_GTES)
		return err_input(err, -EINVAL,
				 "bad number of grain table entries (%u)",
				 s->gtes);
	if ((s->flags & VMDK_FLAG_COMPRESSED) &&
	    (b[77] | b[78] << 8) != VMDK_COMPRESS_DEFLATE)
		return err_input(err, -ENOTSUP, "unknown grain compression %u",
				 b[77] | b[78] << 8);
	s->grain = gs * VMDK_SECTOR;
	per_gt = gs * s->gtes;
	s->gd_entries = (s->capacity + per_gt - 1) / per_gt;
	if (s->gd_entries * 4 > VMDK_MAX_GD_BYTES)
		return err_input(
			err, -EINVAL,
			"capacity of %llu sectors too large for its grain directory",
			(unsigned long long)s->capacity);
	if (s->desc_off > file_size / VMDK_SECTOR ||
	    s->desc_len > VMDK_MAX_DESC / VMDK_SECTOR ||
	    s->desc_off * VMDK_SECTOR + s->desc_len * VMDK_SECTOR > file_size)
		return err_input(err, -EINVAL,
				 "embedded descriptor outside the file");
	s->desc_off *= VMDK_SECTOR;
	s->desc_len *= VMDK_SECTOR;
	if (gd_off == VMDK_GD_AT_END)
		return 1; /* the caller reads the footer */
	if (s->gd_entries * 4 > file_size || gd_off > file_size / VMDK_SECTOR ||
	    gd_off * VMDK_SECTOR > file_size - s->gd_entries * 4)
		return err_input(
			err, -EINVAL,
			"grain directory at sector %llu outside the file",
			(unsigned long long)gd_off);
	if (!gd_off)
		return err_input(err, -EINVAL, "no grain directory");
	s->gd_off = gd_off * VMDK_SECTOR;
	return 0;
}

static int load_gd(struct vmdk_sparse *s, struct err *err)
{
	u32 *gd = malloc(MAX(s->gd_entries, 1) * 4);
	u64 i;
	int ret;

	if (!gd)
		return err_host(err, -ENOMEM, "out of memory");
	ret = pread_full(s->fd, gd, s->gd_entries * 4, s->gd_off);
	if (ret) {
		free(gd);
		return err_input(err, ret, "cannot read the grain directory");
	}
	for (i = 0; i < s->gd_entries; i++)
		gd[i] = vmdk_le32((u8 *)&gd[i]);
	s->gd = gd;
	return 0;
}

static int read_header(struct vmdk_sparse *s, struct err *err)
{
	u8 b[VMDK_HEADER_LEN];
	int ret;

	ret = pread_full(s->fd, b, sizeof(b), 0);
	if (!ret)
		ret = vmdk_sparse_header(s, b, s->file_size, err);
	if (ret != 1)
		return ret;
	/* GD_AT_END: the footer (a header) is 1024 bytes before the end. */
	if (s->file_size < 3 * VMDK_HEADER_LEN)
		return err_input(err, -EINVAL, "no footer");
	ret = pread_full(s->fd, b, sizeof(b), s->file_size - 1024);
	if (!ret)
		ret = vmdk_sparse_header(s, b, s->file_size, err);
	if (ret == 1)
		return err_input(err, -EINVAL,
				 "the footer has no grain directory");
	return ret;
}

int vmdk_sparse_open(struct vmdk_sparse **out, int fd, u64 file_size,
		     const char *path, struct err *err)
{
	struct vmdk_sparse *s = calloc(1, sizeof(*s));
	int ret;

	if (!s)
		return err_host(err, -ENOMEM, "out of memory");
	s->fd = fd;
	s->file_size = file_size;
	s->path = path;
	s->gt_index = s->grain_index = ~0ULL;
	ret = read_header(s, err);
	if (!ret)
		ret = load_gd(s, err);
	if (!ret) {
		s->gt = malloc(s->gtes * 4);
		s->grain_buf = malloc(s->grain);
		s->cbuf = malloc(2 * s->grain + VMDK_MARKER_LEN);
		if (!s->gt || !s->grain_buf || !s->cbuf)
			ret = err_host(err, -ENOMEM, "out of memory");
	}
	if (ret) {
		vmdk_sparse_close(s);
		return err_prefix(err, "vmdk %s", path);
	}
	*out = s;
	return 0;
}

void vmdk_sparse_close(struct vmdk_sparse *s)
{
	if (!s)
		return;
	free(s->gd);
	free(s->gt);
	free(s->grain_buf);
	free(s->cbuf);
	free(s);
}

/* The grain table entry for byte @off; 0: unallocated. */
static int lookup(struct vmdk_sparse *s, u64 off, u32 *gte)
{
	u64 g = off / s->grain, gdi = g / s->gtes, i;
	u64 gt_off;
	int ret;

	*gte = 0;
	if (gdi >= s->gd_entries || !s->gd[gdi])
		return 0;
	if (gdi != s->gt_index) {
		gt_off = (u64)s->gd[gdi] * VMDK_SECTOR;
		if (gt_off > s->file_size ||
		    s->file_size - gt_off < s->gtes * 4)
			return bad(
				s,
				"grain table %llu at 0x%llx lies past the end of the file",
				(unsigned long long)gdi,
				(unsigned long long)gt_off);
		ret = pread_full(s->fd, s->gt, s->gtes * 4, gt_off);
		if (ret)
			return ret;
		for (i = 0; i < s->gtes; i++)
			s->gt[i] = vmdk_le32((u8 *)&s->gt[i]);
		s->gt_index = gdi;
	}
	*gte = s->gt[g % s->gtes];
	if (*gte == 1 && (s->flags & VMDK_FLAG_ZERO_GRAIN))
		*gte = 0;
	return 0;
}

int vmdk_sparse_allocated(struct vmdk_sparse *s, u64 off)
{
	u32 gte;
	int ret = lookup(s, off, &gte);

	return ret ? ret : gte != 0;
}

/* Inflate the compressed grain @g whose marker is at @moff. */
static int inflate_grain(struct vmdk_sparse *s, u64 g, u64 moff)
{
	u64 lba, size;
	uLongf out = s->grain;
	int ret;

	if (moff > s->file_size || s->file_size - moff < VMDK_MARKER_LEN)
		return bad(s,
			   "grain %llu at 0x%llx lies past the end of the file",
			   (unsigned long long)g, (unsigned long long)moff);
	ret = pread_full(s->fd, s->cbuf, VMDK_MARKER_LEN, moff);
	if (ret)
		return ret;
	lba = vmdk_le64(s->cbuf);
	size = vmdk_le32(s->cbuf + 8);
	if (lba != g * (s->grain / VMDK_SECTOR) || !size ||
	    size > 2 * s->grain || s->file_size - moff - VMDK_MARKER_LEN < size)
		return bad(
			s,
			"compressed grain %llu at 0x%llx: bad marker (lba %llu, %llu bytes)",
			(unsigned long long)g, (unsigned long long)moff,
			(unsigned long long)lba, (unsigned long long)size);
	ret = pread_full(s->fd, s->cbuf, size, moff + VMDK_MARKER_LEN);
	if (ret)
		return ret;
	ret = uncompress(s->grain_buf, &out, s->cbuf, size);
	if (ret != Z_OK)
		return bad(s,
			   "compressed grain %llu at 0x%llx does not inflate",
			   (unsigned long long)g, (unsigned long long)moff);
	memset(s->grain_buf + out, 0, s->grain - out);
	s->grain_index = g;
	return 0;
}

int vmdk_sparse_read(struct vmdk_sparse *s, u64 off, void *buf, u64 len)
{
	u64 g = off / s->grain, in = off % s->grain, goff;
	u32 gte;
	int ret;

	ret = lookup(s, off, &gte);
	if (ret)
		return ret;
	if (!gte) {
		memset(buf, 0, len);
		return 0;
	}
	goff = (u64)gte * VMDK_SECTOR;
	if (s->flags & VMDK_FLAG_COMPRESSED) {
		if (s->grain_index != g) {
			ret = inflate_grain(s, g, goff);
			if (ret)
				return ret;
		}
		memcpy(buf, s->grain_buf + in, len);
		return 0;
	}
	if (goff >= s->file_size)
		return bad(s,
			   "grain %llu at 0x%llx lies past the end of the file",
			   (unsigned long long)g, (unsigned long long)goff);
	/* A grain cut short by the end of the file reads as zeros after. */
	return pread_full(s->fd, buf, len, goff + in);
}
