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
#include "vmm/base/file.h"
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

/* Length of the valid UTF-8 sequence at @s, or 0 if it is not one. */
static int utf8_len(const u8 *s)
{
	int n, i;

	if (*s < 0x80)
		return 1;
	if (*s >= 0xc2 && *s <= 0xdf)
		n = 2;
	else if (*s >= 0xe0 && *s <= 0xef)
		n = 3;
	else if (*s >= 0xf0 && *s <= 0xf4)
		n = 4;
	else
		return 0;
	for (i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	/* Overlong forms, surrogates and code points past U+10FFFF. */
	if ((*s == 0xe0 && s[1] < 0xa0) || (*s == 0xed && s[1] > 0x9f) ||
	    (*s == 0xf0 && s[1] < 0x90) || (*s == 0xf4 && s[1] > 0x8f))
		return 0;
	return n;
}

static int probe(const char *path, bool as_raw, struct info *in,
		 struct err *err)
{
	struct stat st;
	u8 magic[4] = { 0 };
	u64 size;
	int fd, ret = 0;

	memset(in, 0, sizeof(*in));
	in->path = path;
	/* No lock: info may look at an image a VM is using. Never blocks. */
	fd = file_open(path, O_RDONLY, FILE_REG | FILE_BLK, &st);
	if (fd == -EISDIR || fd == -FILE_EKIND)
		return err_input(err, fd, "is %s, not an image",
				 file_kind_name(st.st_mode));
	if (fd < 0)
		return err_input(err, fd, "%s", strerror(-fd));
	ret = file_size(fd, &st, &size);
	if (ret || pread(fd, magic, 4, 0) < 0) {
		ret = err_input(err, ret ? ret : -errno, "%s",
				strerror(ret ? -ret : errno));
		goto close_fd;
	}
	in->actual = (u64)st.st_blocks * 512;
	in->vsize = size;
	in->dev = st.st_dev;
	in->ino = st.st_ino;
	in->qcow2 = !as_raw && qcow2_get32(magic) == QCOW2_MAGIC;
	if (!in->qcow2)
		goto close_fd;
	ret = qcow2_read_header(fd, &in->h, size, err);
	if (ret)
		goto close_fd;
	in->vsize = in->h.size;
	/* A name too long for PATH_MAX is reported (and probed) truncated. */
	qcow2_backing_path(path, in->h.backing_name, in->full_backing,
			   sizeof(in->full_backing));
close_fd:
	close(fd);
	return ret;
}

/*
 * A JSON string of any byte string: valid UTF-8 passes, control
 * characters and every byte of an invalid sequence are escaped (a byte
 * 0xNN as \u00NN), so the output always parses.
 */
static void json_bytes(const char *str)
{
	const u8 *s = (const u8 *)str;
	int n, i;

	putchar('"');
	while (*s) {
		n = utf8_len(s);
		if (*s == '"' || *s == '\\') {
			printf("\\%c", *s);
		} else if (*s < 0x20 || *s == 0x7f || n == 0) {
			printf("\\u%04x", *s);
			n = 1;
		} else {
			for (i = 0; i < n; i++)
				putchar(s[i]);
		}
		s += n ? n : 1;
	}
	putchar('"');
}

static void json_str(const char *key, const char *s, bool comma)
{
	printf("    \"%s\": ", key);
	json_bytes(s);
	printf("%s\n", comma ? "," : "");
}

/* A name for a terminal: control bytes and backslashes as \xNN. */
static void text_bytes(const char *str)
{
	const u8 *s = (const u8 *)str;

	for (; *s; s++) {
		if (*s < 0x20 || *s == 0x7f || *s == '\\')
			printf("\\x%02x", *s);
		else
			putchar(*s);
	}
}

struct chain;
static void print_json_chain(const struct chain *c);

static void print_json(const struct info *in, const struct chain *c)
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
	print_json_chain(c);
	printf("    \"dirty-flag\": %s\n}\n",
	       h->incompat & QCOW2_INCOMPAT_DIRTY ? "true" : "false");
}

static void print_text(const struct info *in)
{
	const struct qcow2_header *h = &in->h;

	printf("image: ");
	text_bytes(in->path);
	printf("\nfile format: %s\n", in->qcow2 ? "qcow2" : "raw");
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
	printf("backing file: ");
	text_bytes(h->backing_name);
	printf(" (actual path: ");
	text_bytes(in->full_backing);
	printf(")\n");
	printf("backing file format: %s\n",
	       h->backing_fmt[0] ? h->backing_fmt : "not recorded");
}

