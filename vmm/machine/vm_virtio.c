// SPDX-License-Identifier: MIT
/*
 * The VM's PCI host bridge and its virtio devices: one virtio-blk per
 * --disk, one virtio-net per --net, each behind a virtio-pci function.
 * The devices (with their disks and taps) live as long as the VM; the
 * host bridge and the transports are made anew for every boot, so that a
 * restarted guest finds them as at power-on.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	struct blk_options o;
	unsigned int i;

	for (i = 0; i < cfg->nr_disks; i++) {
		o = cfg->disk[i];
		o.vm_name = cfg->name;
		v->blk[i] = virtio_blk_create(&vm->mem, &o, i, err);
		if (!v->blk[i])
			return -EINVAL;	/* the file or its options */
		v->nr_blk++;
	}
	return 0;
}

/*
 * A named VM's taps are NAME-0, NAME-1, ... where that is a tap name of
 * plain characters; otherwise, and without --name, the kernel picks sqzN.
 */
static void default_tap(const struct vm_config *cfg, unsigned int i,
			char tap[IFNAMSIZ])
{
	static const char plain[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				    "abcdefghijklmnopqrstuvwxyz0123456789_.-";
	char name[IFNAMSIZ + 8];

	if (!cfg->name || strspn(cfg->name, plain) != strlen(cfg->name))
		return;
	if (snprintf(name, sizeof(name), "%s-%u", cfg->name, i) < IFNAMSIZ)
		memcpy(tap, name, IFNAMSIZ);
}

static int add_nets(struct vm *vm, struct vm_virtio *v,
		    const struct vm_config *cfg, struct err *err)
{
	struct virtio_net_options o;
	unsigned int i;

	for (i = 0; i < cfg->nr_nets; i++) {
		o = cfg->net[i];
		o.vm_name = cfg->name;
		if (!o.tap[0])
			default_tap(cfg, i, o.tap);
		v->net[i] = virtio_net_create(&vm->mem, &o, i, err);
		if (!v->net[i])
			return -EINVAL;	/* the tap or bridge named */
		v->nr_net++;
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
	ret = add_disks(vm, v, cfg, err);
	if (!ret)
		ret = add_nets(vm, v, cfg, err);
	/* On failure vm_virtio_teardown() undoes the partial setup. */
	return ret;
}

int vm_virtio_plug(struct vm *vm, struct err *err)
{
	struct vm_virtio *v = vm->virtio;
	unsigned int i;
	int ret;

	ret = pci_host_init(&v->pci, &vm->pio, &vm->mmio, err);
	if (ret)
		return -EIO;
	v->have_pci = true;
	for (i = 0; i < v->nr_blk && !ret; i++)
		ret = plug(vm, v, virtio_blk_vdev(v->blk[i]), err);
	for (i = 0; i < v->nr_net && !ret; i++)
		ret = plug(vm, v, virtio_net_vdev(v->net[i]), err);
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

void vm_virtio_unplug(struct vm *vm)
{
	struct vm_virtio *v = vm->virtio;
	unsigned int i;

	if (!v)
		return;
	/* The transport's reset stops each device's I/O thread. */
	for (i = 0; i < v->nr_vp; i++)
		virtio_pci_destroy(v->vp[i]);
	v->nr_vp = 0;
	if (v->have_pci)
		pci_host_destroy(&v->pci);
	v->have_pci = false;
}

void vm_virtio_teardown(struct vm *vm)
{
	struct vm_virtio *v = vm->virtio;
	unsigned int i;

	if (!v)
		return;
	vm_virtio_unplug(vm);
	for (i = 0; i < v->nr_blk; i++)
		virtio_blk_destroy(v->blk[i]);
	for (i = 0; i < v->nr_net; i++)
		virtio_net_destroy(v->net[i]);
	free(v);
	vm->virtio = NULL;
}
