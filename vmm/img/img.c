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
#include "vmm/img/img_check.h"
#include "vmm/img/img_convert.h"
#include "vmm/img/img_info.h"
#include "vmm/img/img_resize.h"
#include "vmm/img/img_serve.h"
#include "vmm/img/img_target.h"
#include "vmm/base/err.h"
#include "vmm/base/file.h"
#include "vmm/base/log.h"
#include "vmm/base/size.h"

#define IMG_USAGE                                                                          \
	"usage: squeeze img create [-f qcow2|raw] [-b BACKING [-F FMT]] "                  \
	"[-o cluster_size=N,compat=0.10|1.1] FILE [SIZE]\n"                                \
	"       squeeze img info [--json] FILE\n"                                          \
	"       squeeze img check [--json] [-r leaks|all] FILE\n"                          \
	"       squeeze img convert [-f FMT] [-O raw|qcow2] [-c] [-o OPTS] [-p] SRC DST\n" \
	"       squeeze img resize [-f raw|qcow2] FILE [+|-]SIZE\n"                        \
	"       squeeze img serve [-f FMT] [--readonly] [--socket PATH | --port N [--bind ADDR]] FILE\n"

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
				return usage_err(
					"cluster_size must be a power of two from 512 to 2M");
		} else if (!strcmp(kv, "compat=0.10")) {
			a->version = 2;
		} else if (!strcmp(kv, "compat=1.1")) {
			a->version = 3;
		} else {
			fprintf(stderr, "squeeze img: unknown option '%s'\n",
				kv);
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

		/* "-1" is a (negative) size, not an option. */
		if (o[0] != '-' || !strcmp(o, "-") ||
		    (o[1] >= '0' && o[1] <= '9')) {
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
						 "option needs a value" :
						 "unknown option");
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

/* Print @err's line; its class picks the exit status. */
static int img_fail(const struct err *err)
{
	fprintf(stderr, "squeeze img: %s\n", err->msg);
	return err_exit_status(err);
}

/*
 * The backing file's virtual size; checks that it is what -F says and
 * that no file of its chain is the target @t (it would be destroyed).
 */
static int backing_size(struct create_args *a, const struct img_target *t,
			u64 *size, struct err *err)
{
	/* Names in the chain are the user's own here: follow all of them. */
	const struct qcow2_policy pol = { .backing_dir = "/" };
	char path[PATH_MAX];
	struct qcow2 *q;
	struct stat st;
	u8 magic[4] = { 0 };
	bool same;
	int fd, ret = 0;

	if (qcow2_backing_path(a->file, a->backing, path, sizeof(path)))
		return err_input(err, -ENAMETOOLONG,
				 "backing file name too long");
	fd = qcow2_open_file(path, "backing file", false, &st, size, err);
	if (fd < 0)
		return fd;
	if (pread(fd, magic, 4, 0) < 0)
		ret = err_input(err, -errno, "backing file %s: %s", path,
				strerror(errno));
	close(fd);
	if (ret)
		return ret;
	if (!a->backing_fmt && qcow2_get32(magic) == QCOW2_MAGIC)
		return err_input(
			err, -EINVAL,
			"backing file %s starts with the qcow2 magic; say -F qcow2 or -F raw",
			path);
	if (!a->backing_fmt)
		a->backing_fmt = "raw";
	same = t->exists && file_same(&st, &t->old);
	if (!same && !strcmp(a->backing_fmt, "qcow2")) {
		ret = qcow2_open_image(&q, path, false, &pol, 0, NULL, 0, err);
		if (ret)
			return ret;
		*size = q->h.size;
		same = t->exists && qcow2_chain_has(q, &t->old);
		qcow2_close_image(q);
	}
	if (same)
		return err_input(
			err, -EINVAL,
			"%s would overwrite a file of its own backing chain (%s)",
			a->file, path);
	return 0;
}

static int write_image(const struct create_args *a, struct img_target *t,
		       u64 size, struct err *err)
{
	struct qcow2_create_opts o = {
		.size = size,
		.cluster_bits = __builtin_ctzll(a->cluster_size),
		.version = a->version,
		.backing = a->backing,
		.backing_fmt = a->backing_fmt,
	};
	int ret;

	if (!strcmp(a->fmt, "qcow2")) {
		ret = qcow2_create_check(&o, err);
		if (!ret)
			ret = qcow2_create_fd(t->fd, &o, err);
	} else if (ftruncate(t->fd, size)) {
		ret = err_host(err, -errno, "%s", strerror(errno));
	} else {
		ret = 0;
	}
	if (ret)
		return err_prefix(err, "%s", a->file);
	return img_target_commit(t, err);
}

static int img_create(int argc, char **argv)
{
	struct create_args a = { .fmt = "qcow2",
				 .cluster_size = 64 * KiB,
				 .version = 3 };
	struct img_target t;
	struct err err = { 0 };
	u64 size = 0, bsize;
	int ret;

	ret = parse_create(&a, argc, argv);
	if (ret)
		return ret;
	if (a.size && a.size[0] == '-')
		return usage_err("the size is negative");
	if (a.size && (parse_size(a.size, &size) || size % 512))
		return usage_err(
			"size must be a byte count (K/M/G/T suffix) and a multiple of 512");
	if (size > QCOW2_MAX_SIZE)
		return usage_err("size too large");
	ret = img_target_open(&t, a.file, &err);
	if (!ret && a.backing) {
		ret = backing_size(&a, &t, &bsize, &err);
		if (!a.size)
			size = ALIGN_UP(bsize, 512);
	}
	if (!ret)
		ret = img_target_lock(&t, &err);
	if (!ret && size > QCOW2_MAX_SIZE)
		ret = err_input(&err, -EINVAL, "size too large");
	if (!ret)
		ret = write_image(&a, &t, size, &err);
	img_target_close(&t);
	if (ret)
		return img_fail(&err);
	printf("created %s: %s, %llu bytes%s%s\n", a.file, a.fmt,
	       (unsigned long long)size, a.backing ? ", backing file " : "",
	       a.backing ? a.backing : "");
	return 0;
}

int img_main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "create"))
		return img_create(argc - 2, argv + 2);
	if (argc >= 2 && !strcmp(argv[1], "info"))
		return img_info(argc - 2, argv + 2);
	if (argc >= 2 && !strcmp(argv[1], "check"))
		return img_check(argc - 2, argv + 2);
	if (argc >= 2 && !strcmp(argv[1], "convert"))
		return img_convert(argc - 2, argv + 2);
	if (argc >= 2 && !strcmp(argv[1], "resize"))
		return img_resize(argc - 2, argv + 2);
	if (argc >= 2 && !strcmp(argv[1], "serve"))
		return img_serve(argc - 2, argv + 2);
	fputs(IMG_USAGE, stderr);
	return 2;
}
