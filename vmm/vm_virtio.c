// SPDX-License-Identifier: MIT
/*
 * Placeholder until the virtio/PCI code lands: a VM without disks and
 * network interfaces needs nothing here.
 */
#include <errno.h>

#include "vmm/log.h"
#include "vmm/vm.h"
#include "vmm/vm_virtio.h"

int vm_virtio_setup(struct vm *vm, const struct vm_config *cfg, char *err,
		    size_t errlen)
{
	vm->virtio = NULL;
	if (cfg->nr_disks || cfg->nr_nets)
		return set_err(err, errlen, -ENOSYS,
			       "virtio devices are not available yet");
	return 0;
}

void vm_virtio_teardown(struct vm *vm)
{
	vm->virtio = NULL;
}
