// SPDX-License-Identifier: MIT
/*
 * Confining the VM process once the VM is built and before any vCPU runs
 * (issue 10). After this point squeeze only runs its VM:
 *   1. ports that need privileges to remove at exit go to the port
 *      keeper (devices/net/port_keeper.h), and the taps will only close
 *      their fds;
 *   2. on every thread: every capability goes, the bounding and ambient
 *      sets too (vmm/sandbox/caps.h), and no_new_privs is set;
 *   3. the seccomp filters, one per thread class (vmm/sandbox/seccomp.h):
 *      each I/O thread loads its own now (through iothread_call()); the
 *      vCPU threads, started by vm_run(), load theirs first thing and
 *      wait at a gate until the main thread has loaded its own
 *      (vm_confine_main()), so no guest instruction runs before every
 *      thread is confined. A VM with a restart action (--on-*=restart)
 *      is rebuilt by the main thread, which then keeps no filter: its
 *      new vCPU threads load theirs, the I/O threads keep theirs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "devices/net/port_keeper.h"
#include "vmm/control/control.h"
#include "vmm/core/iothread.h"
#include "vmm/base/log.h"
#include "vmm/machine/vm.h"
#include "vmm/machine/vm_virtio.h"
#include "vmm/sandbox/caps.h"

/* Capabilities and no_new_privs, for the calling thread. */
static int drop_privileges(void)
{
	int ret = caps_drop_all();

	if (!ret && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		ret = -errno;
	return ret;
}

struct io_confine {
	struct vm *vm;
	enum sandbox_class class;
	int ret;
};

#ifdef SQUEEZE_TEST_HOOKS
/*
 * Test builds only (build/squeeze-hooks): SQUEEZE_TEST_HOOK=io-forbidden
 * makes each I/O thread, once confined, open a socket, which no I/O
 * thread may: squeeze must die with the seccomp report.
 */
static void test_hook_io(void)
{
	const char *hook = getenv("SQUEEZE_TEST_HOOK");

	if (hook && !strcmp(hook, "io-forbidden"))
		syscall(SYS_socket, AF_INET, SOCK_DGRAM, 0);
}
#else
static void test_hook_io(void)
{
}
#endif

/* On an I/O thread. */
static void confine_io(void *arg)
{
	struct io_confine *c = arg;
	int ret = drop_privileges();

	if (!ret && c->vm->seccomp) {
		/* I/O threads block every signal; SIGSYS must reach us. */
		sandbox_unblock_sigsys();
		ret = sandbox_load(&c->vm->filters, c->class);
	}
	if (ret && !c->ret)
		c->ret = ret;
	if (c->class == SANDBOX_IO)
		test_hook_io();
}

static int prepare_seccomp(struct vm *vm, struct err *err)
{
	const struct sock_fprog *p = vm->filters.prog;
	int pgrp[CONFIG_MAX_FS];
	unsigned int n = vm_virtio_daemons(vm, pgrp, CONFIG_MAX_FS);
	int ret;

	ret = sandbox_filters_build(&vm->filters, pgrp, n, err);
	if (!ret)
		ret = sandbox_report_install(NULL, err);
	if (ret)
		return ret;
	vm->seccomp = true;
	if (vm->cfg->verbose)
		pr_info("seccomp filters: main %u, vcpu %u, io %u, vhost %u, control %u BPF instructions",
			p[SANDBOX_MAIN].len, p[SANDBOX_VCPU].len,
			p[SANDBOX_IO].len, p[SANDBOX_VHOST].len,
			p[SANDBOX_CONTROL].len);
	return 0;
}

int vm_confine(struct vm *vm, struct err *err)
{
	struct io_confine io = { .vm = vm, .class = SANDBOX_IO };
	struct port_undo u[PORT_KEEPER_MAX];
	unsigned int n;
	int ret;

	pthread_mutex_init(&vm->gate_lock, NULL);
	pthread_cond_init(&vm->gate_cond, NULL);
	vm->have_gate = true;
	n = vm_virtio_hand_over(vm, u, PORT_KEEPER_MAX);
	if (n) {
		ret = port_keeper_start(&vm->keeper, u, n, err);
		if (ret)
			return ret;
	}
	if (!vm->cfg->no_seccomp) {
		ret = prepare_seccomp(vm, err);
		if (ret)
			return ret;
	}
	vm_virtio_each_iothread(vm, confine_io, &io);
	io.class = SANDBOX_VHOST;
	vm_virtio_each_vhost_thread(vm, confine_io, &io);
	io.class = SANDBOX_CONTROL;
	if (vm->ctl)
		iothread_call(control_iothread(vm->ctl), confine_io, &io);
	ret = io.ret ? io.ret : drop_privileges();
	if (ret)
		return err_host(err, ret, "cannot confine squeeze: %s",
				strerror(-ret));
	return 0;
}

static void gate_set(struct vm *vm, int state)
{
	pthread_mutex_lock(&vm->gate_lock);
	vm->gate = state;
	pthread_cond_broadcast(&vm->gate_cond);
	pthread_mutex_unlock(&vm->gate_lock);
}

int vm_vcpu_enter(void *opaque)
{
	struct vm *vm = opaque;
	int ret = 0, gate;

	if (vm->seccomp)
		ret = sandbox_load(&vm->filters, SANDBOX_VCPU);
	pthread_mutex_lock(&vm->gate_lock);
	while (!vm->gate)
		pthread_cond_wait(&vm->gate_cond, &vm->gate_lock);
	gate = vm->gate;
	pthread_mutex_unlock(&vm->gate_lock);
	return ret ? ret : gate < 0 ? -ECANCELED : 0;
}

int vm_confine_main(struct vm *vm, bool vcpus_started)
{
	int ret = 0;

	/*
	 * A VM that may restart is rebuilt by this thread (a new KVM VM from
	 * /dev/kvm, vCPUs, their threads): the main thread stays without a
	 * filter then; vCPU and I/O threads keep theirs (see README).
	 */
	if (vcpus_started && vm->seccomp && !vm->main_confined &&
	    !vm_may_restart(vm->cfg)) {
		ret = sandbox_load(&vm->filters, SANDBOX_MAIN);
		vm->main_confined = !ret;
	}
	if (ret)
		pr_err("seccomp: cannot load the main thread's filter: %s",
		       strerror(-ret));
	if (!vcpus_started || ret)
		__atomic_store_n(&vm->stopping, 1, __ATOMIC_RELEASE);
	gate_set(vm, vcpus_started && !ret ? 1 : -1);
	return ret;
}
