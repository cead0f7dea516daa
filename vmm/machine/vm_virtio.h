/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_VM_VIRTIO_H
#define SQUEEZE_VM_VIRTIO_H

#include <jansson.h>
#include <sys/stat.h>

#include "vmm/base/err.h"
#include "vmm/config/config.h"
#include "vmm/snapshot/snap_file.h"
#include "vmm/snapshot/snap_machine.h"

struct vm;

/*
 * Make one virtio device per --disk and --net of @cfg (opening the disks
 * and taps), storing them in vm->virtio. Called by vm_create() before the
 * KVM VM exists, so that a bad disk or net is found while nothing is
 * created: it issues no KVM ioctl. Returns 0 or -errno with one line in
 * @err.
 */
int vm_virtio_setup(struct vm *vm, const struct vm_config *cfg,
		    struct err *err);

/*
 * Add the PCI host bridge to @vm's buses and put every device behind a
 * virtio-pci function on it (no KVM ioctl either). Once per boot.
 */
int vm_virtio_plug(struct vm *vm, struct err *err);

/*
 * Connect the functions plugged above to the KVM VM, once it and its
 * irqchip exist: the doorbell ioeventfds. Returns 0 or -errno with one
 * line in @err.
 */
int vm_virtio_attach(struct vm *vm, struct err *err);

/*
 * Undo vm_virtio_plug() while the KVM VM still exists: each transport's
 * reset stops its device's I/O thread; the devices, their disks and taps
 * stay. Safe when plugging failed or never happened.
 */
void vm_virtio_unplug(struct vm *vm);

/*
 * Run @fn(@arg) on every I/O thread of squeeze's own devices (blk, net),
 * or of the vhost-user devices (their connection's thread), in turn
 * (iothread_call()).
 */
void vm_virtio_each_iothread(struct vm *vm, void (*fn)(void *arg), void *arg);
void vm_virtio_each_vhost_thread(struct vm *vm, void (*fn)(void *arg),
				 void *arg);

/* The process groups of the virtiofsd squeeze started (at most @max). */
unsigned int vm_virtio_daemons(struct vm *vm, int *pgrp, unsigned int max);

struct port_undo;
/*
 * Every net device's tap will only close its fd at teardown; the ports
 * that need privileges to remove then are described in @u (at most @max).
 * Returns how many.
 */
unsigned int vm_virtio_hand_over(struct vm *vm, struct port_undo *u,
				 unsigned int max);

/* Is @st a disk image of the VM or a file of a disk's backing chain? */
bool vm_virtio_uses_file(struct vm *vm, const struct stat *st);

/*
 * --stats: each device's requests or frames with their latency, and the
 * interrupts each queue signalled, into @s (at the end of the run, while
 * the transports still exist).
 */
struct vm_stats;
void vm_virtio_stats(struct vm *vm, struct vm_stats *s);

/* Unplug, close the devices and free vm->virtio; safe when setup failed or
 * was never called. */
void vm_virtio_teardown(struct vm *vm);

/* --- Snapshots and stats (vm_virtio_state.c) --- */

/* -EOPNOTSUPP with @err (input) when a device cannot be snapshotted. */
int vm_virtio_snapshot_check(struct vm *vm, struct err *err);
/* Every started device quiesced (@on) or going again (!@on). */
int vm_virtio_quiesce(struct vm *vm, bool on, struct err *err);
/* The PCI host and each transport, as sections; 0 or -ENOMEM. */
int vm_virtio_save(struct vm *vm, struct snap_writer *w);
/*
 * The other way, into freshly plugged devices; -EINVAL with @err. Then,
 * with the routes in KVM, vm_virtio_restart() starts what the driver had
 * started and tells a clone's drivers of its new MACs.
 */
int vm_virtio_restore(struct vm *vm, const struct snap_reader *r,
		      struct err *err);
void vm_virtio_restart(struct vm *vm, const struct snap_reader *r,
		       const struct snap_machine *m);
/* Disks (with their files' identities) and nets into @m. */
int vm_virtio_describe(struct vm *vm, struct snap_machine *m, struct err *err);
/*
 * A restore's disks: each the snapshot's file or a qcow2 overlay backed
 * by it, of the same size. -EINVAL with @err (input) otherwise.
 */
int vm_virtio_check_disks(struct vm *vm, const struct snap_machine *m,
			  struct err *err);
/* Each device's counters appended to the JSON array @devices. */
int vm_virtio_stats_json(struct vm *vm, json_t *devices);

#endif
