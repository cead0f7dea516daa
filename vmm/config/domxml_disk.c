// SPDX-License-Identifier: MIT
/*
 * <disk> as --disk: local files and block devices on virtio, raw or qcow2
 * (never guessed: no <driver type> means raw), and a cdrom with a medium
 * as a read-only virtio disk. Disks come in the order of their <target
 * dev> names, as libvirt keeps them; cdroms follow. A <backingStore>
 * chain is checked, and may give backing-dir=, in domxml_backing.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/config/domxml_int.h"

/* What one <disk> says, before it becomes a --disk value. */
struct disk_desc {
	const char *path, *format, *cache, *serial, *target, *bus;
	const char *backing_dir; /* from <backingStore>, or NULL */
	bool readonly;
	xmlNode *source;
	xmlNode *backing; /* <backingStore> */
};

static int driver_attr(struct dx *d, xmlNode *n, struct disk_desc *k,
		       const char *name, const char *v)
{
	/* The attribute must have one of these values, or any when NULL. */
	static const struct {
		const char *name, *ok;
	} plain[] = {
		{ "name", "qemu" },
		{ "io", NULL },
		{ "discard", NULL },
		{ "detect_zeroes", NULL },
		{ "iothread", NULL },
		{ "ioeventfd", NULL },
		{ "event_idx", NULL },
		{ "error_policy", "report" },
		{ "rerror_policy", "report" },
		{ "copy_on_read", "off" },
		{ "queues", "1" },
		{ "iommu", "off" },
		{ "ats", "off" },
		{ "packed", "off" },
	};
	size_t i;

	if (!strcmp(name, "type")) {
		if (strcmp(v, "raw") && strcmp(v, "qcow2"))
			return dx_refuse(
				d, n,
				"type='%s': squeeze reads raw and qcow2 images",
				v);
		k->format = v;
		return 0;
	}
	if (!strcmp(name, "cache")) {
		if (!strcmp(v, "writethrough") || !strcmp(v, "directsync"))
			return dx_refuse(
				d, n,
				"cache='%s': squeeze has cache='none' and 'writeback' (the guest's flushes make writes durable)",
				v);
		if (!strcmp(v, "unsafe"))
			dx_warn(d, n, "cache=unsafe",
				"cache='unsafe' ignored: squeeze honours the guest's flushes (writeback)");
		else if (strcmp(v, "none") && strcmp(v, "writeback") &&
			 strcmp(v, "default"))
			return dx_refuse(d, n, "cache='%s' is not a cache mode",
					 v);
		k->cache = strcmp(v, "none") ? NULL : v;
		return 0;
	}
	for (i = 0; i < ARRAY_SIZE(plain); i++) {
		if (strcmp(name, plain[i].name))
			continue;
		if (plain[i].ok && strcmp(v, plain[i].ok))
			return dx_refuse(
				d, n, "%s='%s': squeeze supports %s='%s' only",
				name, v, name, plain[i].ok);
		return 0;
	}
	return dx_refuse(d, n, "attribute '%s' is not supported", name);
}

static int map_driver(struct dx *d, xmlNode *n, struct disk_desc *k)
{
	xmlAttr *a;
	int ret;

	for (a = n->properties; a; a = a->next) {
		ret = driver_attr(d, n, k, (const char *)a->name,
				  dx_attr(d, n, (const char *)a->name));
		if (ret)
			return ret;
	}
	return 0;
}

/* <source file=> for type='file', <source dev=> for type='block'. */
static int map_source(struct dx *d, xmlNode *n, struct disk_desc *k,
		      const char *type)
{
	static const char *const attrs[] = { "file", "dev", "index",
					     "startupPolicy", NULL };
	int ret = dx_check_attrs(d, n, attrs);

	if (ret)
		return ret;
	k->path = dx_attr(d, n, strcmp(type, "block") ? "file" : "dev");
	k->source = n;
	if (k->path && !*k->path)
		k->path = NULL;
	return k->path ? dx_no_comma(d, n, "the path", k->path) : 0;
}

