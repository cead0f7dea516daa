// SPDX-License-Identifier: MIT
/*
 * `squeeze img info`: reports what a file is. The magic decides only what
 * is reported; a file without the qcow2 magic is raw and nothing it
 * contains is followed. A qcow2 image's backing chain is followed only by
 * the formats recorded in each image, never by probing.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "devices/block/qcow2/qcow2.h"
#include "vmm/img/img_info.h"
#include "vmm/base/err.h"
#include "vmm/base/log.h"

struct info {
	const char *path;
	bool qcow2;
	u64 vsize, actual;
	dev_t dev;
	ino_t ino;
	struct qcow2_header h;
	char full_backing[PATH_MAX];
};

static int probe(const char *path, bool as_raw, struct info *in, struct err *err)
{
	struct stat st;
	u8 magic[4] = { 0 };
	int fd, ret = 0;

	memset(in, 0, sizeof(*in));
	in->path = path;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) || pread(fd, magic, 4, 0) < 0) {
		ret = err_input(err, -errno, "%s", strerror(errno));
		goto close_fd;
	}
	in->actual = (u64)st.st_blocks * 512;
	in->vsize = st.st_size;
	in->dev = st.st_dev;
	in->ino = st.st_ino;
	in->qcow2 = !as_raw && qcow2_get32(magic) == QCOW2_MAGIC;
	if (!in->qcow2)
		goto close_fd;
	ret = qcow2_read_header(fd, &in->h, st.st_size, err);
	if (ret)
		goto close_fd;
	in->vsize = in->h.size;
	/* A name too long for PATH_MAX is reported (and probed) truncated. */
	qcow2_backing_path(path, in->h.backing_name, in->full_backing,
			   sizeof(in->full_backing));
close_fd:
	if (fd >= 0)
		close(fd);
	return ret;
}

static void json_str(const char *key, const char *s, bool comma)
{
	printf("    \"%s\": \"", key);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	printf("\"%s\n", comma ? "," : "");
}

static void print_json(const struct info *in)
{
	const struct qcow2_header *h = &in->h;

	printf("{\n");
	json_str("filename", in->path, true);
	json_str("format", in->qcow2 ? "qcow2" : "raw", true);
	printf("    \"virtual-size\": %llu,\n", (unsigned long long)in->vsize);
	printf("    \"actual-size\": %llu,\n", (unsigned long long)in->actual);
	if (in->qcow2) {
		printf("    \"cluster-size\": %llu,\n",
		       1ULL << h->cluster_bits);
		if (h->backing_name[0]) {
			json_str("backing-filename", h->backing_name, true);
			json_str("full-backing-filename", in->full_backing,
				 true);
			if (h->backing_fmt[0])
				json_str("backing-filename-format",
					 h->backing_fmt, true);
		}
		printf("    \"format-specific\": {\"type\": \"qcow2\", "
		       "\"data\": {\"compat\": \"%s\", "
		       "\"refcount-bits\": %u, \"corrupt\": %s, "
		       "\"lazy-refcounts\": %s, \"encrypted\": %s}},\n",
		       h->version == 2 ? "0.10" : "1.1",
		       1U << h->refcount_order,
		       h->incompat & QCOW2_INCOMPAT_CORRUPT ? "true" : "false",
		       h->compat & 1 ? "true" : "false",
		       h->crypt_method ? "true" : "false");
	}
	printf("    \"dirty-flag\": %s\n}\n",
	       h->incompat & QCOW2_INCOMPAT_DIRTY ? "true" : "false");
}

static void print_text(const struct info *in)
{
	const struct qcow2_header *h = &in->h;

	printf("image: %s\nfile format: %s\n", in->path,
	       in->qcow2 ? "qcow2" : "raw");
	printf("virtual size: %llu bytes\ndisk size: %llu bytes\n",
	       (unsigned long long)in->vsize, (unsigned long long)in->actual);
	if (!in->qcow2)
		return;
	printf("cluster_size: %llu\n", 1ULL << h->cluster_bits);
	printf("compat: %s (version %u)\nrefcount bits: %u\n",
	       h->version == 2 ? "0.10" : "1.1", h->version,
	       1U << h->refcount_order);
	printf("dirty: %s\ncorrupt: %s\n",
	       h->incompat & QCOW2_INCOMPAT_DIRTY ? "yes" : "no",
	       h->incompat & QCOW2_INCOMPAT_CORRUPT ? "yes" : "no");
	if (h->incompat & ~QCOW2_INCOMPAT_KNOWN)
		printf("unknown incompatible features: 0x%llx\n",
		       (unsigned long long)(h->incompat &
					    ~QCOW2_INCOMPAT_KNOWN));
	if (h->crypt_method)
		printf("encryption: method %u\n", h->crypt_method);
	if (!h->backing_name[0])
		return;
	printf("backing file: %s (actual path: %s)\n", h->backing_name,
	       in->full_backing);
	printf("backing file format: %s\n",
	       h->backing_fmt[0] ? h->backing_fmt : "not recorded");
}

/* The chain, following only recorded formats; loops and depth bounded. */
static void print_chain(const struct info *top)
{
	struct info *chain = calloc(QCOW2_MAX_CHAIN, sizeof(*chain));
	struct err err;
	int n = 0, i;

	if (!chain)
		return;
	chain[0] = *top;
	while (chain[n].qcow2 && chain[n].h.backing_name[0] &&
	       n + 1 < QCOW2_MAX_CHAIN) {
		const char *fmt = chain[n].h.backing_fmt;

		if (strcmp(fmt, "qcow2") && strcmp(fmt, "raw"))
			break;
		if (probe(chain[n].full_backing, !strcmp(fmt, "raw"),
			  &chain[n + 1], &err)) {
			printf("backing chain: %s: %s\n",
			       chain[n].full_backing, err.msg);
			break;
		}
		chain[n + 1].path = chain[n].full_backing;
		if (!strcmp(fmt, "qcow2") && !chain[n + 1].qcow2) {
			printf("backing chain: %s is not qcow2\n",
			       chain[n].full_backing);
			break;
		}
		for (i = 0; i <= n; i++)
			if (chain[i].dev == chain[n + 1].dev &&
			    chain[i].ino == chain[n + 1].ino)
				break;
		if (i <= n) {
			printf("backing chain: loop at %s\n",
			       chain[n + 1].path);
			break;
		}
		n++;
		printf("backing %d: %s (%s, %llu bytes)\n", n, chain[n].path,
		       chain[n].qcow2 ? "qcow2" : "raw",
		       (unsigned long long)chain[n].vsize);
	}
	free(chain);
}

static const char info_usage[] = "usage: squeeze img info [--json] FILE\n";

int img_info(int argc, char **argv)
{
	bool json = false;
	const char *file = NULL;
	struct err err;
	struct info in;
	int i;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (argv[i][0] == '-' || file) {
			fprintf(stderr, "%s", info_usage);
			return 2;
		} else {
			file = argv[i];
		}
	}
	if (!file) {
		fprintf(stderr, "%s", info_usage);
		return 2;
	}
	if (probe(file, false, &in, &err)) {
		fprintf(stderr, "squeeze img: %s: %s\n", file, err.msg);
		return 2;
	}
	if (json) {
		print_json(&in);
		return 0;
	}
	print_text(&in);
	print_chain(&in);
	return 0;
}
