/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_VCPU_INT_H
#define SQUEEZE_VCPU_INT_H

/* Between the vCPU thread (vcpu.c), its exits (vcpu_exit.c) and their trace. */

#include "vmm/kvm/vcpu.h"

/* Record why the vCPU failed, with its registers, and stop the VM. */
void vcpu_fail(struct vcpu *v, const char *why);

/* vcpu_exit.c: handle the exit KVM_RUN returned at @exit_ns; false: stop. */
bool vcpu_handle_exit(struct vcpu *v, u64 exit_ns);
/* Why an exit the VMM cannot go on from ended the run, in words. */
void vcpu_exit_failure(const struct kvm_run *run, char *why, size_t len);

/* One exit's port or MMIO access, for the counters and the trace. */
struct vcpu_access {
	struct bus_range hit; /* hit.ops NULL: no device claimed it */
	u64 addr;
	u32 len;
	bool write;
	bool mmio;
	u64 count;	  /* string I/O: items; 0: not an access */
	const void *data; /* the first item */
};

/* An exit's line, kept for its span. */
struct vcpu_exit_trace {
	struct trace_note n;
	unsigned int dev_at; /* where the device's words start */
	const char *kind;    /* "IO", ... */
};

/*
 * vcpu_trace.c: the line of an exit. A write is told before it reaches its
 * device (so that what it causes follows it), a read once its value is
 * known, any other exit before it is handled.
 */
void vcpu_trace_access(struct vcpu *v, const struct vcpu_access *a,
		       struct vcpu_exit_trace *et);
void vcpu_trace_other(struct vcpu *v, struct vcpu_exit_trace *et);
/* The exit's handling, from @exit_ns to now, as a span on the file. */
void vcpu_trace_span(struct vcpu *v, const struct vcpu_exit_trace *et,
		     u64 exit_ns);
/* KVM_RUN from @enter_ns to @exit_ns, on the file's vCPU track. */
void vcpu_trace_run(struct vcpu *v, u64 enter_ns, u64 exit_ns);

#endif
