// SPDX-License-Identifier: MIT
/*
 * `squeeze img convert [-f FMT] [-O raw|qcow2] [-c] [-o OPTS] [-t CACHE]
 * [-p] SRC DST`: read SRC through the disk layer (raw, qcow2 with its
 * whole backing chain, or vmdk; read-only and read-locked, so an image a
 * VM writes is refused) and write DST anew, all or nothing
 * (img_target.h). -t unsafe (what qemu-img convert does by default: its
 * data is never flushed) makes nothing durable: the rename is still
 * atomic to other processes, not to a host crash. Exit 2 for bad usage or
 * a bad source (nothing is created), 1 when the host fails, 128 + N when
 * signal N stops it (nothing is left behind).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "devices/block/disk.h"
#include "vmm/img/convert.h"
#include "vmm/img/img_convert.h"
#include "vmm/img/img_target.h"
#include "vmm/img/img_util.h"

static const char convert_usage[] =
	"usage: squeeze img convert [-f raw|qcow2|vmdk] [-O raw|qcow2] [-c] "
	"[-o cluster_size=N,compat=0.10|1.1] [-t writeback|unsafe] [-p] "
	"[--backing-dir DIR] SRC DST\n";

struct convert_args {
	const char *src, *dst, *backing_dir;
	enum disk_format in;
	struct cv_target t;
	bool progress;
};

int img_parse_format(const char *s, enum disk_format *f)
{
	if (!strcmp(s, "raw"))
		*f = DISK_FMT_RAW;
	else if (!strcmp(s, "qcow2"))
		*f = DISK_FMT_QCOW2;
	else if (!strcmp(s, "vmdk"))
		*f = DISK_FMT_VMDK;
	else
		return -EINVAL;
	return 0;
}

static int parse_opt(struct convert_args *a, char o, char *val)
{
	switch (o) {
	case 'f':
		if (img_parse_format(val, &a->in))
			return img_fail(2,
					"convert: -f takes raw, qcow2 or vmdk");
		return 0;
	case 'O':
		if (strcmp(val, "raw") && strcmp(val, "qcow2"))
			return img_fail(2, "convert: -O takes raw or qcow2");
		a->t.fmt = strcmp(val, "raw") ? CV_QCOW2 : CV_RAW;
		return 0;
	case 'o':
		return img_parse_qcow2_opts(val, &a->t.cluster_size,
					    &a->t.version);
	case 't':
		if (strcmp(val, "writeback") && strcmp(val, "unsafe"))
			return img_fail(
				2, "convert: -t takes writeback or unsafe");
		a->t.no_sync = !strcmp(val, "unsafe");
		return 0;
	}
	return img_fail(2, "convert: unknown option -%c", o);
}

static int parse(struct convert_args *a, int argc, char **argv)
{
	bool opts = false;
	int i, ret;

	for (i = 0; i < argc; i++) {
		char *o = argv[i];

		if (o[0] != '-' || !o[1]) {
			if (a->dst)
				return img_fail(2,
						"convert: too many arguments");
			*(a->src ? &a->dst : &a->src) = o;
		} else if (!strcmp(o, "-c")) {
			a->t.compress = true;
		} else if (!strcmp(o, "-p")) {
			a->progress = true;
		} else if (!strcmp(o, "--backing-dir") && i + 1 < argc) {
			a->backing_dir = argv[++i];
		} else if (strlen(o) == 2 && strchr("fOot", o[1]) &&
			   i + 1 < argc) {
			opts |= o[1] == 'o';
			ret = parse_opt(a, o[1], argv[++i]);
			if (ret)
				return ret;
		} else {
			fputs(convert_usage, stderr);
			return 2;
		}
	}
	if (!a->dst) {
		fputs(convert_usage, stderr);
		return 2;
	}
	if (a->t.fmt != CV_QCOW2 && (a->t.compress || opts))
		return img_fail(2, "convert: -c and -o need -O qcow2");
	return 0;
}

/* The target must not be the source, nor a file of its chain. */
static bool uses_file(const char *dst, const struct disk *src)
{
	struct stat st;

	return !stat(dst, &st) && disk_uses_file(src, &st);
}

static int run(struct convert_args *a, struct disk *src, sigset_t *stop)
{
	struct cv_copy c = { .src = src,
			     .size = ALIGN_UP(src->size, 512),
			     .stop = stop };
	struct err err = { 0 };
	struct img_target out;
	struct cv_writer *w;
	int ret;

	c.progress = a->progress && isatty(STDOUT_FILENO);
	a->t.size = c.size;
	if (uses_file(a->dst, src))
		return img_fail(
			2,
			"convert: %s is the source image or one of its files",
			a->dst);
	ret = img_target_open(&out, a->dst, &err);
	out.no_sync = a->t.no_sync;
	if (!ret)
		ret = img_target_lock(&out, &err);
	if (!ret)
		ret = cv_writer_open(&w, out.fd, out.tmp, &a->t, &err);
	if (ret) {
		img_target_close(&out);
		return img_fail(err_exit_status(&err), "convert: %s", err.msg);
	}
	c.w = w;
	ret = cv_copy_run(&c, &err);
	if (!ret && (ret = cv_writer_finish(w)))
		err_host(&err, ret, "cannot write %s: %s", a->dst,
			 strerror(-ret));
	cv_writer_close(w);
	if (!ret)
		ret = img_target_commit(&out, &err);
	img_target_close(&out);
	if (ret == -EINTR)
		return 128 + SIGINT;
	if (ret)
		return img_fail(err_exit_status(&err), "convert: %s", err.msg);
	return 0;
}

int img_convert(int argc, char **argv)
{
	struct convert_args a = {
		.t = { .fmt = CV_RAW, .cluster_size = 64 * KiB, .version = 3 }
	};
	struct err err = { 0 };
	struct disk_options o;
	sigset_t stop, old;
	struct disk src;
	int ret;

	ret = parse(&a, argc, argv);
	if (ret)
		return ret;
	o = (struct disk_options){ .path = a.src,
				   .format = a.in,
				   .readonly = true,
				   .backing_dir = a.backing_dir,
				   .sync_io = true };
	if (img_disk_open(&src, &o, &err))
		return img_fail(err_exit_status(&err), "convert: %s", err.msg);
	/* Held, not delivered: the copy loop stops and cleans up. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGHUP);
	sigprocmask(SIG_BLOCK, &stop, &old);
	ret = run(&a, &src, &stop);
	disk_close(&src);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return ret;
}
