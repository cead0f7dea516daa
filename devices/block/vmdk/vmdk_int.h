/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_VMDK_INT_H
#define SQUEEZE_VMDK_INT_H

#include "devices/block/vmdk/vmdk.h"

/* The insides of devices/block/vmdk/ (see vmdk.h for the map). */

#define VMDK_MAGIC	       0x564d444bU /* "KDMV" read little-endian */
#define VMDK_HEADER_LEN	       512
#define VMDK_GD_AT_END	       (~0ULL)	 /* streamOptimized: see the footer */
#define VMDK_FLAG_ZERO_GRAIN   (1U << 2) /* a GTE of 1: a zeroed grain */
#define VMDK_FLAG_COMPRESSED   (1U << 16)
#define VMDK_COMPRESS_DEFLATE  1
#define VMDK_MAX_GRAIN_SECTORS 2048 /* 1 MiB grains */
#define VMDK_MAX_GTES	       4096
#define VMDK_MAX_GD_BYTES      (64 * MiB)
#define VMDK_MARKER_LEN	       12 /* lba (8), compressed size (4) */

/* A hosted sparse extent ("KDMV"): what its header says, checked. */
struct vmdk_sparse {
	int fd;
	u64 file_size;
	const char *path; /* for messages */
	u32 version, flags;
	u64 capacity;		/* sectors */
	u64 grain;		/* bytes */
	u32 gtes;		/* entries per grain table */
	u64 desc_off, desc_len; /* embedded descriptor, bytes */
	u64 gd_off;		/* grain directory, bytes */
	u32 *gd;		/* grain directory, host order */
	u64 gd_entries;
	u32 *gt;	 /* the grain table last read */
	u64 gt_index;	 /* its GD index; ~0: none */
	u8 *grain_buf;	 /* the grain last inflated */
	u64 grain_index; /* its grain number; ~0: none */
	u8 *cbuf;	 /* compressed input */
	bool logged;	 /* one line per extent */
};

struct vmdk_extent {
	enum vmdk_ext_type type;
	u64 start, len; /* bytes of the virtual disk */
	int fd;		/* -1 for ZERO */
	bool own_fd;	/* not the caller's descriptor fd */
	u64 flat_off;	/* FLAT: bytes into the file */
	u64 file_size;
	char path[4096];
	struct vmdk_sparse *sp; /* SPARSE */
};

struct vmdk {
	char create_type[32];
	u64 size;
	unsigned int nr;
	struct vmdk_extent *ext;
};

/* sparse.c */
/* Parse the 512-byte header at @buf (of a file of @file_size bytes). */
int vmdk_sparse_header(struct vmdk_sparse *s, const u8 *buf, u64 file_size,
		       struct err *err);
/* Open the sparse extent on @fd: header (or footer), grain directory. */
int vmdk_sparse_open(struct vmdk_sparse **out, int fd, u64 file_size,
		     const char *path, struct err *err);
void vmdk_sparse_close(struct vmdk_sparse *s);
/* Read within one grain: [off, off + len) of the extent. */
int vmdk_sparse_read(struct vmdk_sparse *s, u64 off, void *buf, u64 len);
/* The grain at @off: 1 when it holds data, 0 when it reads as zeros. */
int vmdk_sparse_allocated(struct vmdk_sparse *s, u64 off);

static inline u32 vmdk_le32(const u8 *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (u32)p[3] << 24;
}

static inline u64 vmdk_le64(const u8 *p)
{
	return vmdk_le32(p) | (u64)vmdk_le32(p + 4) << 32;
}

#endif
