// SPDX-License-Identifier: MIT
/*
 * A disk's <backingStore> chain. An image's backing names are data in a
 * file, so --disk follows an absolute (or climbing) one only inside a
 * backing-dir= the user names. A domain that describes its chain names
 * those files itself: each level it names is checked against the name
 * the image above it records (the same file, the same format), and the
 * disk then gets backing-dir= with the directory of the files that need
 * it. This is the one place the mapping reads more than the domain: the
 * headers of the qcow2 images in the chain (nothing is locked or opened
 * for writing). An empty <backingStore/>, or none, reads nothing: the
 * image's own chain is followed by --disk's rules.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "devices/block/disk.h"
#include "vmm/config/domxml_int.h"

/* As deep as squeeze follows a chain (QCOW2_MAX_CHAIN). */
#define DX_MAX_BACKING 16

/* One <backingStore type='file|block'> level. */
struct level {
	const char *file;   /* <source file=> or <source dev=> */
	const char *format; /* <format type=>, or NULL */
	xmlNode *next;	    /* its own <backingStore>, or NULL */
};

/* <backingStore/> with nothing in it: the chain ends here. */
static bool chain_end(const xmlNode *n)
{
	for (n = n ? n->children : NULL; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE)
			return false;
	return true;
}

static int level_child(struct dx *d, xmlNode *c, struct level *l,
		       const char *type)
{
	static const char *const source_attrs[] = { "file", "dev", "index",
						    NULL };
	static const char *const format_attrs[] = { "type", NULL };
	int ret;

	if (dx_is(c, "format")) {
		ret = dx_check_attrs(d, c, format_attrs);
		l->format = dx_attr(d, c, "type");
		if (!ret && (!l->format || (strcmp(l->format, "raw") &&
					    strcmp(l->format, "qcow2"))))
			ret = dx_refuse(d, c,
					"squeeze reads raw and qcow2 images");
		return ret;
	}
	if (dx_is(c, "source")) {
		ret = dx_check_attrs(d, c, source_attrs);
		l->file = dx_attr(d, c, strcmp(type, "block") ? "file" : "dev");
		if (!ret && (!l->file || !*l->file))
			ret = dx_refuse(d, c, "needs %s=",
					strcmp(type, "block") ? "file" : "dev");
		return ret;
	}
	if (dx_is(c, "backingStore") && !l->next) {
		l->next = c;
		return 0;
	}
	return dx_refuse(d, c, "not supported by squeeze");
}

static int parse_level(struct dx *d, xmlNode *n, struct level *l)
{
	static const char *const attrs[] = { "type", "index", NULL };
	const char *type = dx_attr(d, n, "type");
	xmlNode *c;
	int ret = dx_check_attrs(d, n, attrs);

	*l = (struct level){ 0 };
	if (ret)
		return ret;
	if (!type || (strcmp(type, "file") && strcmp(type, "block")))
		return dx_refuse(
			d, n,
			"squeeze follows backing files and block devices only (type='file' or 'block')");
	for (c = n->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		ret = level_child(d, c, l, type);
		if (ret)
			return ret;
	}
	return l->file ? 0 :
			 dx_refuse(d, n, "has no <source %s=...>",
				   strcmp(type, "block") ? "file" : "dev");
}

static int read_backing(struct dx *d, xmlNode *n, const char *image,
			struct disk_backing_info *b)
{
	struct err e = { 0 };

	if (!disk_qcow2_backing(image, b, &e))
		return 0;
	return dx_refuse(d, n, "%s", e.msg);
}

/* "NAME", or "'NAME' (PATH)" when the name is relative: for messages. */
static const char *recorded(struct dx *d, const struct disk_backing_info *b)
{
	if (b->name[0] == '/')
		return b->name;
	return dx_printf(d, "'%s' (%s)", b->name, b->path);
}

