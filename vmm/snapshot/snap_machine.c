// SPDX-License-Identifier: MIT
/*
 * The machine description in JSON (snap_machine.h), with jansson: written
 * with json_pack(), read back with json_unpack_ex() in strict mode, which
 * refuses missing, unknown and mistyped fields alike.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/acpi/acpi.h"
#include "vmm/snapshot/snap_machine.h"

static const char *const fmt_name[] = {
	[DISK_FMT_UNSPECIFIED] = "raw",
	[DISK_FMT_RAW] = "raw",
	[DISK_FMT_QCOW2] = "qcow2",
};

static json_t *dump_disk(const struct snap_disk *d)
{
	return json_pack("{s:s, s:s, s:s, s:b, s:b, s:s, s:I, s:I, s:I}",
			 "path", d->path, "format", fmt_name[d->format],
			 "cache",
			 d->cache == DISK_CACHE_NONE ? "none" : "writeback",
			 "readonly", d->readonly, "backing", !d->backing_off,
			 "serial", d->serial, "size", (json_int_t)d->size,
			 "dev", (json_int_t)d->dev, "ino", (json_int_t)d->ino);
}

static json_t *dump_net(const struct snap_net *n)
{
	char mac[18];

	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", n->mac[0],
		 n->mac[1], n->mac[2], n->mac[3], n->mac[4], n->mac[5]);
	return json_pack("{s:s, s:s, s:s}", "bridge", n->bridge, "tap", n->tap,
			 "mac", mac);
}

char *snap_machine_dump(const struct snap_machine *m)
{
	json_t *regions = json_array(), *disks = json_array();
	json_t *nets = json_array(), *root;
	char *out = NULL;
	unsigned int i;

	for (i = 0; regions && i < m->nr_regions; i++)
		json_array_append_new(
			regions, json_pack("{s:I, s:I}", "gpa",
					   (json_int_t)m->region[i].gpa, "size",
					   (json_int_t)m->region[i].size));
	for (i = 0; disks && i < m->nr_disks; i++)
		json_array_append_new(disks, dump_disk(&m->disk[i]));
	for (i = 0; nets && i < m->nr_nets; i++)
		json_array_append_new(nets, dump_net(&m->net[i]));
	/* "o" steals the arrays, NULL ones included (then it fails). */
	root = json_pack("{s:I, s:o, s:i, s:s, s:o, s:o}", "memory",
			 (json_int_t)m->mem_size, "regions", regions, "cpus",
			 (int)m->cpus, "name", m->name, "disks", disks, "nets",
			 nets);
	if (root)
		out = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(root);
	return out;
}

static int bad(struct err *err, const char *what)
{
	return err_input(err, -EINVAL, "machine description: %s", what);
}

/* Copy @s into @dst of @len bytes; false if it does not fit. */
static bool copy_str(char *dst, size_t len, const char *s)
{
	if (strlen(s) >= len)
		return false;
	memcpy(dst, s, strlen(s) + 1);
	return true;
}

static int parse_regions(struct snap_machine *m, json_t *a, struct err *err)
{
	json_int_t gpa, size;
	size_t i;
	json_t *v;

	if (!json_is_array(a) || json_array_size(a) == 0 ||
	    json_array_size(a) > GUEST_MEM_MAX_REGIONS)
		return bad(err, "regions");
	json_array_foreach(a, i, v)
	{
		if (json_unpack_ex(v, NULL, JSON_STRICT, "{s:I, s:I}", "gpa",
				   &gpa, "size", &size) ||
		    gpa < 0 || size <= 0)
			return bad(err, "a region");
		m->region[i].gpa = gpa;
		m->region[i].size = size;
	}
	m->nr_regions = json_array_size(a);
	return 0;
}

