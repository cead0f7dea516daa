// SPDX-License-Identifier: MIT
/*
 * A restore's vm_config: the snapshot's machine, moved where the restore's
 * command line says (snap_machine.h, snap_machine_config()).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "vmm/snapshot/snap_machine.h"

/* Locally administered, unicast, otherwise random: a clone's own MAC. */
static int fresh_mac(u8 mac[6], struct err *err)
{
	if (getrandom(mac, 6, 0) != 6)
		return err_host(err, -errno, "getrandom: %s", strerror(errno));
	mac[0] = (mac[0] & 0xfc) | 0x02;
	return 0;
}

static void disk_of(const struct snap_disk *sd, const struct blk_options *o,
		    bool moved, struct blk_options *out)
{
	memset(out, 0, sizeof(*out));
	out->disk.path = moved ? o->disk.path : sd->path;
	out->disk.format = moved && o->disk.format != DISK_FMT_UNSPECIFIED ?
				   o->disk.format :
				   sd->format;
	out->disk.readonly = sd->readonly;
	out->disk.cache = sd->cache;
	/* An overlay must reach the snapshot's disk, its backing file. */
	out->disk.backing_off = moved ? false : sd->backing_off;
	out->disk.backing_dir = moved ? o->disk.backing_dir : NULL;
	snprintf(out->serial, sizeof(out->serial), "%s", sd->serial);
}

static int net_of(const struct snap_net *sn, const struct virtio_net_options *o,
		  bool moved, struct virtio_net_options *out, struct err *err)
{
	memset(out, 0, sizeof(*out));
	memcpy(out->bridge, moved ? o->bridge : sn->bridge, IFNAMSIZ);
	memcpy(out->tap, moved ? o->tap : sn->tap, IFNAMSIZ);
	out->has_mac = true;
	if (moved && o->has_mac) {
		memcpy(out->mac, o->mac, 6);
		return 0;
	}
	return fresh_mac(out->mac, err);
}

int snap_machine_config(const struct snap_machine *m,
			const struct vm_config *over, struct vm_config *cfg,
			struct err *err)
{
	unsigned int i;
	int ret;

	if (over->nr_disks > m->nr_disks || over->nr_nets > m->nr_nets)
		return err_input(
			err, -EINVAL,
			"restore: %u --disk and %u --net given, the snapshot has %u disks and %u network devices",
			over->nr_disks, over->nr_nets, m->nr_disks, m->nr_nets);
	*cfg = *over;
	cfg->mem_size = m->mem_size;
	cfg->cpus = m->cpus;
	if (!cfg->name && m->name[0])
		cfg->name = m->name;
	for (i = 0; i < m->nr_disks; i++)
		disk_of(&m->disk[i], &over->disk[i], i < over->nr_disks,
			&cfg->disk[i]);
	cfg->nr_disks = m->nr_disks;
	for (i = 0; i < m->nr_nets; i++) {
		ret = net_of(&m->net[i], &over->net[i], i < over->nr_nets,
			     &cfg->net[i], err);
		if (ret)
			return ret;
	}
	cfg->nr_nets = m->nr_nets;
	return 0;
}
