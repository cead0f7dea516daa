// SPDX-License-Identifier: MIT
/*
 * `squeeze img create` and the dispatch of `squeeze img`. Bad arguments
 * exit 2 before anything is created; I/O failures exit 1.
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
#include "devices/block/qcow2/qcow2.h"
#include "vmm/img/img.h"
#include "vmm/img/img_info.h"
#include "vmm/base/err.h"
#include "vmm/base/log.h"
#include "vmm/base/size.h"

#define IMG_USAGE                                                          \
	"usage: squeeze img create [-f qcow2|raw] [-b BACKING [-F FMT]] "  \
	"[-o cluster_size=N,compat=0.10|1.1] FILE [SIZE]\n"                \
	"       squeeze img info [--json] FILE\n"

struct create_args {
	const char *fmt, *backing, *backing_fmt, *file, *size;
	u64 cluster_size;
	u32 version;
};

static int usage_err(const char *msg)
{
	fprintf(stderr, "squeeze img: %s\n", msg);
	return 2;
}

static int parse_o(struct create_args *a, char *opts)
{
	char *save = NULL, *kv;

	for (kv = strtok_r(opts, ",", &save); kv;
	     kv = strtok_r(NULL, ",", &save)) {
		if (!strncmp(kv, "cluster_size=", 13)) {
			if (parse_size(kv + 13, &a->cluster_size) ||
			    !IS_POW2(a->cluster_size) ||
			    a->cluster_size < 512 || a->cluster_size > 2 * MiB)
				return usage_err("cluster_size must be a power of two from 512 to 2M");
		} else if (!strcmp(kv, "compat=0.10")) {
			a->version = 2;
		} else if (!strcmp(kv, "compat=1.1")) {
			a->version = 3;
		} else {
			fprintf(stderr, "squeeze img: unknown option '%s'\n", kv);
			return 2;
		}
	}
	return 0;
}

static int parse_create(struct create_args *a, int argc, char **argv)
{
	int i, ret;

	for (i = 0; i < argc; i++) {
		const char *o = argv[i];

		if (o[0] != '-' || !strcmp(o, "-")) {
			if (!a->file)
				a->file = o;
			else if (!a->size)
				a->size = o;
			else
				return usage_err("too many arguments");
			continue;
		}
		if (i + 1 >= argc || strlen(o) != 2 || !strchr("fbFo", o[1]))
			return usage_err(i + 1 >= argc && strlen(o) == 2 ?
					 "option needs a value" : "unknown option");
		if (o[1] == 'f')
			a->fmt = argv[++i];
		else if (o[1] == 'b')
			a->backing = argv[++i];
		else if (o[1] == 'F')
			a->backing_fmt = argv[++i];
		else if ((ret = parse_o(a, argv[++i])))
			return ret;
	}
	if (!a->file)
		return usage_err("no file name given");
	if (strcmp(a->fmt, "qcow2") && strcmp(a->fmt, "raw"))
		return usage_err("format must be qcow2 or raw");
	if (a->backing_fmt && strcmp(a->backing_fmt, "qcow2") &&
	    strcmp(a->backing_fmt, "raw"))
		return usage_err("backing format must be qcow2 or raw");
	if (a->backing && !strcmp(a->fmt, "raw"))
		return usage_err("a raw image cannot have a backing file");
	if (!a->backing && a->backing_fmt)
		return usage_err("-F needs -b");
	if (!a->backing && !a->size)
		return usage_err("no size given");
	return 0;
}

/* The backing file's virtual size; checks that it is what -F says. */
static int backing_size(struct create_args *a, u64 *size)
{
	char path[PATH_MAX];
	struct err err;
	struct qcow2 *q;
	struct stat st;
	u8 magic[4] = { 0 };
	int fd;

	if (qcow2_backing_path(a->file, a->backing, path, sizeof(path)))
		return usage_err("backing file name too long");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) || pread(fd, magic, 4, 0) < 0) {
		fprintf(stderr, "squeeze img: cannot open backing file %s: %s\n",
			path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return 2;
	}
	close(fd);
	if (!a->backing_fmt && qcow2_get32(magic) == QCOW2_MAGIC) {
		fprintf(stderr, "squeeze img: backing file %s starts with the qcow2 magic; say -F qcow2 or -F raw\n",
			path);
		return 2;
	}
	if (!a->backing_fmt)
		a->backing_fmt = "raw";
	if (!strcmp(a->backing_fmt, "raw")) {
		*size = st.st_size;
		return 0;
	}
	if (qcow2_open_image(&q, path, false, false, 0, NULL, 0, &err)) {
		fprintf(stderr, "squeeze img: backing file %s: %s\n", path, err.msg);
		return 2;
	}
	*size = q->h.size;
	qcow2_close_image(q);
	return 0;
}

static int write_image(const struct create_args *a, u64 size)
{
	struct qcow2_create_opts o = {
		.size = size,
		.cluster_bits = __builtin_ctzll(a->cluster_size),
		.version = a->version,
		.backing = a->backing,
		.backing_fmt = a->backing_fmt,
	};
	struct err err;
	int fd, ret = 0;

	if (!strcmp(a->fmt, "qcow2") &&
	    qcow2_create_check(&o, &err)) {
		fprintf(stderr, "squeeze img: %s\n", err.msg);
		return 2;
	}
	fd = open(a->file, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr, "squeeze img: cannot create %s: %s\n", a->file,
			strerror(errno));
		return 1;
	}
	/* O_CREAT left an existing file as it was: check it is not in use. */
	if (disk_lock_fd(fd, false) == -EBUSY) {
		fprintf(stderr, "squeeze img: %s is in use by another process\n",
			a->file);
		close(fd);
		return 2;
	}
	if (!strcmp(a->fmt, "raw")) {
		if (ftruncate(fd, 0) || ftruncate(fd, size))
			ret = err_host(&err, -errno, "%s",
				       strerror(errno));
	} else {
		ret = qcow2_create_fd(fd, &o, &err);
	}
	if (close(fd) && !ret)
		ret = err_host(&err, -errno, "%s", strerror(errno));
	if (ret) {
		fprintf(stderr, "squeeze img: %s: %s\n", a->file, err.msg);
		return 1;
	}
	printf("created %s: %s, %llu bytes%s%s\n", a->file, a->fmt,
	       (unsigned long long)size, a->backing ? ", backing file " : "",
	       a->backing ? a->backing : "");
	return 0;
}

static int img_create(int argc, char **argv)
{
	struct create_args a = { .fmt = "qcow2", .cluster_size = 64 * KiB,
				 .version = 3 };
	u64 size = 0;
	int ret;

	ret = parse_create(&a, argc, argv);
	if (ret)
		return ret;
	if (a.size && (parse_size(a.size, &size) || size % 512))
		return usage_err("size must be a byte count (K/M/G/T suffix) and a multiple of 512");
	if (a.backing) {
		u64 bsize;

		ret = backing_size(&a, &bsize);
		if (ret)
			return ret;
		if (!a.size)
			size = ALIGN_UP(bsize, 512);
	}
	if (size > QCOW2_MAX_SIZE)
		return usage_err("size too large");
	return write_image(&a, size);
}

int img_main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "create"))
		return img_create(argc - 2, argv + 2);
	if (argc >= 2 && !strcmp(argv[1], "info"))
		return img_info(argc - 2, argv + 2);
	fputs(IMG_USAGE, stderr);
	return 2;
}