static int parse_disk(struct snap_disk *d, json_t *v, struct err *err)
{
	const char *path, *fmt, *cache, *serial;
	json_int_t size, dev, ino;
	int ro, backing;

	if (json_unpack_ex(v, NULL, JSON_STRICT,
			   "{s:s, s:s, s:s, s:b, s:b, s:s, s:I, s:I, s:I}",
			   "path", &path, "format", &fmt, "cache", &cache,
			   "readonly", &ro, "backing", &backing, "serial",
			   &serial, "size", &size, "dev", &dev, "ino", &ino) ||
	    size < 0 || dev < 0 || ino < 0 || path[0] != '/' ||
	    !copy_str(d->path, sizeof(d->path), path) ||
	    !copy_str(d->serial, sizeof(d->serial), serial))
		return bad(err, "a disk");
	if (!strcmp(fmt, "raw"))
		d->format = DISK_FMT_RAW;
	else if (!strcmp(fmt, "qcow2"))
		d->format = DISK_FMT_QCOW2;
	else
		return bad(err, "a disk's format");
	if (strcmp(cache, "none") && strcmp(cache, "writeback"))
		return bad(err, "a disk's cache mode");
	d->cache =
		strcmp(cache, "none") ? DISK_CACHE_WRITEBACK : DISK_CACHE_NONE;
	d->readonly = ro;
	d->backing_off = !backing;
	d->size = size;
	d->dev = dev;
	d->ino = ino;
	return 0;
}

static int parse_net(struct snap_net *n, json_t *v, struct err *err)
{
	const char *bridge, *tap, *mac;
	unsigned int b[6], i;
	char end;

	if (json_unpack_ex(v, NULL, JSON_STRICT, "{s:s, s:s, s:s}", "bridge",
			   &bridge, "tap", &tap, "mac", &mac) ||
	    !copy_str(n->bridge, sizeof(n->bridge), bridge) ||
	    !copy_str(n->tap, sizeof(n->tap), tap) ||
	    sscanf(mac, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3],
		   &b[4], &b[5], &end) != 6)
		return bad(err, "a network device");
	for (i = 0; i < 6; i++)
		n->mac[i] = b[i];
	return 0;
}

static int parse_devices(struct snap_machine *m, json_t *disks, json_t *nets,
			 struct err *err)
{
	size_t i;
	json_t *v;
	int ret;

	if (!json_is_array(disks) ||
	    json_array_size(disks) > CONFIG_MAX_DISKS || !json_is_array(nets) ||
	    json_array_size(nets) > CONFIG_MAX_NETS)
		return bad(err, "device lists");
	json_array_foreach(disks, i, v)
	{
		ret = parse_disk(&m->disk[i], v, err);
		if (ret)
			return ret;
	}
	m->nr_disks = json_array_size(disks);
	json_array_foreach(nets, i, v)
	{
		ret = parse_net(&m->net[i], v, err);
		if (ret)
			return ret;
	}
	m->nr_nets = json_array_size(nets);
	return 0;
}

int snap_machine_parse(struct snap_machine *m, const char *json, size_t len,
		       struct err *err)
{
	json_t *root, *regions, *disks, *nets;
	json_int_t mem;
	const char *name;
	json_error_t jerr;
	int cpus, ret;

	memset(m, 0, sizeof(*m));
	root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return err_input(err, -EINVAL, "machine description: %s",
				 jerr.text);
	ret = -EINVAL;
	if (json_unpack_ex(root, &jerr, JSON_STRICT,
			   "{s:I, s:o, s:i, s:s, s:o, s:o}", "memory", &mem,
			   "regions", &regions, "cpus", &cpus, "name", &name,
			   "disks", &disks, "nets", &nets)) {
		err_input(err, ret, "machine description: %s", jerr.text);
		goto decref;
	}
	if (mem < (json_int_t)CONFIG_MIN_MEM ||
	    mem > (json_int_t)CONFIG_MAX_MEM || cpus < 1 ||
	    cpus > ACPI_MAX_CPUS || !copy_str(m->name, sizeof(m->name), name)) {
		bad(err, "memory, CPUs or name out of range");
		goto decref;
	}
	m->mem_size = mem;
	m->cpus = cpus;
	ret = parse_regions(m, regions, err);
	if (!ret)
		ret = parse_devices(m, disks, nets, err);
decref:
	json_decref(root);
	return ret;
}
