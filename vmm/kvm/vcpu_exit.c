// SPDX-License-Identifier: MIT
/*
 * One VM exit, from KVM_RUN's return to the next KVM_RUN: a port or MMIO
 * access dispatched to the device that owns the address (vmm/core/bus.c),
 * an EOI for the IOAPIC, or the end of the run (power-off, reset, a
 * failure). Each exit is counted by kind and, for port and MMIO exits, by
 * the device that took it; with --trace it is decoded into one line, and
 * with --trace-file it is a span on the vCPU's track.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vmm/base/clock.h"
#include "vmm/kvm/vcpu.h"
#include "vmm/kvm/vcpu_int.h"

static void handle_io(struct vcpu *v, struct vcpu_access *a,
		      struct vcpu_exit_trace *et)
{
	struct kvm_run *run = v->run;
	u64 size = run->io.size, count = run->io.count;
	u8 *data = (u8 *)run + run->io.data_offset;
	struct bus_range hit;

	*a = (struct vcpu_access){
		.addr = run->io.port,
		.len = size,
		.count = count,
		.write = run->io.direction == KVM_EXIT_IO_OUT,
		.data = data,
	};
	/* String I/O (rep ins/outs) hands us @count items at once. */
	if (run->io.data_offset + size * count > (u64)v->run_size)
		return;
	if (v->env->trace && a->write) {
		bus_lookup(v->env->pio, a->addr, size, &a->hit);
		vcpu_trace_access(v, a, et);
	}
	for (u64 i = 0; i < count; i++, data += size) {
		bus_access(v->env->pio, run->io.port, data, size, a->write,
			   &hit);
		if (i == 0)
			a->hit = hit;
	}
	if (v->env->trace && !a->write)
		vcpu_trace_access(v, a, et);
}

static void handle_mmio(struct vcpu *v, struct vcpu_access *a,
			struct vcpu_exit_trace *et)
{
	struct kvm_run *run = v->run;
	u32 len = MIN(run->mmio.len, (u32)sizeof(run->mmio.data));

	*a = (struct vcpu_access){
		.addr = run->mmio.phys_addr,
		.len = len,
		.count = 1,
		.write = run->mmio.is_write,
		.mmio = true,
		.data = run->mmio.data,
	};
	if (v->env->trace && a->write) {
		bus_lookup(v->env->mmio, a->addr, len, &a->hit);
		vcpu_trace_access(v, a, et);
	}
	bus_access(v->env->mmio, a->addr, run->mmio.data, len, a->write,
		   &a->hit);
	if (v->env->trace && !a->write)
		vcpu_trace_access(v, a, et);
}

static void handle_system_event(struct vcpu *v)
{
	switch (v->run->system_event.type) {
	case KVM_SYSTEM_EVENT_SHUTDOWN:
		exit_sink_stop(v->env->exit, VM_STOP_POWEROFF, 0);
		break;
	case KVM_SYSTEM_EVENT_RESET:
		exit_sink_stop(v->env->exit, VM_STOP_RESET, 0);
		break;
	default:
		vcpu_fail(v, "guest crashed (KVM_EXIT_SYSTEM_EVENT)");
		break;
	}
}

static enum vcpu_exit_kind exit_kind(u32 reason)
{
	switch (reason) {
	case KVM_EXIT_IO:
		return VCPU_EXIT_IO;
	case KVM_EXIT_MMIO:
		return VCPU_EXIT_MMIO;
	case KVM_EXIT_IOAPIC_EOI:
		return VCPU_EXIT_IOAPIC_EOI;
	case KVM_EXIT_INTR:
		return VCPU_EXIT_INTR;
	default:
		return VCPU_EXIT_OTHER;
	}
}

/* Count a port or MMIO exit for the device that took it. */
static void count_device(struct vcpu_stats *s, const struct vcpu_access *r)
{
	struct vcpu_dev_exits *d = NULL;
	unsigned int i;

	for (i = 0; i < VCPU_DEV_SLOTS; i++) {
		d = &s->dev[i];
		if (!d->used ||
		    (d->ops == r->hit.ops && d->opaque == r->hit.opaque &&
		     d->mmio == r->mmio))
			break;
	}
	if (!d->used) {
		d->used = true;
		d->ops = r->hit.ops;
		d->opaque = r->hit.opaque;
		d->mmio = r->mmio;
	}
	if (r->write)
		d->writes++;
	else
		d->reads++;
}

/* Handle one exit; returns false when the loop must end. */
bool vcpu_handle_exit(struct vcpu *v, u64 exit_ns)
{
	struct kvm_run *run = v->run;
	struct vcpu_exit_trace et = { .kind = NULL };
	struct vcpu_access a;
	u64 *count = &v->stats.exits[exit_kind(run->exit_reason)];
	bool go_on = true;
	char why[128];

	/* Read by the control socket's stats while the vCPU runs. */
	__atomic_store_n(count, *count + 1, __ATOMIC_RELAXED);
	if (v->env->trace && run->exit_reason != KVM_EXIT_IO &&
	    run->exit_reason != KVM_EXIT_MMIO)
		vcpu_trace_other(v, &et);
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		handle_io(v, &a, &et);
		count_device(&v->stats, &a);
		break;
	case KVM_EXIT_MMIO:
		handle_mmio(v, &a, &et);
		count_device(&v->stats, &a);
		break;
	case KVM_EXIT_IOAPIC_EOI:
		/* The guest ended a level-triggered IOAPIC interrupt. */
		v->env->eoi->eoi(v->env->eoi->opaque, run->eoi.vector);
		break;
	case KVM_EXIT_INTR:
		break;
	case KVM_EXIT_SYSTEM_EVENT:
		handle_system_event(v);
		go_on = false;
		break;
	case KVM_EXIT_SHUTDOWN:
		vcpu_fail(v, "triple fault (KVM_EXIT_SHUTDOWN)");
		go_on = false;
		break;
	default:
		vcpu_exit_failure(run, why, sizeof(why));
		vcpu_fail(v, why);
		go_on = false;
		break;
	}
	if (v->env->trace)
		vcpu_trace_span(v, &et, exit_ns);
	return go_on;
}

void vcpu_exit_failure(const struct kvm_run *run, char *why, size_t len)
{
	switch (run->exit_reason) {
	case KVM_EXIT_FAIL_ENTRY:
		snprintf(why, len,
			 "VM entry failed (KVM_EXIT_FAIL_ENTRY, reason %#llx)",
			 (unsigned long long)
				 run->fail_entry.hardware_entry_failure_reason);
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		snprintf(
			why, len,
			"KVM internal error (KVM_EXIT_INTERNAL_ERROR, suberror %u)",
			run->internal.suberror);
		break;
	case KVM_EXIT_HLT:
		/* The in-kernel LAPIC handles HLT: nothing would wake us. */
		snprintf(why, len, "halted (KVM_EXIT_HLT)");
		break;
	default:
		snprintf(why, len, "unexpected exit reason %u",
			 run->exit_reason);
		break;
	}
}
