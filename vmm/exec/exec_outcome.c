// SPDX-License-Identifier: MIT
/*
 * What squeeze exec returns once the VM stopped (vmm/exec/status.h), and
 * the post-mortem of a timeout: each vCPU's registers and the kernel's
 * last console lines, printed while the stopped vCPUs still exist.
 */
#include <stdio.h>
#include <string.h>

#include "virtio/console/console.h"
#include "vmm/base/log.h"
#include "vmm/exec/exec_int.h"
#include "vmm/exec/status.h"

/* How long output already queued may take to reach a slow reader. */
#define DRAIN_MS	       30000
#define DRAIN_AFTER_TIMEOUT_MS 500

static void print_tail(const struct exec *x)
{
	const struct linetail *t = x->vm->con.tail;
	const char *l;
	unsigned int i;

	if (!t || !linetail_get(t, 0)) {
		fprintf(stderr,
			"squeeze: the kernel printed nothing on its console\n");
		return;
	}
	fprintf(stderr, "squeeze: the last kernel console lines:\n");
	for (i = 0; (l = linetail_get(t, i)); i++)
		fprintf(stderr, "  | %s\n", l);
}

static void postmortem(const struct exec *x)
{
	char regs[VCPU_DUMP_LEN];
	u32 i;

	fprintf(stderr,
		"squeeze: timeout: the command did not finish within %.3g s; post-mortem:\n",
		x->cfg->timeout_ms / 1000.0);
	for (i = 0; i < x->vm->nr_vcpus; i++) {
		if (vm_vcpu_regs(x->vm, i, regs, sizeof(regs)))
			snprintf(regs, sizeof(regs),
				 "(registers unreadable)\n");
		fprintf(stderr, "squeeze: vCPU %u:\n%s", i, regs);
	}
	print_tail(x);
	fflush(stderr);
}

/* The newest console line saying the kernel panicked, or NULL. */
static const char *panic_line(const struct exec *x)
{
	const struct linetail *t = x->vm->con.tail;
	const char *l, *found = NULL;
	unsigned int i;

	for (i = 0; t && (l = linetail_get(t, i)); i++)
		if (strstr(l, "Kernel panic"))
			found = l;
	return found;
}

static int guest_ended(const struct exec *x, enum vm_stop_reason why)
{
	const char *l;

	switch (why) {
	case VM_STOP_RESET:
		l = panic_line(x);
		pr_err("guest kernel panic (the guest reset before the command's status)%s%s",
		       l ? ": " : "", l ? strstr(l, "Kernel panic") : "");
		break;
	case VM_STOP_POWEROFF:
		pr_err("the guest powered off without the command's status");
		break;
	case VM_STOP_DEBUG_EXIT:
		pr_err("the guest wrote %d to the debug-exit port without the command's status",
		       x->vm->stop_status >> 1);
		break;
	default:
		pr_err("the VM failed before the command's status");
		break;
	}
	return EXEC_FAILED;
}

int exec_outcome(struct exec *x)
{
	struct vm *vm = x->vm;
	struct virtio_console *con = vm_virtio_console(vm);
	bool claimed = __atomic_load_n(&vm->stop_claimed, __ATOMIC_ACQUIRE);
	enum vm_stop_reason why = vm->stop_reason;
	char msg[EXEC_STATUS_MAX + 64];
	int code;

	if (claimed && why == VM_STOP_TIMEOUT)
		postmortem(x);
	/* Everything the guest wrote before it stopped reaches its fd. */
	if (con && virtio_console_drain(con, claimed && why == VM_STOP_TIMEOUT ?
						     DRAIN_AFTER_TIMEOUT_MS :
						     DRAIN_MS))
		pr_warn("exec: the guest's output did not drain; some of it is lost");
	exec_status_final(x);
	if (!claimed)
		return guest_ended(x, VM_STOP_FAILURE);
	if (why == VM_STOP_TIMEOUT)
		return EXEC_TIMEOUT;
	if (why == VM_STOP_SIGNAL)
		return vm->stop_status;
	if (x->status_len) {
		code = exec_status_parse(x->status, x->status_len, msg,
					 sizeof(msg));
		if (msg[0])
			pr_err("%s", msg);
		return code;
	}
	return guest_ended(x, why);
}
