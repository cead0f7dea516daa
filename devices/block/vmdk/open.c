// SPDX-License-Identifier: MIT
/*
 * Opening a VMDK image: a sparse file that carries its own descriptor
 * (monolithicSparse, streamOptimized) is its one extent; otherwise the
 * file is a text descriptor whose extent lines name the files, which are
 * opened read-only, read-locked, and only below the descriptor's
 * directory or inside backing-dir (disk_name_allowed()).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "devices/block/disk.h"
#include "devices/block/vmdk/vmdk_int.h"
#include "vmm/base/file.h"
#include "vmm/base/fileio.h"

#define DESC_MAGIC "# Disk DescriptorFile"

/* The extent @name of the descriptor @desc, confined to its directory. */
static int extent_path(const char *desc, const char *name, const char *dir,
		       char *out, struct err *err)
{
	char joined[PATH_MAX], who[PATH_MAX + 8];
	const char *slash = strrchr(desc, '/');
	int n;

	if (slash && name[0] != '/')
		n = snprintf(joined, sizeof(joined), "%.*s/%s",
			     (int)(slash - desc), desc, name);
	else
		n = snprintf(joined, sizeof(joined), "%s", name);
	if (n < 0 || (size_t)n >= sizeof(joined))
		return err_input(err, -ENAMETOOLONG,
				 "vmdk %s: extent name too long", desc);
	snprintf(who, sizeof(who), "vmdk %s", desc);
	return disk_name_allowed(who, "extent file", name, joined, dir, out,
				 err);
}

static int open_extent_file(struct vmdk_extent *e, struct err *err)
{
	char holder[DISK_HOLDER_LEN];
	struct stat st;
	int fd, ret;

	fd = file_open(e->path, O_RDONLY, FILE_REG | FILE_BLK, &st);
	if (fd == -EISDIR || fd == -FILE_EKIND)
		return err_input(err, fd, "vmdk: extent %s is %s", e->path,
				 file_kind_name(st.st_mode));
	if (fd < 0)
		return err_input(err, fd, "vmdk: cannot open extent %s: %s",
				 e->path, strerror(-fd));
	e->fd = fd;
	e->own_fd = true;
	ret = file_size(fd, &st, &e->file_size);
	if (ret)
		return err_input(err, ret, "vmdk: size of %s: %s", e->path,
				 strerror(-ret));
	ret = disk_lock_fd(fd, true);
	if (ret == -EBUSY) {
		disk_lock_holder(fd, holder, sizeof(holder));
		return err_input(err, ret, "vmdk: extent %s is in use by %s",
				 e->path, holder);
	}
	return ret ? err_input(err, ret, "vmdk: cannot lock %s", e->path) : 0;
}

static int add_extents(struct vmdk *v, const struct vmdk_desc *d,
		       const char *path, const char *dir, struct err *err)
{
	u64 start = 0;
	unsigned int i;
	int ret;

	v->ext = calloc(d->nr_ext, sizeof(*v->ext));
	if (!v->ext)
		return err_host(err, -ENOMEM, "out of memory");
	for (i = 0; i < d->nr_ext; i++, v->nr++) {
		const struct vmdk_ext_desc *x = &d->ext[i];
		struct vmdk_extent *e = &v->ext[i];

		e->fd = -1;
		e->type = x->type;
		e->start = start;
		e->len = x->sectors * VMDK_SECTOR;
		e->flat_off = x->offset * VMDK_SECTOR;
		start += e->len;
		if (x->type == VMDK_EXT_ZERO)
			continue;
		ret = extent_path(path, x->name, dir, e->path, err);
		if (!ret)
			ret = open_extent_file(e, err);
		if (!ret && x->type == VMDK_EXT_SPARSE)
			ret = vmdk_sparse_open(&e->sp, e->fd, e->file_size,
					       e->path, err);
		if (ret) {
			v->nr++;
			return ret;
		}
	}
	v->size = start;
	return 0;
}

static int parse_text(const char *buf, size_t len, struct vmdk_desc *d,
		      const char *path, struct err *err)
{
	int ret = vmdk_parse_desc(buf, len, d, err);
	char why[ERR_LEN];

	if (ret && !strncmp(err->msg, "vmdk: ", 6)) {
		snprintf(why, sizeof(why), "%s", err->msg + 6);
		err_set(err, err->class, ret, "vmdk %s: %s", path, why);
	}
	return ret;
}

/* A descriptor file: the whole file is text. */
static int open_text(struct vmdk *v, int fd, u64 size, const char *path,
		     const char *dir, struct err *err)
{
	struct vmdk_desc d;
	char *buf;
	int ret;

	if (size > VMDK_MAX_DESC)
		return err_input(err, -EINVAL, "vmdk %s: descriptor too large",
				 path);
	buf = malloc(size + 1);
	if (!buf)
		return err_host(err, -ENOMEM, "out of memory");
	ret = pread_full(fd, buf, size, 0);
	if (ret) {
		free(buf);
		return err_input(err, ret, "vmdk %s: cannot read", path);
	}
	buf[size] = '\0';
	ret = parse_text(buf, size, &d, path, err);
	free(buf);
	if (!ret) {
		snprintf(v->create_type, sizeof(v->create_type), "%s",
			 d.create_type);
		ret = add_extents(v, &d, path, dir, err);
	}
	vmdk_desc_free(&d);
	return ret;
}

