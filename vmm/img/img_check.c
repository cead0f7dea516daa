// SPDX-License-Identifier: MIT
/*
 * `squeeze img check [--json] [-r leaks|all] FILE`: the qcow2 check of
 * devices/block/qcow2/check.h with qemu-img check's exit status and JSON
 * fields: 0 clean, 2 corruptions, 3 leaks only, 1 when the check could
 * not be made (bad usage, unreadable file, the image in use), 63 for a
 * file that is not qcow2 (a format without checks). It takes the lock a
 * running VM takes, so it never checks (or repairs) an image in use.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "devices/block/qcow2/check.h"
#include "vmm/img/img_check.h"
#include "vmm/img/img_util.h"

#define CHECK_FAILED	1
#define CHECK_CORRUPT	2
#define CHECK_LEAKS	3
#define CHECK_NO_CHECKS 63

static const char check_usage[] =
	"usage: squeeze img check [--json] [-q] [-r leaks|all] [-f qcow2] FILE\n";

struct check_args {
	const char *file;
	bool json, quiet;
	unsigned int fix;
};

static int parse(struct check_args *a, int argc, char **argv)
{
	int i;

	for (i = 0; i < argc; i++) {
		const char *o = argv[i];

		if (!strcmp(o, "--json") || !strcmp(o, "--output=json")) {
			a->json = true;
		} else if (!strcmp(o, "-q")) {
			a->quiet = true;
		} else if (!strcmp(o, "-r") && i + 1 < argc) {
			o = argv[++i];
			if (!strcmp(o, "leaks"))
				a->fix = QCOW2_FIX_LEAKS;
			else if (!strcmp(o, "all"))
				a->fix = QCOW2_FIX_LEAKS | QCOW2_FIX_ERRORS;
			else
				return img_fail(CHECK_FAILED,
						"check: -r takes leaks or all");
		} else if (!strcmp(o, "-f") && i + 1 < argc) {
			if (strcmp(argv[++i], "qcow2"))
				return img_fail(
					CHECK_NO_CHECKS,
					"check: only qcow2 images have something to check");
		} else if (o[0] == '-' || a->file) {
			fputs(check_usage, stderr);
			return CHECK_FAILED;
		} else {
			a->file = o;
		}
	}
	if (!a->file) {
		fputs(check_usage, stderr);
		return CHECK_FAILED;
	}
	return 0;
}

static void report(void *opaque, enum qcow2_finding f, const char *msg)
{
	const struct check_args *a = opaque;

	(void)f;
	if (!a->quiet)
		fprintf(a->json ? stderr : stdout, "%s\n", msg);
}

static void json_num(const char *key, u64 v, bool always)
{
	if (v || always)
		printf("    \"%s\": %llu,\n", key, (unsigned long long)v);
}

/* The fields of qemu-img check --output=json, zero ones left out alike. */
static void print_json(const struct check_args *a,
		       const struct qcow2_check_result *r)
{
	printf("{\n");
	json_num("image-end-offset", r->image_end_offset, false);
	json_num("total-clusters", r->total_clusters, false);
	json_num("check-errors", r->check_errors, true);
	json_num("corruptions", r->corruptions, false);
	json_num("leaks", r->leaks, false);
	json_num("corruptions-fixed", r->corruptions_fixed, false);
	json_num("leaks-fixed", r->leaks_fixed, false);
	json_num("allocated-clusters", r->allocated_clusters, false);
	json_num("fragmented-clusters", r->fragmented_clusters, false);
	json_num("compressed-clusters", r->compressed_clusters, false);
	img_json_str(stdout, "filename", a->file, false);
	img_json_str(stdout, "format", "qcow2", true);
	printf("}\n");
}

static double pct(u64 a, u64 b)
{
	return b ? 100.0 * a / b : 0;
}

static void print_text(const struct check_args *a,
		       const struct qcow2_check_result *r)
{
	if (r->leaks_fixed || r->corruptions_fixed)
		printf("repaired: %llu leaked clusters, %llu corruptions; checked again:\n",
		       (unsigned long long)r->leaks_fixed,
		       (unsigned long long)r->corruptions_fixed);
	if (r->dirty)
		printf("note: the dirty bit is set (lazy refcounts): stored refcounts may lag; -r all repairs them\n");
	if (r->corrupt_bit)
		printf("note: the corrupt bit is set: the image must not be written until repaired\n");
	if (!r->corruptions && !r->leaks && !r->check_errors)
		printf("%s: no errors found\n", a->file);
	else
		printf("%s: %llu corruptions, %llu leaked clusters, %llu check errors\n",
		       a->file, (unsigned long long)r->corruptions,
		       (unsigned long long)r->leaks,
		       (unsigned long long)r->check_errors);
	printf("%llu/%llu = %.2f%% allocated, %.2f%% fragmented, %.2f%% compressed clusters\n",
	       (unsigned long long)r->allocated_clusters,
	       (unsigned long long)r->total_clusters,
	       pct(r->allocated_clusters, r->total_clusters),
	       pct(r->fragmented_clusters, r->allocated_clusters),
	       pct(r->compressed_clusters, r->allocated_clusters));
	printf("image end offset: %llu\n",
	       (unsigned long long)r->image_end_offset);
}

static int status(const struct qcow2_check_result *r)
{
	if (r->check_errors)
		return CHECK_FAILED;
	if (r->corruptions)
		return CHECK_CORRUPT;
	return r->leaks ? CHECK_LEAKS : 0;
}

int img_check(int argc, char **argv)
{
	struct check_args a = { 0 };
	struct qcow2_check_opts o = { .report = report, .opaque = &a };
	struct qcow2_check_result r;
	struct err err = { 0 };
	int fd, ret;

	ret = parse(&a, argc, argv);
	if (ret)
		return ret;
	o.fix = a.fix;
	fd = img_open_locked(a.file, !a.fix, &err);
	if (fd < 0)
		return img_fail(CHECK_FAILED, "check: %s", err.msg);
	ret = img_has_qcow2_magic(fd);
	if (ret <= 0) {
		close(fd);
		if (ret < 0)
			return img_fail(CHECK_FAILED, "check: %s: %s", a.file,
					strerror(-ret));
		return img_fail(
			CHECK_NO_CHECKS,
			"check: %s is not a qcow2 image; raw images have nothing to check",
			a.file);
	}
	ret = qcow2_check(fd, &o, &r, &err);
	close(fd);
	if (ret)
		return img_fail(CHECK_FAILED, "check: %s: %s", a.file, err.msg);
	if (a.json)
		print_json(&a, &r);
	else if (!a.quiet)
		print_text(&a, &r);
	return status(&r);
}