static int map_target(struct dx *d, xmlNode *n, struct disk_desc *k)
{
	static const char *const attrs[] = { "dev",	      "bus",
					     "tray",	      "removable",
					     "rotation_rate", NULL };
	int ret = dx_check_attrs(d, n, attrs);

	k->target = dx_attr(d, n, "dev");
	k->bus = dx_attr(d, n, "bus");
	if (!ret && (!k->target || !*k->target))
		ret = dx_refuse(d, n, "needs dev='vdX'");
	return ret;
}

/* libvirt's guess when there is no bus=: by the name's prefix. */
static const char *bus_of(const char *target)
{
	if (!strncmp(target, "vd", 2))
		return "virtio";
	if (!strncmp(target, "sd", 2))
		return "scsi";
	if (!strncmp(target, "hd", 2))
		return "ide";
	if (!strncmp(target, "xvd", 3))
		return "xen";
	return "an unknown bus";
}

static int map_disk_child(struct dx *d, xmlNode *c, struct disk_desc *k,
			  const char *type)
{
	if (dx_is(c, "driver"))
		return map_driver(d, c, k);
	if (dx_is(c, "source"))
		return map_source(d, c, k, type);
	if (dx_is(c, "target"))
		return map_target(d, c, k);
	if (dx_is(c, "readonly")) {
		k->readonly = true;
		return 0;
	}
	if (dx_is(c, "serial")) {
		k->serial = dx_text(d, c);
		return dx_no_comma(d, c, "the serial", k->serial);
	}
	if (dx_is(c, "address"))
		return dx_ignore_address(d, c);
	if (dx_is(c, "backingStore") && !k->backing) {
		k->backing = c; /* checked once the format is known */
		return 0;
	}
	if (dx_is(c, "boot") || dx_is(c, "alias"))
		return 0;
	return dx_refuse(d, c, "not supported by squeeze");
}

/* vda 0, vdz 25, vdaa 26: the letters after the prefix, bijective base 26. */
static bool disk_order(const char *target, unsigned long *order)
{
	static const char *const prefixes[] = { "xvd", "vd", "sd", "hd" };
	const char *p = NULL;
	unsigned long v = 0;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(prefixes) && !p; i++)
		if (!strncmp(target, prefixes[i], strlen(prefixes[i])))
			p = target + strlen(prefixes[i]);
	if (!p || !*p)
		return false;
	for (; *p; p++) {
		if (*p < 'a' || *p > 'z' || v > 1000000)
			return false;
		v = v * 26 + (*p - 'a' + 1);
	}
	*order = v - 1;
	return true;
}

static char *disk_spec(struct dx *d, const struct disk_desc *k, bool cdrom)
{
	return dx_printf(
		d, "%s%s%s%s%s%s%s%s%s%s", k->path, k->format ? ",format=" : "",
		k->format ? k->format : "",
		k->readonly || cdrom ? ",readonly=on" : "",
		k->serial ? ",serial=" : "", k->serial ? k->serial : "",
		k->cache ? ",cache=" : "", k->cache ? k->cache : "",
		k->backing_dir ? ",backing-dir=" : "",
		k->backing_dir ? k->backing_dir : "");
}

static int add_disk(struct dx *d, xmlNode *n, const struct disk_desc *k,
		    bool cdrom)
{
	struct dx_disk *dd;
	int ret;

	if (d->nr_disks == CONFIG_MAX_DISKS)
		return dx_refuse(d, n, "squeeze takes at most %d disks",
				 CONFIG_MAX_DISKS);
	dd = &d->disk[d->nr_disks];
	*dd = (struct dx_disk){ .target = k->target,
				.cdrom = cdrom,
				.node = n,
				.seq = d->nr_disks };
	if (!cdrom && !disk_order(k->target, &dd->order))
		return dx_refuse(d, n,
				 "target dev='%s' is not a disk name like vda",
				 k->target);
	dd->spec = disk_spec(d, k, cdrom);
	ret = dd->spec ? dx_check_option(d, n, "--disk", dd->spec) :
			 dx_refuse(d, n, "out of memory");
	if (!ret)
		d->nr_disks++;
	return ret;
}

