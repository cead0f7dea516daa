/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_VM_VIRTIO_H
#define SQUEEZE_VM_VIRTIO_H

#include "vmm/base/err.h"
#include "vmm/config/config.h"

struct vm;

/*
 * Add the PCI host bridge and one virtio device per --disk and --net to
 * @vm (its pio/mmio buses, guest memory and irq controller), storing the
 * state in vm->virtio. Called by vm_create() after the legacy devices and
 * before the KVM VM exists, so that a bad disk or net is found while
 * nothing is created: it issues no KVM ioctl. Returns 0 or -errno with one
 * line in @err.
 */
int vm_virtio_setup(struct vm *vm, const struct vm_config *cfg, struct err *err);

/*
 * Connect the devices set up above to the KVM VM, once it and its irqchip
 * exist: the doorbell ioeventfds. Returns 0 or -errno with one line in
 * @err.
 */
int vm_virtio_attach(struct vm *vm, struct err *err);

/* Stop I/O threads and free vm->virtio; safe when setup failed or was
 * never called. */
void vm_virtio_teardown(struct vm *vm);

#endif
