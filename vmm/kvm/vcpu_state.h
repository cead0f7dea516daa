/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_VCPU_STATE_H
#define SQUEEZE_VCPU_STATE_H

/*
 * Everything KVM keeps about one vCPU, read out while it is paused (out of
 * KVM_RUN) and written into a fresh vCPU for a snapshot's restore: the
 * CPUID the guest saw, general and special registers, MSRs, FPU/SSE/AVX
 * (XSAVE), XCR0, the in-kernel local APIC, pending events (exceptions,
 * NMIs, interrupt shadow), debug registers and the run state (running,
 * halted, waiting for INIT/SIPI).
 *
 * Each part is KVM's own structure, as the kernel ABI defines it; the
 * variable-length ones (CPUID, MSRs, XSAVE) are malloc'd and freed by
 * vcpu_state_free().
 */

#include <linux/kvm.h>

#include "vmm/base/err.h"
#include "vmm/kvm/vcpu.h"

#define VCPU_STATE_MAX_MSRS  256
#define VCPU_STATE_MAX_CPUID 256

struct vcpu_state {
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct kvm_xcrs xcrs;
	struct kvm_lapic_state lapic;
	struct kvm_vcpu_events events;
	struct kvm_debugregs debugregs;
	struct kvm_mp_state mp;
	struct kvm_cpuid2 *cpuid; /* nent entries */
	struct kvm_msrs *msrs;	  /* nmsrs entries */
	void *xsave;		  /* struct kvm_xsave, xsave_size bytes */
	u32 xsave_size;
};

/*
 * Read @v's whole state (its thread parked, see vcpu_gate). @msr_index
 * lists the MSRs to save (kvm_msr_list()); those KVM cannot read for this
 * vCPU are left out. 0, or -errno with @err (a host failure).
 */
int vcpu_state_save(struct vcpu *v, const struct kvm *kvm, const u32 *msr_index,
		    u32 nr_msrs, struct vcpu_state *s, struct err *err);

/*
 * Load @s into @v, a vCPU just made by kvm_create_vcpu() (its kvm_run
 * mapped): CPUID first, then the rest in the order KVM needs (the TSC
 * deadline after the LAPIC). A part KVM refuses is the snapshot's fault:
 * -EINVAL with @err of class input, naming the part.
 */
int vcpu_state_restore(struct vcpu *v, const struct vcpu_state *s,
		       struct err *err);

void vcpu_state_free(struct vcpu_state *s);

/*
 * Create vCPU @id: the fd and its kvm_run mapping, no state yet (that is
 * vcpu_init()'s for a boot, vcpu_state_restore()'s for a restore). 0 or
 * -errno with @err.
 */
int vcpu_init_bare(struct vcpu *v, struct kvm *kvm, u32 id, struct err *err);

#endif