int dx_map_disk(struct dx *d, xmlNode *n)
{
	static const char *const attrs[] = { "type", "device", "snapshot",
					     NULL };
	const char *type = dx_attr(d, n, "type");
	const char *device = dx_attr(d, n, "device");
	struct disk_desc k = { 0 };
	bool cdrom;
	xmlNode *c;
	int ret;

	type = type ? type : "file";
	device = device ? device : "disk";
	cdrom = !strcmp(device, "cdrom");
	ret = dx_check_attrs(d, n, attrs);
	if (ret)
		return ret;
	if (strcmp(type, "file") && strcmp(type, "block"))
		return dx_refuse(
			d, n,
			"squeeze opens local files and block devices only");
	if (!cdrom && strcmp(device, "disk"))
		return dx_refuse(
			d, n,
			"device='%s': squeeze has disks, and cdroms as read-only disks",
			device);
	for (c = n->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		ret = map_disk_child(d, c, &k, type);
		if (ret)
			return ret;
	}
	if (!k.target)
		return dx_refuse(d, n, "has no <target dev='vdX'/>");
	if (cdrom && !k.path) {
		dx_warn(d, n, dx_printf(d, "cdrom:%s", k.target),
			"%s without a medium ignored", k.target);
		return 0;
	}
	if (!k.path)
		return dx_refuse(d, n, "has no <source %s=...>",
				 strcmp(type, "block") ? "file" : "dev");
	k.bus = k.bus ? k.bus : bus_of(k.target);
	if (!cdrom && strcmp(k.bus, "virtio"))
		return dx_refuse(
			d, n,
			"bus '%s': virtio is squeeze's only disk bus (<target dev='vdX' bus='virtio'/>)",
			k.bus);
	if (k.backing) {
		ret = dx_map_backing(d, k.backing, k.path, k.format,
				     &k.backing_dir);
		if (ret)
			return ret;
	}
	return add_disk(d, n, &k, cdrom);
}

static int by_order(const void *a, const void *b)
{
	const struct dx_disk *x = a, *y = b;

	if (x->cdrom != y->cdrom)
		return x->cdrom ? 1 : -1;
	if (x->cdrom) /* cdroms keep their document order */
		return x->seq < y->seq ? -1 : x->seq > y->seq;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* vda, vdb, ..., vdz, vdaa: the name the guest will see. */
static void disk_name(unsigned int i, char buf[16])
{
	char letters[8];
	int n = 0, k = 2;

	for (i++; i && n < (int)sizeof(letters); i = (i - 1) / 26)
		letters[n++] = 'a' + (i - 1) % 26;
	buf[0] = 'v';
	buf[1] = 'd';
	while (n > 0)
		buf[k++] = letters[--n];
	buf[k] = '\0';
}

int dx_disks_finish(struct dx *d)
{
	struct dx_disk *dd;
	unsigned int i;
	char name[16];

	qsort(d->disk, d->nr_disks, sizeof(d->disk[0]), by_order);
	for (i = 0; i < d->nr_disks; i++) {
		dd = &d->disk[i];
		if (i && !dd->cdrom && dd->order == dd[-1].order &&
		    !dd[-1].cdrom)
			return dx_refuse(
				d, dd->node,
				"target dev='%s' is used twice (also at line %ld)",
				dd->target, dx_line(d, dd[-1].node));
		disk_name(i, name);
		if (dd->cdrom)
			dx_warn(d, dd->node, dd->target,
				"%s appears as %s, a read-only virtio disk",
				dd->target, name);
		else if (strcmp(dd->target, name))
			dx_warn(d, dd->node, dd->target,
				"%s appears as %s: squeeze names disks in order",
				dd->target, name);
	}
	return 0;
}
