// SPDX-License-Identifier: MIT
/*
 * The virtio devices in snapshots, restores and stats: the PCI host and
 * each transport's state, the disks' identities and the rules for the
 * disks a restore may use, the counters the control socket reports.
 *
 * vhost-user devices (--fs, --disk vhost-user=) are refused: their rings'
 * state (last available index, requests in flight) lives in the back-end
 * process, which offers no way to save it and to give it to another.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "vmm/base/log.h"
#include "vmm/machine/vm.h"
#include "vmm/machine/vm_virtio.h"
#include "vmm/machine/vm_virtio_int.h"

int vm_virtio_snapshot_check(struct vm *vm, struct err *err)
{
	struct vm_virtio *v = vm->virtio;
	unsigned int i;

	for (i = 0; i < v->nr_blk; i++)
		if (v->vblk[i])
			return err_input(
				err, -EOPNOTSUPP,
				"disk%u is a vhost-user device: its queue state lives in the back-end; squeeze cannot snapshot it",
				i);
	if (v->nr_fs)
		return err_input(
			err, -EOPNOTSUPP,
			"--fs devices are vhost-user: their queue state lives in virtiofsd; squeeze cannot snapshot them");
	if (v->con)
		return err_input(
			err, -EOPNOTSUPP,
			"squeeze exec's virtio-console cannot be snapshotted");
	return 0;
}

int vm_virtio_quiesce(struct vm *vm, bool on, struct err *err)
{
	struct vm_virtio *v = vm->virtio;
	unsigned int i;
	int ret, first = 0;

	/* Thawing goes on past a failure: every device must run again. */
	for (i = 0; i < v->nr_vp; i++) {
		ret = virtio_pci_quiesce(v->vp[i], on);
		if (ret && !first) {
			first = ret;
			err_host(err, ret, "virtio device %u: %s: %s", i,
				 on ? "cannot quiesce or flush" :
				      "cannot resume",
				 strerror(-ret));
			if (on)
				break;
		}
	}
	return first;
}

int vm_virtio_save(struct vm *vm, struct snap_writer *w)
{
	struct vm_virtio *v = vm->virtio;
	struct virtio_pci_state *s = malloc(sizeof(*s));
	struct pci_host_state h;
	unsigned int i;

	if (!s)
		return -ENOMEM;
	pci_host_save(&v->pci, &h);
	snap_add(w, SNAP_PCI_HOST, 0, &h, sizeof(h));
	for (i = 0; i < v->nr_vp; i++) {
		virtio_pci_save(v->vp[i], s);
		snap_add(w, SNAP_VIRTIO_PCI, i, s, sizeof(*s));
	}
	free(s);
	return 0;
}

/* A clone's new MAC reaches a running driver as a config change. */
static void announce_macs(struct vm_virtio *v, const struct snap_machine *m)
{
	unsigned int i;
	u8 mac[6];

	for (i = 0; i < v->nr_net && i < m->nr_nets; i++) {
		virtio_net_mac(v->net[i], mac);
		if (memcmp(mac, m->net[i].mac, 6))
			virtio_dev_config_changed(virtio_net_vdev(v->net[i]));
	}
}

int vm_virtio_restore(struct vm *vm, const struct snap_reader *r,
		      struct err *err)
{
	struct vm_virtio *v = vm->virtio;
	const struct pci_host_state *h;
	const struct virtio_pci_state *s;
	unsigned int i;
	u64 size;
	int ret;

	h = snap_get(r, SNAP_PCI_HOST, 0, sizeof(*h));
	if (!h || pci_host_restore(&v->pci, h))
		return err_input(
			err, -EINVAL,
			"the PCI host bridge's state is missing or wrong");
	for (i = 0; i < v->nr_vp; i++) {
		s = snap_get(r, SNAP_VIRTIO_PCI, i, sizeof(*s));
		if (!s)
			return err_input(
				err, -EINVAL,
				"virtio device %u's state is missing or wrong",
				i);
		ret = virtio_pci_restore(v->vp[i], s, err);
		if (ret)
			return ret;
	}
	if (snap_find(r, SNAP_VIRTIO_PCI, i, &size))
		return err_input(err, -EINVAL, "the snapshot has more devices");
	return 0;
}

void vm_virtio_restart(struct vm *vm, const struct snap_reader *r,
		       const struct snap_machine *m)
{
	struct vm_virtio *v = vm->virtio;
	unsigned int i;

	/* vm_virtio_restore() found each section of the right size. */
	for (i = 0; i < v->nr_vp; i++)
		virtio_pci_restart(v->vp[i],
				   snap_get(r, SNAP_VIRTIO_PCI, i,
					    sizeof(struct virtio_pci_state)));
	announce_macs(v, m);
}

static int describe_disk(const struct blk_options *o, const struct disk *d,
			 struct snap_disk *sd, struct err *err)
{
	struct stat st;

