// SPDX-License-Identifier: MIT
/*
 * The control socket's requests, run on the main thread between two
 * waits of its loop (vm_run.c): pause and resume (the vCPU gate, and the
 * devices after a snapshot), the power button, power-off, status, stats
 * and snapshots (vm_snapshot.c). docs/control.md has the replies.
 */
#include <errno.h>
#include <string.h>

#include "vmm/base/clock.h"
#include "vmm/base/log.h"
#include "vmm/control/control.h"
#include "vmm/machine/vm.h"
#include "vmm/machine/vm_virtio.h"

static const char *const exit_key[VCPU_EXIT_NR] = {
	[VCPU_EXIT_IO] = "io",
	[VCPU_EXIT_MMIO] = "mmio",
	[VCPU_EXIT_IOAPIC_EOI] = "ioapic_eoi",
	[VCPU_EXIT_INTR] = "intr",
	[VCPU_EXIT_OTHER] = "other",
};

int vm_pause(struct vm *vm)
{
	return vcpu_gate_pause(&vm->pause, vm->vcpus, vm->nr_vcpus,
			       &vm->stopping) ?
		       0 :
		       -EINTR;
}

void vm_resume(struct vm *vm)
{
	struct err err = { 0 };

	if (vm->frozen && vm_virtio_quiesce(vm, false, &err))
		pr_warn("%s", err.msg);
	vm->frozen = false;
	vcpu_gate_resume(&vm->pause);
}

bool vm_paused(struct vm *vm)
{
	return vcpu_gate_paused(&vm->pause);
}

static json_t *state_of(struct vm *vm)
{
	return json_pack("{s:s}", "state",
			 vm_paused(vm) ? "paused" : "running");
}

static json_t *status(struct vm *vm)
{
	return json_pack("{s:s, s:s?, s:i, s:I, s:f, s:s?}", "state",
			 vm_paused(vm) ? "paused" : "running", "name",
			 vm->cfg->name, "cpus", (int)vm->nr_vcpus, "memory",
			 (json_int_t)vm->cfg->mem_size, "uptime_ms",
			 (clock_ns() - vm->run_ns) / 1e6, "restored_from",
			 vm->restored_from);
}

/* One object of counters by exit kind. */
static json_t *exits_of(const u64 *count)
{
	json_t *o = json_object();
	u64 total = 0;
	unsigned int k;

	for (k = 0; o && k < VCPU_EXIT_NR; k++) {
		json_object_set_new(o, exit_key[k], json_integer(count[k]));
		total += count[k];
	}
	if (o)
		json_object_set_new(o, "total", json_integer(total));
	return o;
}

/* Exits per vCPU and in all (earlier boots included), devices' counters. */
static json_t *stats(struct vm *vm)
{
	json_t *vcpus = json_array(), *devices = json_array();
	u64 all[VCPU_EXIT_NR], mine[VCPU_EXIT_NR];
	unsigned int i, k;

	memcpy(all, vm->stats->exits, sizeof(all));
	for (i = 0; vcpus && i < vm->nr_vcpus; i++) {
		for (k = 0; k < VCPU_EXIT_NR; k++) {
			mine[k] = __atomic_load_n(&vm->vcpus[i].stats.exits[k],
						  __ATOMIC_RELAXED);
			all[k] += mine[k];
		}
		json_array_append_new(vcpus,
				      json_pack("{s:i, s:o}", "id", (int)i,
						"exits", exits_of(mine)));
	}
	if (devices)
		json_array_append_new(devices,
				      json_pack("{s:s, s:s, s:I, s:I}", "name",
						"serial", "type", "16550A",
						"tx_bytes",
						(json_int_t)__atomic_load_n(
							&vm->serial.tx_bytes,
							__ATOMIC_RELAXED),
						"rx_bytes",
						(json_int_t)__atomic_load_n(
							&vm->serial.rx_bytes,
							__ATOMIC_RELAXED)));
	if (devices && vm_virtio_stats_json(vm, devices)) {
		json_decref(devices);
		devices = NULL;
	}
	return json_pack("{s:o, s:o, s:{s:I}, s:o}", "exits", exits_of(all),
			 "vcpus", vcpus, "interrupts", "ioapic_messages",
			 (json_int_t)(vm->stats->ioapic_messages +
				      __atomic_load_n(&vm->ioapic.delivered,
						      __ATOMIC_RELAXED)),
			 "devices", devices);
}

static json_t *press_power_button(struct vm *vm, struct err *err)
{
	bool enabled;

	if (vm_paused(vm)) {
		err_input(err, -EINVAL,
			  "the VM is paused: resume it first, or use poweroff");
		return NULL;
	}
	enabled = pm_power_button(&vm->pm);
	return json_pack("{s:s, s:b}", "power_button", "pressed",
			 "enabled_by_guest", enabled);
}

static json_t *run(struct vm *vm, const struct ctl_request *req,
		   struct err *err)
{
	json_t *result = NULL;

	switch (req->cmd) {
	case CTL_STATUS:
		return status(vm);
	case CTL_PAUSE:
		if (vm_pause(vm))
			err_host(err, -EINTR, "the VM is stopping");
		return state_of(vm);
	case CTL_RESUME:
		vm_resume(vm);
		return state_of(vm);
	case CTL_SHUTDOWN:
		return press_power_button(vm, err);
	case CTL_POWEROFF:
		exit_sink_stop(&vm->exit, VM_STOP_CONTROL, 0);
		return json_pack("{s:s}", "state", "stopping");
	case CTL_STATS:
		return stats(vm);
	case CTL_SNAPSHOT:
		vm_snapshot(vm, req->dir, req->resume, &result, err);
		return result;
	default:
		err_input(err, -EINVAL, "unknown command");
		return NULL;
	}
}

void vm_control_serve(struct vm *vm)
{
	struct ctl_request req;
	struct err err = { 0 };
	json_t *result;

	if (!control_take(vm->ctl, &req))
		return;
	result = run(vm, &req, &err);
	if (!result && !err_is_set(&err))
		err_host(&err, -ENOMEM, "out of memory");
	control_answer(vm->ctl, result, &err);
	json_decref(result);
}
