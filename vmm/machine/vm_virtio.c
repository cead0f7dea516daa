// SPDX-License-Identifier: MIT
/*
 * The VM's PCI host bridge and its virtio devices: one virtio-blk per
 * --disk (served by squeeze, or by a vhost-user-blk back-end), one
 * virtio-net per --net, one virtio-fs per --fs, each behind a virtio-pci
 * function, in that order. The devices (with their disks, taps,
 * virtiofsds and back-end connections) live as long as the VM; the
 * host bridge and the transports are made anew for every boot, so that a
 * restarted guest finds them as at power-on.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "virtio/blk/blk.h"
#include "devices/net/port_keeper.h"
#include "virtio/blk/vhost_blk.h"
#include "virtio/fs/fs.h"
#include "virtio/console/console.h"
#include "virtio/net/net.h"
#include "virtio/vhost_user/vu_dev.h"
#include "vmm/core/iothread.h"
#include "devices/pci/pci.h"
#include "virtio/pci/virtio_pci.h"
#include "vmm/base/err.h"
#include "vmm/base/log.h"
#include "vmm/machine/vm.h"
#include "vmm/machine/stats.h"
#include "vmm/machine/vm_virtio.h"
#include "vmm/machine/vm_virtio_int.h"

static int plug(struct vm *vm, struct vm_virtio *v, struct virtio_dev *vd,
		struct err *err)
{
	struct virtio_pci *vp = virtio_pci_create(&v->pci, vd, &vm->irq, err);
	struct pci_dev *pd;

	if (!vp)
		return -EIO;
	v->vp[v->nr_vp++] = vp;
	pd = virtio_pci_dev(vp);
	trace_event(vm->tr, TRACE_VM, "setup", "virtio/pci/virtio_pci.c",
		    "%s: virtio-pci function 00:%02x.0 (%04x:%04x), BAR0 at "
		    "0x%llx: common, ISR, device config, notify, MSI-X",
		    vd->name, pd->slot, pci_cfg_get(pd, PCI_VENDOR_ID, 2),
		    pci_cfg_get(pd, PCI_DEVICE_ID, 2),
		    (unsigned long long)pci_bar_addr(pd, VIRTIO_PCI_BAR));
	return 0;
}

static struct virtio_dev *disk_vdev(struct vm_virtio *v, unsigned int i)
{
	return v->blk[i] ? virtio_blk_vdev(v->blk[i]) :
			   vhost_blk_vdev(v->vblk[i]);
}

static int add_disks(struct vm *vm, struct vm_virtio *v,
		     const struct vm_config *cfg, struct err *err)
{
	struct blk_options o;
	unsigned int i;

	for (i = 0; i < cfg->nr_disks; i++) {
		o = cfg->disk[i];
		o.vm_name = cfg->name;
		if (o.vhost_user)
			v->vblk[i] = vhost_blk_create(&vm->mem, &o, i, err);
		else
			v->blk[i] = virtio_blk_create(&vm->mem, &o, i, err);
		if (!v->blk[i] && !v->vblk[i])
			return -EINVAL; /* the file, its options, the back-end */
		virtio_dev_observe(disk_vdev(v, i),
				   o.vhost_user ? "vhost-user-blk" :
						  "virtio-blk",
				   i, vm->tr, vm->timed);
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
			return -EINVAL; /* the tap or bridge named */
		virtio_dev_observe(virtio_net_vdev(v->net[i]), "virtio-net", i,
				   vm->tr, vm->timed);
		v->nr_net++;
	}
	return 0;
}

/* Each starts (or connects to) its back-end: after the cheap checks. */
static int add_fs(struct vm *vm, struct vm_virtio *v,
		  const struct vm_config *cfg, struct err *err)
{
	struct fs_options o;
	unsigned int i;

	for (i = 0; i < cfg->nr_fs; i++) {
		o = cfg->fs[i];
		o.vm_name = cfg->name;
		o.virtiofsd = cfg->virtiofsd;
		v->fs[i] = virtio_fs_create(&vm->mem, &o, i, err);
		if (!v->fs[i])
			return -EINVAL;
		virtio_dev_observe(virtio_fs_vdev(v->fs[i]), "virtio-fs", i,
				   vm->tr, vm->timed);
		v->nr_fs++;
	}
	return 0;
}

