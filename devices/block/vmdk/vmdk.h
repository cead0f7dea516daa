/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_VMDK_H
#define SQUEEZE_VMDK_H

#include <sys/stat.h>

#include "vmm/base/err.h"
#include "vmm/base/types.h"

/*
 * VMware's VMDK (Virtual Disk Format 1.1), read-only: the subformats
 * `qemu-img create -f vmdk -o subformat=...` makes: monolithicSparse,
 * monolithicFlat, twoGbMaxExtentSparse, twoGbMaxExtentFlat and
 * streamOptimized. Split by concern, in devices/block/vmdk/:
 *   desc.c    the text descriptor: create type, parent, extent lines
 *   sparse.c  hosted sparse extents: header, grain directory and tables,
 *             plain and deflate-compressed grains
 *   open.c    opening an image: its descriptor, then each extent file
 *   read.c    reads and block status across extents
 *   disk.c    struct disk_ops glue (read-only)
 *
 * Every number and offset read from a file is checked before use; a bad
 * one fails the read with -EIO and one logged line naming the extent and
 * the table. Extent file names are data inside a file: only a relative
 * name that stays below the descriptor's directory (no leading '/', no
 * ".." component) is opened, unless backing-dir= names a directory that
 * holds it (disk_name_allowed(), as for qcow2 backing files).
 */

#define VMDK_SECTOR	 512ULL
#define VMDK_MAX_EXTENTS 4096
#define VMDK_NAME_MAX	 255
#define VMDK_MAX_DESC	 (1 * MiB)    /* a descriptor file, at most */
#define VMDK_MAX_SECTORS (1ULL << 47) /* 64 PiB of virtual disk */

enum vmdk_ext_type { VMDK_EXT_FLAT, VMDK_EXT_SPARSE, VMDK_EXT_ZERO };

struct vmdk_ext_desc {
	enum vmdk_ext_type type;
	u64 sectors;
	u64 offset; /* FLAT: sectors into the file */
	char name[VMDK_NAME_MAX + 1];
};

struct vmdk_desc {
	char create_type[32];
	unsigned int nr_ext;
	struct vmdk_ext_desc *ext; /* nr_ext entries, malloc'ed */
};

/*
 * Parse a descriptor (@len bytes of text, not necessarily terminated).
 * Refuses what squeeze cannot read: a parent (snapshot chains), unknown
 * create or extent types, NOACCESS extents, sizes past VMDK_MAX_SECTORS.
 * 0 (free @d with vmdk_desc_free()) or -EINVAL with one line in @err
 * (nothing to free then).
 */
int vmdk_parse_desc(const char *text, size_t len, struct vmdk_desc *d,
		    struct err *err);
void vmdk_desc_free(struct vmdk_desc *d);

struct vmdk;

/*
 * Open the VMDK image whose descriptor (or monolithic file) is @path,
 * already open on @fd (the caller keeps and closes @fd). Extent files
 * are opened read-only and read-locked; an absolute or ".." extent name
 * only inside @dir (backing-dir=, or NULL). 0 or -errno with one line.
 */
int vmdk_open(struct vmdk **out, int fd, const char *path, const char *dir,
	      struct err *err);
void vmdk_close(struct vmdk *v);
u64 vmdk_size(const struct vmdk *v);
const char *vmdk_create_type(const struct vmdk *v);
/* Is @st one of the image's extent files? */
bool vmdk_uses_file(const struct vmdk *v, const struct stat *st);
/* Bytes the extent files take on disk (a descriptor file excluded). */
u64 vmdk_allocated_bytes(const struct vmdk *v);

/* Read [off, off + len) of the virtual disk: 0 or -errno (logged). */
int vmdk_read(struct vmdk *v, u64 off, void *buf, u64 len);
/*
 * From @off (< size), how many bytes (*@run, at most @len) read alike:
 * *@flags is 0 for data, or DISK_ST_HOLE | DISK_ST_ZERO (disk.h).
 */
int vmdk_status(struct vmdk *v, u64 off, u64 len, u64 *run, u32 *flags);

#endif
