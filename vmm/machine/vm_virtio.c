// SPDX-License-Identifier: MIT
/*
 * The VM's PCI host bridge and its virtio devices: one virtio-blk per
 * --disk, one virtio-net per --net, each behind a virtio-pci function.
 */
#include <errno.h>
#include <stdlib.h>

#include "virtio/blk/blk.h"
#include "virtio/net/net.h"
#include "devices/pci/pci.h"
#include "virtio/pci/virtio_pci.h"
#include "vmm/base/err.h"
#include "vmm/base/log.h"
#include "vmm/machine/vm.h"
#include "vmm/machine/vm_virtio.h"

#define VM_VIRTIO_MAX (CONFIG_MAX_DISKS + CONFIG_MAX_NETS)

struct vm_virtio {
	struct pci_host pci;
	bool have_pci;
	struct virtio_blk *blk[CONFIG_MAX_DISKS];
	unsigned int nr_blk;
	struct virtio_net *net[CONFIG_MAX_NETS];
	unsigned int nr_net;
	struct virtio_pci *vp[VM_VIRTIO_MAX];
	unsigned int nr_vp;
};

static int plug(struct vm *vm, struct vm_virtio *v, struct virtio_dev *vd,
		struct err *err)
{
	struct virtio_pci *vp = virtio_pci_create(&v->pci, vd, &vm->irq, err);

	if (!vp)
		return -EIO;
	v->vp[v->nr_vp++] = vp;
	return 0;
}

static int add_disks(struct vm *vm, struct vm_virtio *v,
		     const struct vm_config *cfg, struct err *err)
{
	unsigned int i;
	int ret;

	for (i = 0; i < cfg->nr_disks; i++) {
		struct virtio_blk *blk = virtio_blk_create(&vm->mem,
							   &cfg->disk[i], i,
							   err);

		if (!blk)
			return -EINVAL;	/* the file or its options */
		v->blk[v->nr_blk++] = blk;
		ret = plug(vm, v, virtio_blk_vdev(blk), err);
		if (ret)
			return ret;
	}
	return 0;
}

static int add_nets(struct vm *vm, struct vm_virtio *v,
		    const struct vm_config *cfg, struct err *err)
{
	unsigned int i;
	int ret;

	for (i = 0; i < cfg->nr_nets; i++) {
		struct virtio_net *net = virtio_net_create(&vm->mem,
							   &cfg->net[i], i,
							   err);

		if (!net)
			return -EINVAL;	/* the tap or bridge named */
		v->net[v->nr_net++] = net;
		ret = plug(vm, v, virtio_net_vdev(net), err);
		if (ret)
			return ret;
	}
	return 0;
}

int vm_virtio_setup(struct vm *vm, const struct vm_config *cfg, struct err *err)
{
	struct vm_virtio *v = calloc(1, sizeof(*v));
	int ret;

	vm->virtio = v;
	if (!v)
		return err_host(err, -ENOMEM, "out of memory");
	ret = pci_host_init(&v->pci, &vm->pio, &vm->mmio, err);
	if (ret)
		return -EIO;
	v->have_pci = true;
	ret = add_disks(vm, v, cfg, err);
	if (!ret)
		ret = add_nets(vm, v, cfg, err);
	/* On failure vm_virtio_teardown() undoes the partial setup. */
	return ret;
}

int vm_virtio_attach(struct vm *vm, struct err *err)
{
	struct vm_virtio *v = vm->virtio;
	unsigned int i;
	int ret;

	for (i = 0; i < v->nr_vp; i++) {
		ret = virtio_pci_attach(v->vp[i], err);
		if (ret)
			return ret;
	}
	return 0;
}

void vm_virtio_teardown(struct vm *vm)
{
	struct vm_virtio *v = vm->virtio;
	unsigned int i;

	if (!v)
		return;
	/* Transport first: its reset stops each device's I/O thread. */
	for (i = 0; i < v->nr_vp; i++)
		virtio_pci_destroy(v->vp[i]);
	for (i = 0; i < v->nr_blk; i++)
		virtio_blk_destroy(v->blk[i]);
	for (i = 0; i < v->nr_net; i++)
		virtio_net_destroy(v->net[i]);
	if (v->have_pci)
		pci_host_destroy(&v->pci);
	free(v);
	vm->virtio = NULL;
}
