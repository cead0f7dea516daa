// SPDX-License-Identifier: MIT
/*
 * Confining the VM process once the VM is built and before any vCPU runs
 * (issue 10). After this point squeeze only runs its VM:
 *   1. ports that need privileges to remove at exit go to the port
 *      keeper (devices/net/port_keeper.h), and the taps will only close
 *      their fds;
 *   2. every capability goes, the bounding and ambient sets too
 *      (vmm/sandbox/caps.h);
 *   3. no_new_privs: no execve() can give any back;
 *   4. the seccomp filters, one per thread class (vmm/sandbox/seccomp.h).
 */
#include <errno.h>
#include <string.h>
#include <sys/prctl.h>

#include "devices/net/port_keeper.h"
#include "vmm/base/log.h"
#include "vmm/machine/vm.h"
#include "vmm/machine/vm_virtio.h"
#include "vmm/sandbox/caps.h"

int vm_confine(struct vm *vm, struct err *err)
{
	struct port_undo u[PORT_KEEPER_MAX];
	unsigned int n;
	int ret;

	n = vm_virtio_hand_over(vm, u, PORT_KEEPER_MAX);
	if (n) {
		ret = port_keeper_start(&vm->keeper, u, n, err);
		if (ret)
			return ret;
	}
	ret = caps_drop_all(err);
	if (ret)
		return ret;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return err_host(err, -errno, "no_new_privs: %s",
				strerror(errno));
	return 0;
}
