// SPDX-License-Identifier: MIT
/* The machine description (JSON) and a restore's vm_config from it. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/snapshot/snap_machine.h"

static struct snap_machine *sample(void)
{
	struct snap_machine *m = calloc(1, sizeof(*m));

	m->mem_size = 256 * MiB;
	m->cpus = 2;
	strcpy(m->name, "web1");
	m->region[0] = (struct guest_region){ .gpa = 0, .size = 256 * MiB };
	m->nr_regions = 1;
	strcpy(m->disk[0].path, "/srv/disk.raw");
	m->disk[0].format = DISK_FMT_RAW;
	m->disk[0].size = 1 * MiB;
	m->disk[0].dev = 2049;
	m->disk[0].ino = 77;
	strcpy(m->disk[0].serial, "sn1");
	m->nr_disks = 1;
	strcpy(m->net[0].bridge, "br0");
	memcpy(m->net[0].mac, "\x02\x11\x22\x33\x44\x55", 6);
	m->nr_nets = 1;
	return m;
}

static int parse(const char *json, struct snap_machine *m, struct err *e)
{
	memset(e, 0, sizeof(*e));
	return snap_machine_parse(m, json, strlen(json), e);
}

Test(snap_machine, dump_and_parse_round_trip)
{
	struct snap_machine *m = sample(), *back = calloc(1, sizeof(*back));
	char *json = snap_machine_dump(m);
	struct err e;

	cr_assert_not_null(json);
	cr_assert_eq(parse(json, back, &e), 0, "%s: %s", e.msg, json);
	cr_assert_eq(back->mem_size, m->mem_size);
	cr_assert_eq(back->cpus, 2);
	cr_assert_str_eq(back->name, "web1");
	cr_assert_eq(back->nr_regions, 1);
	cr_assert_str_eq(back->disk[0].path, "/srv/disk.raw");
	cr_assert_eq(back->disk[0].ino, 77);
	cr_assert_str_eq(back->disk[0].serial, "sn1");
	cr_assert_str_eq(back->net[0].bridge, "br0");
	cr_assert(!memcmp(back->net[0].mac, m->net[0].mac, 6));
	free(json);
	free(m);
	free(back);
}

Test(snap_machine, strict_fields_and_ranges)
{
	struct snap_machine *m = calloc(1, sizeof(*m));
	const char *base =
		"{\"memory\":268435456,\"regions\":[{\"gpa\":0,\"size\":268435456}],\"cpus\":1,\"name\":\"\",\"disks\":[],\"nets\":[]";
	char json[1024];
	struct err e;

	snprintf(json, sizeof(json), "%s}", base);
	cr_assert_eq(parse(json, m, &e), 0, "%s", e.msg);
	snprintf(json, sizeof(json), "%s,\"extra\":1}", base);
	cr_assert_eq(parse(json, m, &e), -EINVAL, "unknown field");
	cr_assert_eq(parse("{\"memory\":268435456}", m, &e), -EINVAL,
		     "missing fields");
	cr_assert_eq(parse("{not json", m, &e), -EINVAL);
	cr_assert_eq(e.class, ERR_INPUT);
	snprintf(json, sizeof(json), "%s}", base);
	memcpy(strstr(json, "\"cpus\":1"), "\"cpus\":0", 8);
	cr_assert_eq(parse(json, m, &e), -EINVAL, "0 vCPUs");
	free(m);
}

Test(snap_machine, disks_need_absolute_paths_and_nets_real_macs)
{
	struct snap_machine *m = sample(), *back = calloc(1, sizeof(*back));
	char *json, *p;
	struct err e;

	strcpy(m->disk[0].path, "/relative");
	json = snap_machine_dump(m);
	p = strstr(json, "\"/relative\"");
	memcpy(p, "\"xrelative\"", 11);
	cr_assert_eq(parse(json, back, &e), -EINVAL, "a relative disk path");
	free(json);
	strcpy(m->disk[0].path, "/srv/disk.raw");
	json = snap_machine_dump(m);
	p = strstr(json, "02:11:22");
	memcpy(p, "zz", 2);
	cr_assert_eq(parse(json, back, &e), -EINVAL, "a bad MAC");
	free(json);
	free(m);
	free(back);
}

Test(snap_machine, restore_config_moves_only_paths_and_gives_fresh_macs)
{
	struct snap_machine *m = sample();
	struct vm_config over, cfg;
	struct err e = { 0 };

	config_defaults(&over);
	over.console = CONSOLE_NONE;
	cr_assert_eq(snap_machine_config(m, &over, &cfg, &e), 0, "%s", e.msg);
	cr_assert_eq(cfg.mem_size, 256 * MiB);
	cr_assert_eq(cfg.cpus, 2);
	cr_assert_eq(cfg.console, CONSOLE_NONE);
	cr_assert_str_eq(cfg.name, "web1");
	cr_assert_str_eq(cfg.disk[0].disk.path, "/srv/disk.raw");
	cr_assert_str_eq(cfg.disk[0].serial, "sn1");
	cr_assert(cfg.net[0].has_mac);
	cr_assert(memcmp(cfg.net[0].mac, m->net[0].mac, 6), "a fresh MAC");
	cr_assert_eq(cfg.net[0].mac[0] & 3, 2, "locally administered, unicast");
	/* An override: the overlay's path and format; mac= kept. */
	over.disk[0].disk.path = "/srv/o1.qcow2";
	over.disk[0].disk.format = DISK_FMT_QCOW2;
	over.nr_disks = 1;
	strcpy(over.net[0].tap, "tapx");
	memcpy(over.net[0].mac, "\x02\x00\x00\x00\x00\x09", 6);
	over.net[0].has_mac = true;
	over.nr_nets = 1;
	cr_assert_eq(snap_machine_config(m, &over, &cfg, &e), 0, "%s", e.msg);
	cr_assert_str_eq(cfg.disk[0].disk.path, "/srv/o1.qcow2");
	cr_assert_eq(cfg.disk[0].disk.format, DISK_FMT_QCOW2);
	cr_assert_str_eq(cfg.net[0].tap, "tapx");
	cr_assert_str_eq(cfg.net[0].bridge, "");
	cr_assert(!memcmp(cfg.net[0].mac, "\x02\x00\x00\x00\x00\x09", 6));
	over.nr_disks = 2;
	cr_assert_eq(snap_machine_config(m, &over, &cfg, &e), -EINVAL,
		     "more disks than the snapshot");
	free(m);
}