	if (!realpath(o->disk.path, sd->path) || fstat(d->fd, &st))
		return err_host(err, -errno, "--disk %s: %s", o->disk.path,
				strerror(errno));
	sd->format = o->disk.format == DISK_FMT_QCOW2 ? DISK_FMT_QCOW2 :
							DISK_FMT_RAW;
	sd->cache = o->disk.cache;
	sd->readonly = o->disk.readonly;
	sd->backing_off = o->disk.backing_off;
	snprintf(sd->serial, sizeof(sd->serial), "%s", o->serial);
	sd->size = d->size;
	sd->dev = st.st_dev;
	sd->ino = st.st_ino;
	return 0;
}

int vm_virtio_describe(struct vm *vm, struct snap_machine *m, struct err *err)
{
	const struct vm_config *cfg = vm->cfg;
	struct vm_virtio *v = vm->virtio;
	unsigned int i;
	int ret;

	for (i = 0; i < v->nr_blk; i++) {
		ret = describe_disk(&cfg->disk[i], virtio_blk_disk(v->blk[i]),
				    &m->disk[i], err);
		if (ret)
			return ret;
	}
	m->nr_disks = v->nr_blk;
	for (i = 0; i < v->nr_net; i++) {
		snprintf(m->net[i].bridge, IFNAMSIZ, "%s", cfg->net[i].bridge);
		snprintf(m->net[i].tap, IFNAMSIZ, "%s", cfg->net[i].tap);
		virtio_net_mac(v->net[i], m->net[i].mac);
	}
	m->nr_nets = v->nr_net;
	return 0;
}

/*
 * A restore's disk i is the snapshot's file, or a qcow2 overlay backed by
 * it; either way of the size the guest knows.
 */
int vm_virtio_check_disks(struct vm *vm, const struct snap_machine *m,
			  struct err *err)
{
	struct vm_virtio *v = vm->virtio;
	const char *path;
	unsigned int i;

	for (i = 0; i < v->nr_blk; i++) {
		const struct disk *d = virtio_blk_disk(v->blk[i]);
		const struct snap_disk *sd = &m->disk[i];
		struct stat st = { .st_dev = sd->dev, .st_ino = sd->ino };

		path = vm->cfg->disk[i].disk.path;
		/* The image itself, or a file of its backing chain. */
		if (!disk_uses_file(d, &st))
			return err_input(
				err, -EINVAL,
				"disk%u: %s is neither the snapshot's disk %s nor a qcow2 overlay backed by it",
				i, path, sd->path);
		if (d->size != sd->size)
			return err_input(
				err, -EINVAL,
				"disk%u: %s is %llu bytes, the snapshot's disk was %llu",
				i, path, (unsigned long long)d->size,
				(unsigned long long)sd->size);
	}
	return 0;
}

static json_t *blk_stats(unsigned int i, struct virtio_blk *blk)
{
	struct virtio_blk_stats s;
	char name[16];

	virtio_blk_stats(blk, &s);
	snprintf(name, sizeof(name), "blk%u", i);
	return json_pack(
		"{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "name",
		name, "type", "virtio-blk", "requests",
		(json_int_t)(s.reads + s.writes + s.flushes + s.other +
			     s.errors),
		"reads", (json_int_t)s.reads, "writes", (json_int_t)s.writes,
		"flushes", (json_int_t)s.flushes, "other", (json_int_t)s.other,
		"read_bytes", (json_int_t)s.read_bytes, "write_bytes",
		(json_int_t)s.write_bytes, "errors", (json_int_t)s.errors);
}

static json_t *net_stats(unsigned int i, struct virtio_net *net)
{
	struct virtio_net_stats s;
	char name[16];

	virtio_net_stats(net, &s);
	snprintf(name, sizeof(name), "net%u", i);
	return json_pack(
		"{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I}", "name", name,
		"type", "virtio-net", "tap", virtio_net_ifname(net),
		"tx_frames", (json_int_t)s.tx_frames, "tx_bytes",
		(json_int_t)s.tx_bytes, "tx_dropped", (json_int_t)s.tx_dropped,
		"rx_frames", (json_int_t)s.rx_frames, "rx_bytes",
		(json_int_t)s.rx_bytes, "rx_dropped", (json_int_t)s.rx_dropped);
}

int vm_virtio_stats_json(struct vm *vm, json_t *devices)
{
	struct vm_virtio *v = vm->virtio;
	unsigned int i;
	int ret = 0;

	for (i = 0; i < v->nr_blk && !ret; i++)
		if (v->blk[i])
			ret = json_array_append_new(devices,
						    blk_stats(i, v->blk[i]));
	for (i = 0; i < v->nr_net && !ret; i++)
		ret = json_array_append_new(devices, net_stats(i, v->net[i]));
	return ret ? -ENOMEM : 0;
}
