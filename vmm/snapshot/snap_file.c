// SPDX-License-Identifier: MIT
/* The snapshot state file: sections, header and CRC (snap_file.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "vmm/snapshot/snap_file.h"

#define PAD8(x) ALIGN_UP((x), (u64)8)

void snap_writer_init(struct snap_writer *w)
{
	memset(w, 0, sizeof(*w));
	w->len = sizeof(struct snap_header);
	w->cap = 64 * KiB;
	w->buf = calloc(1, w->cap);
	if (!w->buf)
		w->error = -ENOMEM;
}

void snap_writer_free(struct snap_writer *w)
{
	free(w->buf);
	w->buf = NULL;
}

static int grow(struct snap_writer *w, size_t need)
{
	size_t cap = w->cap;
	u8 *p;

	while (cap < need)
		cap *= 2;
	if (cap == w->cap)
		return 0;
	p = realloc(w->buf, cap);
	if (!p)
		return -ENOMEM;
	memset(p + w->cap, 0, cap - w->cap);
	w->buf = p;
	w->cap = cap;
	return 0;
}

void snap_add(struct snap_writer *w, u32 type, u32 index, const void *data,
	      u64 size)
{
	struct snap_section s = { .type = type, .index = index, .size = size };

	if (w->error)
		return;
	if (size > SNAP_MAX_STATE || w->nr >= SNAP_MAX_SECTIONS ||
	    grow(w, w->len + sizeof(s) + PAD8(size))) {
		w->error = -ENOMEM;
		return;
	}
	memcpy(w->buf + w->len, &s, sizeof(s));
	memcpy(w->buf + w->len + sizeof(s), data, size);
	w->len += sizeof(s) + PAD8(size);
	w->nr++;
}

int snap_writer_finish(struct snap_writer *w, u64 memory_size)
{
	struct snap_header h = {
		.magic = SNAP_MAGIC,
		.version = SNAP_VERSION,
		.header_size = sizeof(h),
		.state_size = w->len,
		.memory_size = memory_size,
		.nr_sections = w->nr,
	};

	if (w->error)
		return w->error;
	if (w->len > SNAP_MAX_STATE)
		return -EFBIG;
	memcpy(w->buf, &h, sizeof(h));
	h.crc32 = crc32(0L, w->buf, w->len);
	memcpy(w->buf, &h, sizeof(h));
	return 0;
}

static int bad(struct err *err, const char *what)
{
	return err_input(err, -EINVAL, "%s", what);
}

/* Magic, version (before the CRC, so that it is named), sizes, CRC. */
static int check_header(const u8 *buf, size_t len, struct snap_header *h,
			struct err *err)
{
	struct snap_header z;

	if (len < sizeof(*h))
		return bad(err, "state file is shorter than its header");
	memcpy(h, buf, sizeof(*h));
	if (memcmp(h->magic, SNAP_MAGIC, sizeof(h->magic)))
		return bad(err, "state file is not a squeeze snapshot");
	if (h->version != SNAP_VERSION)
		return err_input(
			err, -EINVAL,
			"snapshot format version %u, this squeeze reads version %u",
			h->version, SNAP_VERSION);
	if (h->header_size != sizeof(*h))
		return bad(err, "state file has a header of the wrong size");
	if (h->state_size != len)
		return err_input(
			err, -EINVAL,
			"state file is %zu bytes, its header says %llu (truncated?)",
			len, (unsigned long long)h->state_size);
	z = *h;
	z.crc32 = 0;
	if (crc32(crc32(0L, (const u8 *)&z, sizeof(z)), buf + sizeof(z),
		  len - sizeof(z)) != h->crc32)
		return bad(err, "state file is corrupt (checksum mismatch)");
	if (h->nr_sections > SNAP_MAX_SECTIONS)
		return bad(err, "state file has too many sections");
	return 0;
}

int snap_parse(struct snap_reader *r, u8 *buf, size_t len, struct err *err)
{
	struct snap_header h;
	size_t off = sizeof(h);
	u32 i;
	int ret;

	memset(r, 0, sizeof(*r));
	r->buf = buf;
	r->len = len;
	ret = check_header(buf, len, &h, err);
	if (ret)
		return ret;
	r->memory_size = h.memory_size;
	r->sec = calloc(h.nr_sections + 1, sizeof(*r->sec));
	if (!r->sec)
		return err_host(err, -ENOMEM, "out of memory");
	for (i = 0; i < h.nr_sections; i++) {
		struct snap_section s;

		if (len - off < sizeof(s))
			return bad(err, "state file ends inside a section");
		memcpy(&s, buf + off, sizeof(s));
		off += sizeof(s);
		if (s.size > len - off || PAD8(s.size) > len - off)
			return bad(err, "a section runs past the state file");
		r->sec[i] = (struct snap_entry){ s.type, s.index, buf + off,
						 s.size };
		off += PAD8(s.size);
	}
	if (off != len)
		return bad(err, "state file has bytes after its last section");
	r->nr = h.nr_sections;
	return 0;
}

int snap_open(const char *dir, const char *name, struct err *err)
{
	char path[4096];
	int fd;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    (int)sizeof(path))
		return err_input(err, -ENAMETOOLONG,
				 "snapshot %s: path too long", dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_input(err, -errno, "snapshot %s: cannot open %s: %s",
				 dir, name, strerror(errno));
	return fd;
}

int snap_read(struct snap_reader *r, const char *dir, struct err *err)
{
	struct stat st;
	u8 *buf = NULL;
	ssize_t n;
	int fd, ret;

	memset(r, 0, sizeof(*r));
	fd = snap_open(dir, SNAP_STATE_FILE, err);
	if (fd < 0)
		return fd;
	ret = -EINVAL;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    st.st_size > (off_t)SNAP_MAX_STATE) {
		err_input(
			err, -EINVAL,
			"snapshot %s: %s is not a regular file of a sane size",
			dir, SNAP_STATE_FILE);
		goto close_fd;
	}
	buf = malloc(st.st_size);
	if (!buf) {
		ret = err_host(err, -ENOMEM, "out of memory");
		goto close_fd;
	}
	n = pread(fd, buf, st.st_size, 0);
	if (n != st.st_size) {
		free(buf);
		ret = err_input(err, -EIO, "snapshot %s: cannot read %s", dir,
				SNAP_STATE_FILE);
		goto close_fd;
	}
	ret = snap_parse(r, buf, st.st_size, err);
	if (ret)
		err_prefix(err, "snapshot %s", dir);
close_fd:
	close(fd);
	return ret;
}

void snap_reader_free(struct snap_reader *r)
{
	free(r->sec);
	free(r->buf);
	memset(r, 0, sizeof(*r));
}

const void *snap_find(const struct snap_reader *r, u32 type, u32 index,
		      u64 *size)
{
	u32 i;

	for (i = 0; i < r->nr; i++) {
		if (r->sec[i].type == type && r->sec[i].index == index) {
			*size = r->sec[i].size;
			return r->sec[i].data;
		}
	}
	return NULL;
}

const void *snap_get(const struct snap_reader *r, u32 type, u32 index, u64 size)
{
	u64 got;
	const void *p = snap_find(r, type, index, &got);

	return p && got == size ? p : NULL;
}