/* The file @image records is the file @l names, in the format it says. */
static int same_file(struct dx *d, xmlNode *n, const char *image,
		     const struct disk_backing_info *b, const struct level *l)
{
	const char *fmt = b->format[0] ? b->format : "raw";
	struct stat named, recorded_st;

	if (!b->name[0])
		return dx_refuse(
			d, n,
			"%s records no backing file, but the domain names %s",
			image, l->file);
	if (stat(b->path, &recorded_st))
		return dx_refuse(d, n, "%s records backing file %s: %s", image,
				 recorded(d, b), strerror(errno));
	if (stat(l->file, &named))
		return dx_refuse(d, n, "%s: %s", l->file, strerror(errno));
	if (named.st_dev != recorded_st.st_dev ||
	    named.st_ino != recorded_st.st_ino)
		return dx_refuse(d, n, "%s records backing file %s, not %s",
				 image, recorded(d, b), l->file);
	if (l->format && strcmp(l->format, fmt))
		return dx_refuse(d, n,
				 "<format type='%s'>, but %s records %s as %s",
				 l->format, image, b->name, fmt);
	return 0;
}

/*
 * Where squeeze will open the level (@next, PATH_MAX bytes), and the
 * backing-dir= it needs for that: none for a plain relative name, else
 * the directory of the file, one for the whole chain.
 */
static int level_dir(struct dx *d, xmlNode *n,
		     const struct disk_backing_info *b, const char **dir,
		     char *next)
{
	char real[PATH_MAX], *parent;
	struct err e = { 0 };

	if (!disk_name_allowed("qcow2", "backing file", b->name, b->path, NULL,
			       next, &e))
		return 0;
	if (!realpath(b->path, real))
		return dx_refuse(d, n, "%s: %s", b->path, strerror(errno));
	snprintf(next, PATH_MAX, "%s", real);
	parent = dirname(real);
	if (*dir && strcmp(*dir, parent))
		return dx_refuse(
			d, n,
			"the chain's absolute backing names lie in %s and %s: backing-dir= names one directory",
			*dir, parent);
	*dir = dx_printf(d, "%s", parent);
	if (!*dir)
		return dx_refuse(d, n, "out of memory");
	return dx_no_comma(d, n, "the backing directory", *dir);
}

int dx_map_backing(struct dx *d, xmlNode *bs, const char *image,
		   const char *format, const char **dir)
{
	struct disk_backing_info b;
	char cur[PATH_MAX], next[PATH_MAX];
	const char *fmt = format ? format : "raw";
	xmlNode *n, *last = bs;
	struct level l;
	int depth = 0, ret;

	*dir = NULL;
	snprintf(cur, sizeof(cur), "%s", image);
	for (n = bs; !chain_end(n); n = l.next, depth++) {
		ret = parse_level(d, n, &l);
		if (ret)
			return ret;
		if (depth == DX_MAX_BACKING)
			return dx_refuse(d, n, "backing chain longer than %d",
					 DX_MAX_BACKING);
		if (strcmp(fmt, "qcow2"))
			return dx_refuse(
				d, n,
				"%s is %s: a raw image has no backing file",
				cur,
				depth ? "raw, as the image above records it" :
					"read as raw (the disk has no <driver type='qcow2'/>)");
		ret = read_backing(d, n, cur, &b);
		if (!ret)
			ret = same_file(d, n, cur, &b, &l);
		if (!ret)
			ret = level_dir(d, n, &b, dir, next);
		if (ret)
			return ret;
		fmt = b.format[0] ? b.format : "raw";
		snprintf(cur, sizeof(cur), "%s", next);
		last = n;
	}
	if (depth == 0 || strcmp(fmt, "qcow2"))
		return 0;
	/* The chain the domain describes is all of it. */
	ret = read_backing(d, last, cur, &b);
	if (!ret && b.name[0])
		ret = dx_refuse(
			d, last,
			"%s records backing file '%s', which the domain's chain does not name",
			cur, b.name);
	return ret;
}