/* A sparse file with its descriptor inside: the file is the extent. */
static int open_monolithic(struct vmdk *v, int fd, u64 size, const char *path,
			   struct err *err)
{
	struct vmdk_extent *e;
	struct vmdk_desc d;
	char *buf;
	int ret;

	v->ext = calloc(1, sizeof(*v->ext));
	if (!v->ext)
		return err_host(err, -ENOMEM, "out of memory");
	e = &v->ext[v->nr++];
	*e = (struct vmdk_extent){ .type = VMDK_EXT_SPARSE,
				   .fd = fd,
				   .file_size = size };
	snprintf(e->path, sizeof(e->path), "%s", path);
	ret = vmdk_sparse_open(&e->sp, fd, size, e->path, err);
	if (ret)
		return ret;
	e->len = v->size = e->sp->capacity * VMDK_SECTOR;
	snprintf(v->create_type, sizeof(v->create_type), "monolithicSparse");
	if (!e->sp->desc_len)
		return 0; /* an extent on its own */
	buf = calloc(1, e->sp->desc_len + 1);
	if (!buf)
		return err_host(err, -ENOMEM, "out of memory");
	ret = pread_full(fd, buf, e->sp->desc_len, e->sp->desc_off);
	if (!ret && !buf[0]) {
		free(buf);
		return 0; /* room for a descriptor, left empty */
	}
	if (!ret)
		ret = parse_text(buf, e->sp->desc_len, &d, path, err);
	free(buf);
	if (ret)
		return ret;
	snprintf(v->create_type, sizeof(v->create_type), "%s", d.create_type);
	if (d.nr_ext != 1 || d.ext[0].type != VMDK_EXT_SPARSE)
		ret = err_input(
			err, -EINVAL,
			"vmdk %s: an embedded descriptor must name one sparse extent",
			path);
	else if (d.ext[0].sectors > e->sp->capacity)
		ret = err_input(
			err, -EINVAL,
			"vmdk %s: the descriptor says %llu sectors, the extent holds %llu",
			path, (unsigned long long)d.ext[0].sectors,
			(unsigned long long)e->sp->capacity);
	else
		e->len = v->size = d.ext[0].sectors * VMDK_SECTOR;
	vmdk_desc_free(&d);
	return ret;
}

int vmdk_open(struct vmdk **out, int fd, const char *path, const char *dir,
	      struct err *err)
{
	char head[sizeof(DESC_MAGIC)] = { 0 };
	struct stat st;
	struct vmdk *v;
	u64 size;
	int ret;

	ret = fstat(fd, &st) ? -errno : file_size(fd, &st, &size);
	if (!ret)
		ret = pread_full(fd, head, sizeof(head) - 1, 0);
	if (ret)
		return err_input(err, ret, "vmdk %s: %s", path, strerror(-ret));
	v = calloc(1, sizeof(*v));
	if (!v)
		return err_host(err, -ENOMEM, "out of memory");
	if (vmdk_le32((u8 *)head) == VMDK_MAGIC)
		ret = open_monolithic(v, fd, size, path, err);
	else if (!strcmp(head, DESC_MAGIC))
		ret = open_text(v, fd, size, path, dir, err);
	else
		ret = err_input(
			err, -EINVAL,
			"vmdk %s: not a VMDK image (no sparse magic, no descriptor)",
			path);
	if (ret) {
		vmdk_close(v);
		return ret;
	}
	*out = v;
	return 0;
}

void vmdk_close(struct vmdk *v)
{
	unsigned int i;

	if (!v)
		return;
	for (i = 0; i < v->nr; i++) {
		vmdk_sparse_close(v->ext[i].sp);
		if (v->ext[i].own_fd)
			close(v->ext[i].fd);
	}
	free(v->ext);
	free(v);
}

u64 vmdk_size(const struct vmdk *v)
{
	return v->size;
}

const char *vmdk_create_type(const struct vmdk *v)
{
	return v->create_type;
}

u64 vmdk_allocated_bytes(const struct vmdk *v)
{
	u64 total = 0;
	struct stat st;
	unsigned int i;

	for (i = 0; i < v->nr; i++)
		if (v->ext[i].fd >= 0 && !fstat(v->ext[i].fd, &st))
			total += (u64)st.st_blocks * 512;
	return total;
}

bool vmdk_uses_file(const struct vmdk *v, const struct stat *st)
{
	struct stat own;
	unsigned int i;

	for (i = 0; i < v->nr; i++)
		if (v->ext[i].fd >= 0 && !fstat(v->ext[i].fd, &own) &&
		    file_same(&own, st))
			return true;
	return false;
}