static int add_console(struct vm *vm, struct vm_virtio *v,
		       const struct vm_config *cfg, struct err *err)
{
	struct vcon_options o = cfg->vcon;

	o.vm_name = cfg->name;
	v->con = virtio_console_create(&vm->mem, &o, 0, err);
	if (!v->con)
		return -EINVAL;
	virtio_dev_observe(virtio_console_vdev(v->con), "virtio-console", 0,
			   vm->tr, vm->timed);
	return 0;
}

struct virtio_console *vm_virtio_console(struct vm *vm)
{
	struct vm_virtio *v = vm->virtio;

	return v ? v->con : NULL;
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
	if (!ret)
		ret = add_fs(vm, v, cfg, err);
	if (!ret && cfg->vcon.nr_ports)
		ret = add_console(vm, v, cfg, err);
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
	v->pci.trace = vm->tr;
	v->have_pci = true;
	for (i = 0; i < v->nr_blk && !ret; i++)
		ret = plug(vm, v, disk_vdev(v, i), err);
	for (i = 0; i < v->nr_net && !ret; i++)
		ret = plug(vm, v, virtio_net_vdev(v->net[i]), err);
	for (i = 0; i < v->nr_fs && !ret; i++)
		ret = plug(vm, v, virtio_fs_vdev(v->fs[i]), err);
	if (!ret && v->con)
		ret = plug(vm, v, virtio_console_vdev(v->con), err);
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

void vm_virtio_each_iothread(struct vm *vm, void (*fn)(void *arg), void *arg)
{
	struct vm_virtio *v = vm->virtio;
	unsigned int i;

	for (i = 0; v && i < v->nr_blk; i++)
		if (v->blk[i])
			iothread_call(virtio_blk_iothread(v->blk[i]), fn, arg);
	for (i = 0; v && i < v->nr_net; i++)
		iothread_call(virtio_net_iothread(v->net[i]), fn, arg);
	if (v && v->con)
		iothread_call(virtio_console_iothread(v->con), fn, arg);
}

void vm_virtio_each_vhost_thread(struct vm *vm, void (*fn)(void *arg),
				 void *arg)
{
	struct vm_virtio *v = vm->virtio;
	unsigned int i;

	for (i = 0; v && i < v->nr_blk; i++)
		if (v->vblk[i])
			iothread_call(
				vu_dev_iothread(vhost_blk_vdev(v->vblk[i])), fn,
				arg);
	for (i = 0; v && i < v->nr_fs; i++)
		iothread_call(vu_dev_iothread(virtio_fs_vdev(v->fs[i])), fn,
			      arg);
}

unsigned int vm_virtio_daemons(struct vm *vm, int *pgrp, unsigned int max)
{
	struct vm_virtio *v = vm->virtio;
	unsigned int i, n = 0;

	for (i = 0; v && i < v->nr_fs && n < max; i++)
		if (virtio_fs_daemon(v->fs[i]) > 0)
			pgrp[n++] = virtio_fs_daemon(v->fs[i]);
	return n;
}

unsigned int vm_virtio_hand_over(struct vm *vm, struct port_undo *u,
				 unsigned int max)
{
	struct vm_virtio *v = vm->virtio;
	struct port_undo spare;
	unsigned int i, n = 0;

	/* At most one port per net, and max >= CONFIG_MAX_NETS. */
	for (i = 0; v && i < v->nr_net; i++)
		if (tap_hand_over_port(virtio_net_backend(v->net[i]),
				       n < max ? &u[n] : &spare) &&
		    n < max)
			n++;
	return n;
}

bool vm_virtio_uses_file(struct vm *vm, const struct stat *st)
{
	struct vm_virtio *v = vm->virtio;
	unsigned int i;

	for (i = 0; v && i < v->nr_blk; i++)
		if (v->blk[i] && disk_uses_file(virtio_blk_disk(v->blk[i]), st))
			return true;
	return false;
}

void vm_virtio_teardown(struct vm *vm)
{
	struct vm_virtio *v = vm->virtio;
	unsigned int i;

	if (!v)
		return;
	vm_virtio_unplug(vm);
	for (i = 0; i < v->nr_blk; i++) {
		virtio_blk_destroy(v->blk[i]);
		vhost_blk_destroy(v->vblk[i]);
	}
	for (i = 0; i < v->nr_net; i++)
		virtio_net_destroy(v->net[i]);
	/* Stops each virtiofsd: on every way out, errors included. */
	for (i = 0; i < v->nr_fs; i++)
		virtio_fs_destroy(v->fs[i]);
	virtio_console_destroy(v->con);
	free(v);
	vm->virtio = NULL;
}

static void blk_stats(struct vm_stats *s, struct virtio_blk *blk)
{
	struct virtio_blk_stats b;
	struct stats_io *r = stats_io_row(s, virtio_blk_vdev(blk)->name);

	if (!r)
		return;
	virtio_blk_stats(blk, &b);
	r->requests = b.reads + b.writes + b.flushes + b.other + b.errors;
	r->read_bytes = b.read_bytes;
	r->write_bytes = b.write_bytes;
	r->errors = b.errors;
	r->p50_ns = hist_percentile(&b.latency, 50);
	r->p99_ns = hist_percentile(&b.latency, 99);
}

static void net_stats(struct vm_stats *s, struct virtio_net *net)
{
	struct virtio_net_stats n;
	struct stats_io *rx, *tx;
	char name[STATS_NAME];

	virtio_net_stats(net, &n);
	snprintf(name, sizeof(name), "%s rx", virtio_net_vdev(net)->name);
	rx = stats_io_row(s, name);
	snprintf(name, sizeof(name), "%s tx", virtio_net_vdev(net)->name);
	tx = stats_io_row(s, name);
	if (!rx || !tx)
		return;
	*rx = (struct stats_io){ .requests = n.rx_frames,
				 .read_bytes = n.rx_bytes,
				 .errors = n.rx_dropped,
				 .p50_ns = hist_percentile(&n.rx_latency, 50),
				 .p99_ns = hist_percentile(&n.rx_latency, 99) };
	*tx = (struct stats_io){ .requests = n.tx_frames,
				 .write_bytes = n.tx_bytes,
				 .errors = n.tx_dropped,
				 .p50_ns = hist_percentile(&n.tx_latency, 50),
				 .p99_ns = hist_percentile(&n.tx_latency, 99) };
	snprintf(rx->name, sizeof(rx->name), "%s rx",
		 virtio_net_vdev(net)->name);
	snprintf(tx->name, sizeof(tx->name), "%s tx",
		 virtio_net_vdev(net)->name);
}

/* Each queue's interrupts, under the vector it had last. */
static void irq_stats(struct vm_stats *s, struct virtio_dev *vd)
{
	char name[160], route[48];
	u64 n;
	u32 q;

	if (!vd->transport)
		return; /* not plugged: no vectors */
	for (q = 0; q < vd->ops->nr_queues && q < VIRTIO_MAX_QUEUES; q++) {
		n = __atomic_load_n(&vd->vq[q].interrupts, __ATOMIC_RELAXED);
		if (!n)
			continue;
		virtio_irq_route(vd, q, route, sizeof(route));
		snprintf(name, sizeof(name), "%s q%u %s", vd->name, q, route);
		stats_add_irq(s, name, n);
	}
}

void vm_virtio_stats(struct vm *vm, struct vm_stats *s)
{
	struct vm_virtio *v = vm->virtio;
	unsigned int i;

	if (!v)
		return;
	for (i = 0; i < v->nr_blk; i++) {
		if (v->blk[i])
			blk_stats(s, v->blk[i]);
		irq_stats(s, disk_vdev(v, i));
	}
	for (i = 0; i < v->nr_net; i++) {
		net_stats(s, v->net[i]);
		irq_stats(s, virtio_net_vdev(v->net[i]));
	}
	for (i = 0; i < v->nr_fs; i++)
		irq_stats(s, virtio_fs_vdev(v->fs[i]));
	if (v->con)
		irq_stats(s, virtio_console_vdev(v->con));
}
