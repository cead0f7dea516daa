// SPDX-License-Identifier: MIT
/*
 * `squeeze img resize [-f raw|qcow2] FILE [+|-]SIZE`: grow or shrink the
 * virtual size of a raw or qcow2 (v2 or v3) image in place. Shrinking is
 * refused unless nothing past the new size is allocated (raw: no data
 * past it, by SEEK_DATA; qcow2: no cluster). The image is write-locked
 * like a running VM locks it, so an image in use is refused. The format
 * is never guessed: a file with the qcow2 magic needs -f.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "devices/block/qcow2/qcow2.h"
#include "vmm/base/size.h"
#include "vmm/img/img_convert.h"
#include "vmm/img/img_resize.h"
#include "vmm/img/img_util.h"

static const char resize_usage[] =
	"usage: squeeze img resize [-f raw|qcow2] FILE [+|-]SIZE\n";

struct resize_args {
	const char *file, *size;
	enum disk_format fmt;
};

static int parse(struct resize_args *a, int argc, char **argv)
{
	int i;

	for (i = 0; i < argc; i++) {
		const char *o = argv[i];

		if (!strcmp(o, "-f") && i + 1 < argc) {
			if (img_parse_format(argv[++i], &a->fmt))
				return img_fail(
					2, "resize: -f takes raw or qcow2");
		} else if (o[0] == '-' && !(o[1] >= '0' && o[1] <= '9')) {
			fputs(resize_usage, stderr);
			return 2;
		} else if (!a->file) {
			a->file = o;
		} else if (!a->size) {
			a->size = o;
		} else {
			return img_fail(2, "resize: too many arguments");
		}
	}
	if (!a->size) {
		fputs(resize_usage, stderr);
		return 2;
	}
	if (a->fmt == DISK_FMT_VMDK)
		return img_fail(2, "resize: vmdk images are read-only here");
	return 0;
}

/* SIZE, +SIZE or -SIZE against @old: 0, or 2 after a message. */
static int new_size(const char *s, u64 old, u64 *size)
{
	int sign = *s == '+' ? 1 : *s == '-' ? -1 : 0;
	u64 v;

	if (parse_size(s + !!sign, &v))
		return img_fail(2, "resize: bad size '%s'", s);
	if (sign < 0 && v > old)
		return img_fail(2, "resize: %s would make the size negative",
				s);
	*size = sign > 0 ? old + v : sign < 0 ? old - v : v;
	if (*size % 512 || (sign > 0 && *size < old))
		return img_fail(
			2, "resize: the new size must be a multiple of 512");
	return 0;
}

static int resize_raw(int fd, const char *file, const char *arg)
{
	struct stat st;
	u64 size;
	off_t data;
	int ret;

	if (fstat(fd, &st))
		return img_fail(1, "resize: %s: %s", file, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return img_fail(2, "resize: %s is not a regular file", file);
	ret = new_size(arg, st.st_size, &size);
	if (ret)
		return ret;
	if (size < (u64)st.st_size) {
		data = lseek(fd, size, SEEK_DATA);
		if (data >= 0 && data < st.st_size)
			return img_fail(
				2,
				"resize: cannot shrink: data at byte %lld, past the new size",
				(long long)data);
	}
	if (ftruncate(fd, size) || fsync(fd))
		return img_fail(1, "resize: %s: %s", file, strerror(errno));
	printf("resized %s: %llu -> %llu bytes\n", file,
	       (unsigned long long)st.st_size, (unsigned long long)size);
	return 0;
}

static int resize_qcow2(const char *file, const char *arg)
{
	struct err err = { 0 };
	struct qcow2 *q;
	u64 old, size;
	int ret;

	if (qcow2_open_image(&q, file, true, NULL, 0, NULL, 0, &err))
		return img_fail(err_exit_status(&err), "resize: %s", err.msg);
	old = q->h.size;
	ret = new_size(arg, old, &size);
	if (!ret && qcow2_resize(q, size, &err))
		ret = img_fail(err_exit_status(&err), "resize: %s: %s", file,
			       err.msg);
	qcow2_close_image(q);
	if (!ret)
		printf("resized %s: %llu -> %llu bytes\n", file,
		       (unsigned long long)old, (unsigned long long)size);
	return ret;
}

int img_resize(int argc, char **argv)
{
	struct resize_args a = { 0 };
	struct err err = { 0 };
	int fd, magic, ret;

	ret = parse(&a, argc, argv);
	if (ret)
		return ret;
	fd = img_open_locked(a.file, false, &err);
	if (fd < 0)
		return img_fail(err_exit_status(&err), "resize: %s", err.msg);
	magic = img_has_qcow2_magic(fd);
	if (magic < 0)
		ret = img_fail(1, "resize: %s: %s", a.file, strerror(-magic));
	else if (a.fmt == DISK_FMT_UNSPECIFIED && magic)
		ret = img_fail(
			2,
			"resize: %s starts with the qcow2 magic; say -f qcow2 or -f raw",
			a.file);
	else if (a.fmt == DISK_FMT_QCOW2)
		ret = resize_qcow2(a.file, a.size);
	else
		ret = resize_raw(fd, a.file, a.size);
	close(fd);
	return ret;
}