/* The resolved backing chain of @top: chain[1..n], or why it stops. */
struct chain {
	struct info link[QCOW2_MAX_CHAIN];
	int n;
	char why[ERR_LEN + PATH_MAX + 8]; /* "" if the chain is complete */
};

/* Follows only recorded formats; loops and depth bounded. */
static void walk_chain(const struct info *top, struct chain *c)
{
	struct info *l = c->link;
	struct err err;
	int n = 0, i;

	l[0] = *top;
	c->why[0] = '\0';
	while (l[n].qcow2 && l[n].h.backing_name[0] &&
	       n + 1 < QCOW2_MAX_CHAIN) {
		const char *fmt = l[n].h.backing_fmt;

		if (strcmp(fmt, "qcow2") && strcmp(fmt, "raw"))
			break;
		if (probe(l[n].full_backing, !strcmp(fmt, "raw"), &l[n + 1],
			  &err)) {
			snprintf(c->why, sizeof(c->why), "%s: %s",
				 l[n].full_backing, err.msg);
			break;
		}
		l[n + 1].path = l[n].full_backing;
		if (!strcmp(fmt, "qcow2") && !l[n + 1].qcow2) {
			snprintf(c->why, sizeof(c->why), "%s is not qcow2",
				 l[n].full_backing);
			break;
		}
		for (i = 0; i <= n; i++)
			if (l[i].dev == l[n + 1].dev &&
			    l[i].ino == l[n + 1].ino)
				break;
		if (i <= n) {
			snprintf(c->why, sizeof(c->why), "loop at %s",
				 l[n + 1].path);
			break;
		}
		n++;
	}
	c->n = n;
}

/* What squeeze run needs to follow link @i's name (see qcow2_policy). */
static const char *needs(const struct chain *c, int i)
{
	struct err err;
	char out[PATH_MAX];

	if (!qcow2_backing_allowed(c->link[i - 1].h.backing_name,
				   c->link[i].path, NULL, out, &err))
		return "";
	return " (absolute or '..' name: squeeze run needs backing-dir=DIR)";
}

static void print_chain(const struct chain *c)
{
	char real[PATH_MAX];
	int i;

	for (i = 1; i <= c->n; i++) {
		printf("backing %d: ", i);
		text_bytes(realpath(c->link[i].path, real) ? real :
							     c->link[i].path);
		printf(" (%s, %llu bytes)%s\n",
		       c->link[i].qcow2 ? "qcow2" : "raw",
		       (unsigned long long)c->link[i].vsize, needs(c, i));
	}
	if (c->why[0]) {
		printf("backing chain: ");
		text_bytes(c->why);
		putchar('\n');
	}
}

static void print_json_chain(const struct chain *c)
{
	char real[PATH_MAX];
	int i;

	printf("    \"backing-chain\": [");
	for (i = 1; i <= c->n; i++) {
		printf("%s\n        {\"filename\": ", i > 1 ? "," : "");
		json_bytes(realpath(c->link[i].path, real) ? real :
							     c->link[i].path);
		printf(", \"format\": \"%s\", \"virtual-size\": %llu, "
		       "\"needs-backing-dir\": %s}",
		       c->link[i].qcow2 ? "qcow2" : "raw",
		       (unsigned long long)c->link[i].vsize,
		       needs(c, i)[0] ? "true" : "false");
	}
	printf("%s],\n", c->n ? "\n    " : "");
	if (c->why[0])
		json_str("backing-chain-error", c->why, true);
}

static const char info_usage[] = "usage: squeeze img info [--json] FILE\n";

int img_info(int argc, char **argv)
{
	bool json = false;
	const char *file = NULL;
	struct chain *chain;
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
	if (img_is_vmdk(file))
		return img_info_vmdk(file, json);
	if (probe(file, false, &in, &err)) {
		fprintf(stderr, "squeeze img: %s: %s\n", file, err.msg);
		return err_exit_status(&err);
	}
	chain = calloc(1, sizeof(*chain));
	if (!chain) {
		fprintf(stderr, "squeeze img: out of memory\n");
		return 1;
	}
	walk_chain(&in, chain);
	if (json) {
		print_json(&in, chain);
	} else {
		print_text(&in);
		print_chain(chain);
	}
	free(chain);
	return 0;
}
