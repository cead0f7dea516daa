// SPDX-License-Identifier: MIT
/*
 * A VM exit in words, for --trace and --trace-file: the reason as KVM names
 * it, what the guest did (direction, address, size, value), and what that
 * means to the device that took it, in the device's own register names
 * (struct io_desc, vmm/core/bus.h). On the file: KVM_RUN and the exit's
 * handling as two spans on the vCPU's track.
 */
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>

#include "vmm/base/clock.h"
#include "vmm/kvm/vcpu.h"
#include "vmm/kvm/vcpu_int.h"

static const char *reason_name(u32 reason)
{
	switch (reason) {
	case KVM_EXIT_IO:
		return "IO";
	case KVM_EXIT_MMIO:
		return "MMIO";
	case KVM_EXIT_IOAPIC_EOI:
		return "IOAPIC_EOI";
	case KVM_EXIT_INTR:
		return "INTR";
	case KVM_EXIT_SYSTEM_EVENT:
		return "SYSTEM_EVENT";
	case KVM_EXIT_SHUTDOWN:
		return "SHUTDOWN";
	case KVM_EXIT_HLT:
		return "HLT";
	case KVM_EXIT_FAIL_ENTRY:
		return "FAIL_ENTRY";
	case KVM_EXIT_INTERNAL_ERROR:
		return "INTERNAL_ERR";
	default:
		return "EXIT";
	}
}

/* The device's part: "serial0.THR <- 0x48 'H'", or what took nothing. */
static void describe_device(struct trace_note *n, const struct bus_range *hit,
			    const struct io_access *a, bool mmio)
{
	const struct io_desc *d = hit && hit->ops ? hit->ops->desc : NULL;

	n->cls = mmio ? TRACE_MMIO : TRACE_PIO;
	if (!hit || !hit->ops) {
		n->file = "vmm/core/bus.c";
		note_printf(n, "no device here: %s, counted as unhandled",
			    a->write ? "the write is dropped" :
				       "reads as all-ones");
		return;
	}
	if (!d || !d->describe) {
		note_printf(n, "%s+0x%llx %s 0x%llx",
			    io_ops_name(hit->ops, hit->opaque),
			    (unsigned long long)a->off, a->write ? "<-" : "->",
			    (unsigned long long)a->val);
		return;
	}
	n->cls = d->trace_class;
	n->file = d->file;
	d->describe(hit->opaque, a, n);
}

void vcpu_trace_access(struct vcpu *v, const struct vcpu_access *a,
		       struct vcpu_exit_trace *et)
{
	struct trace_note *n = &et->n;
	struct io_access acc = {
		.addr = a->addr,
		.len = a->len,
		.write = a->write,
		.off = a->hit.ops ? a->addr - a->hit.base : 0,
	};

	*n = (struct trace_note){ .file = "vmm/kvm/vcpu_exit.c" };
	et->kind = a->mmio ? "MMIO" : "IO";
	memcpy(&acc.val, a->data, MIN(a->len, (u32)sizeof(acc.val)));
	note_printf(n, "%s %s 0x%llx size %u value 0x%llx: ",
		    a->mmio ? (a->write ? "write" : "read") :
			      (a->write ? "out" : "in"),
		    a->mmio ? "addr" : "port", (unsigned long long)a->addr,
		    a->len, (unsigned long long)acc.val);
	et->dev_at = n->len;
	describe_device(n, &a->hit, &acc, a->mmio);
	if (a->count > 1)
		note_printf(n, " (string I/O: %llu items, the first shown)",
			    (unsigned long long)a->count);
	trace_note(v->env->trace, et->kind, n);
}

static void describe_other(struct vcpu *v, struct trace_note *n)
{
	const struct kvm_run *run = v->run;
	char why[128];

	n->cls = TRACE_STOP;
	switch (run->exit_reason) {
	case KVM_EXIT_IOAPIC_EOI:
		n->cls = TRACE_IRQ;
		n->file = "devices/legacy/ioapic.c";
		note_printf(n,
			    "vector 0x%x: the guest ended a level-triggered "
			    "interrupt; the IOAPIC clears its remote IRR",
			    run->eoi.vector);
		return;
	case KVM_EXIT_INTR:
		n->cls = TRACE_VM;
		note_printf(n, "KVM_RUN returned for a signal (a kick)");
		return;
	case KVM_EXIT_SYSTEM_EVENT:
		note_printf(n, "%s",
			    run->system_event.type ==
					    KVM_SYSTEM_EVENT_SHUTDOWN ?
				    "shutdown: the guest powered off" :
			    run->system_event.type == KVM_SYSTEM_EVENT_RESET ?
				    "reset: the guest reset the machine" :
				    "crash: the guest reported a crash");
		return;
	case KVM_EXIT_SHUTDOWN:
		note_printf(n, "triple fault: the vCPU cannot go on");
		return;
	default:
		vcpu_exit_failure(run, why, sizeof(why));
		note_printf(n, "%s", why);
		return;
	}
}

void vcpu_trace_other(struct vcpu *v, struct vcpu_exit_trace *et)
{
	et->n = (struct trace_note){ .file = "vmm/kvm/vcpu_exit.c" };
	et->kind = reason_name(v->run->exit_reason);
	et->dev_at = 0;
	describe_other(v, &et->n);
	trace_note(v->env->trace, et->kind, &et->n);
}

/* The span's name: the device's register ("serial0.THR"), or the reason. */
static void span_name(char *buf, size_t len, const struct vcpu_exit_trace *et)
{
	const char *s = et->n.text + et->dev_at;
	const char *end = strstr(s, " <-");
	const char *rd = strstr(s, " ->");

	if (!end || (rd && rd < end))
		end = rd;
	if (!et->dev_at || !end)
		snprintf(buf, len, "%s", et->kind);
	else
		snprintf(buf, len, "%s %.*s", et->kind, (int)(end - s), s);
}

void vcpu_trace_span(struct vcpu *v, const struct vcpu_exit_trace *et,
		     u64 exit_ns)
{
	char name[96];

	if (!trace_file_on(v->env->trace))
		return;
	if (!et->kind) {
		/* A string I/O exit whose buffer was out of range: no line. */
		trace_span(v->env->trace, "exit", "IO", exit_ns, clock_ns(),
			   NULL);
		return;
	}
	span_name(name, sizeof(name), et);
	trace_span(v->env->trace, "exit", name, exit_ns, clock_ns(),
		   et->n.text);
}

void vcpu_trace_run(struct vcpu *v, u64 enter_ns, u64 exit_ns)
{
	trace_span(v->env->trace, "guest", "KVM_RUN", enter_ns, exit_ns, NULL);
}
