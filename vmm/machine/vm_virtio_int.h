/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_VM_VIRTIO_INT_H
#define SQUEEZE_VM_VIRTIO_INT_H

/*
 * The VM's virtio devices, shared by vm_virtio.c (set-up, plugging,
 * teardown) and vm_virtio_state.c (snapshots, restore, stats).
 */

#include "devices/pci/pci.h"
#include "virtio/blk/blk.h"
#include "virtio/blk/vhost_blk.h"
#include "virtio/fs/fs.h"
#include "virtio/net/net.h"
#include "virtio/pci/virtio_pci.h"
#include "vmm/config/config.h"

#define VM_VIRTIO_MAX (CONFIG_MAX_DISKS + CONFIG_MAX_NETS + CONFIG_MAX_FS + 1)

struct vm_virtio {
	struct pci_host pci;
	bool have_pci;
	/* Disk i is blk[i] (squeeze's) or vblk[i] (a vhost-user back-end's). */
	struct virtio_blk *blk[CONFIG_MAX_DISKS];
	struct vhost_blk *vblk[CONFIG_MAX_DISKS];
	unsigned int nr_blk;
	struct virtio_net *net[CONFIG_MAX_NETS];
	unsigned int nr_net;
	struct virtio_fs *fs[CONFIG_MAX_FS];
	unsigned int nr_fs;
	struct virtio_console *con; /* cfg->vcon, or NULL */
	struct virtio_pci *vp[VM_VIRTIO_MAX];
	unsigned int nr_vp;
};

#endif
