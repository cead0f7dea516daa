// SPDX-License-Identifier: MIT
/*
 * <filesystem> as --fs: a host directory shared over virtio-fs, served by
 * the virtiofsd squeeze starts; and <memoryBacking>, which libvirt makes
 * a virtio-fs domain declare (shared memory) and which squeeze provides
 * by itself (guest RAM is a memfd shared with vhost-user back-ends).
 */
#include <string.h>

#include "vmm/config/domxml_int.h"

/* What one <filesystem> says, before it becomes a --fs value. */
struct fs_desc {
	const char *dir, *tag;
	bool virtiofs, readonly;
};

static int map_fs_driver(struct dx *d, xmlNode *n, struct fs_desc *f)
{
	static const char *const attrs[] = { "type", "queue", NULL };
	const char *type = dx_attr(d, n, "type");
	int ret = dx_check_attrs(d, n, attrs);

	if (ret)
		return ret;
	if (!type || strcmp(type, "virtiofs"))
		return dx_refuse(
			d, n,
			"squeeze shares directories over virtio-fs only (<driver type='virtiofs'/>)");
	if (dx_attr(d, n, "queue"))
		dx_warn(d, n, "fs:queue",
			"queue= ignored: squeeze sizes virtio-fs queues itself");
	f->virtiofs = true;
	return 0;
}

/* <binary path=>: squeeze picks its virtiofsd, and its options, itself. */
static int map_fs_binary(struct dx *d, xmlNode *n)
{
	xmlAttr *a;
	xmlNode *c;

	for (c = n->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			return dx_refuse(
				d, c,
				"squeeze runs virtiofsd with its own options");
	for (a = n->properties; a; a = a->next)
		if (a->ns || strcmp((const char *)a->name, "path"))
			return dx_refuse(
				d, n,
				"%s=: squeeze runs virtiofsd with its own options",
				(const char *)a->name);
	dx_warn(d, n, "fs:binary",
		"ignored: squeeze starts virtiofsd itself (SQUEEZE_VIRTIOFSD=PATH picks the program)");
	return 0;
}

/* <source dir=>; a socket is a virtiofsd someone else started. */
static int map_fs_source(struct dx *d, xmlNode *n, struct fs_desc *f)
{
	static const char *const attrs[] = { "dir", NULL };
	xmlNode *c;
	int ret;

	for (c = n->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			break;
	if (dx_attr(d, n, "socket") || c)
		return dx_refuse(
			d, n,
			"squeeze starts virtiofsd itself from <source dir=...>; for a back-end you started, give squeeze run --fs socket=PATH,tag=TAG");
	f->dir = dx_attr(d, n, "dir");
	if (!f->dir || !*f->dir)
		return dx_refuse(d, n, "needs dir='DIR'");
	ret = dx_check_attrs(d, n, attrs);
	return ret ? ret : dx_no_comma(d, n, "the directory", f->dir);
}

static int map_fs_target(struct dx *d, xmlNode *n, struct fs_desc *f)
{
	static const char *const attrs[] = { "dir", NULL };
	int ret;

	f->tag = dx_attr(d, n, "dir");
	if (!f->tag || !*f->tag)
		return dx_refuse(
			d, n,
			"needs dir='TAG' (the tag the guest mounts: mount -t virtiofs TAG DIR)");
	ret = dx_check_attrs(d, n, attrs);
	return ret ? ret : dx_no_comma(d, n, "the tag", f->tag);
}

static int map_fs_child(struct dx *d, xmlNode *c, struct fs_desc *f)
{
	if (dx_is(c, "driver"))
		return map_fs_driver(d, c, f);
	if (dx_is(c, "binary"))
		return map_fs_binary(d, c);
	if (dx_is(c, "source"))
		return map_fs_source(d, c, f);
	if (dx_is(c, "target"))
		return map_fs_target(d, c, f);
	if (dx_is(c, "readonly")) {
		f->readonly = true;
		return 0;
	}
	if (dx_is(c, "address"))
		return dx_ignore_address(d, c);
	if (dx_is(c, "alias"))
		return 0;
	return dx_refuse(d, c, "not supported by squeeze");
}

int dx_map_filesystem(struct dx *d, xmlNode *n)
{
	static const char *const attrs[] = { "type", "accessmode", NULL };
	const char *type = dx_attr(d, n, "type");
	const char *mode = dx_attr(d, n, "accessmode");
	struct fs_desc f = { 0 };
	char *spec;
	xmlNode *c;
	int ret;

	ret = dx_check_attrs(d, n, attrs);
	if (ret)
		return ret;
	if (type && strcmp(type, "mount"))
		return dx_refuse(
			d, n,
			"squeeze shares host directories (type='mount') over virtio-fs only");
	for (c = n->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		ret = map_fs_child(d, c, &f);
		if (ret)
			return ret;
	}
	if (!f.virtiofs)
		return dx_refuse(
			d, n,
			"has no <driver type='virtiofs'/>: squeeze shares directories over virtio-fs only (libvirt's default is 9p)");
	if (mode && strcmp(mode, "passthrough"))
		return dx_refuse(
			d, n,
			"accessmode='%s': virtiofsd runs in passthrough mode only",
			mode);
	if (!f.dir)
		return dx_refuse(d, n, "has no <source dir='DIR'/>");
	if (!f.tag)
		return dx_refuse(d, n, "has no <target dir='TAG'/>");
	if (d->nr_fs == CONFIG_MAX_FS)
		return dx_refuse(d, n, "squeeze shares at most %d directories",
				 CONFIG_MAX_FS);
	spec = dx_printf(d, "%s,tag=%s%s", f.dir, f.tag,
			 f.readonly ? ",readonly=on" : "");
	ret = spec ? dx_check_option(d, n, "--fs", spec) :
		     dx_refuse(d, n, "out of memory");
	if (!ret)
		d->fs[d->nr_fs++] = spec;
	return ret;
}

/*
 * What virt-install and virt-manager write for virtio-fs (memfd, shared)
 * is what squeeze does; hugepages, locking and the rest are refused.
 */
int dx_map_memory_backing(struct dx *d, xmlNode *n)
{
	static const struct {
		const char *elem, *attr, *ok[2];
	} fine[] = {
		{ "source", "type", { "memfd", "anonymous" } },
		{ "access", "mode", { "shared", "private" } },
	};
	const char *v;
	xmlNode *c;
	size_t i;

	for (c = n->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		for (i = 0; i < ARRAY_SIZE(fine); i++)
			if (dx_is(c, fine[i].elem))
				break;
		v = i < ARRAY_SIZE(fine) ? dx_attr(d, c, fine[i].attr) : NULL;
		if (!v ||
		    (strcmp(v, fine[i].ok[0]) && strcmp(v, fine[i].ok[1])))
			return dx_refuse(
				d, c,
				"squeeze backs guest RAM with anonymous memory, or a memfd it shares with vhost-user back-ends (<source type='memfd'/><access mode='shared'/>) only");
	}
	return 0;
}
