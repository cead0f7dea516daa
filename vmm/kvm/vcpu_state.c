// SPDX-License-Identifier: MIT
/*
 * One vCPU's KVM state, out of a paused vCPU and into a fresh one
 * (vcpu_state.h). The vCPU ioctls live here, beside vcpu.c's.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vmm/kvm/vcpu_state.h"

#define MSR_IA32_TSC_DEADLINE 0x000006e0

static int get(struct vcpu *v, unsigned long req, void *arg, const char *what,
	       struct err *err)
{
	if (ioctl(v->fd, req, arg) < 0)
		return err_host(err, -errno, "vCPU %u: %s: %s", v->id, what,
				strerror(errno));
	return 0;
}

/* A state KVM refuses came from the snapshot: the user's input. */
static int set(struct vcpu *v, unsigned long req, const void *arg,
	       const char *what, struct err *err)
{
	if (ioctl(v->fd, req, arg) < 0)
		return err_input(err, -EINVAL,
				 "vCPU %u: KVM refused the snapshot's %s: %s",
				 v->id, what, strerror(errno));
	return 0;
}

static int save_cpuid(struct vcpu *v, struct vcpu_state *s, struct err *err)
{
	s->cpuid = calloc(1, sizeof(*s->cpuid) +
				     VCPU_STATE_MAX_CPUID *
					     sizeof(s->cpuid->entries[0]));
	if (!s->cpuid)
		return err_host(err, -ENOMEM, "out of memory");
	s->cpuid->nent = VCPU_STATE_MAX_CPUID;
	return get(v, KVM_GET_CPUID2, s->cpuid, "KVM_GET_CPUID2", err);
}

/*
 * KVM_GET_MSRS stops at the first MSR it cannot read and returns how many
 * it read: drop that one and go on, so that the list KVM offers in general
 * becomes the list this vCPU has.
 */
static int save_msrs(struct vcpu *v, const u32 *index, u32 n,
		     struct vcpu_state *s, struct err *err)
{
	size_t size;
	struct kvm_msrs *m, *t;
	u32 i, done = 0;
	int got, ret = 0;

	n = MIN(n, (u32)VCPU_STATE_MAX_MSRS);
	size = sizeof(*m) + n * sizeof(m->entries[0]);
	m = calloc(1, size);
	t = calloc(1, size);
	s->msrs = m;
	if (!m || !t) {
		free(t);
		return err_host(err, -ENOMEM, "out of memory");
	}
	for (i = 0; i < n; i++)
		m->entries[i].index = index[i];
	while (done < n) {
		t->nmsrs = n - done;
		memcpy(t->entries, &m->entries[done],
		       t->nmsrs * sizeof(t->entries[0]));
		got = ioctl(v->fd, KVM_GET_MSRS, t);
		if (got < 0) {
			ret = err_host(err, -errno, "vCPU %u: KVM_GET_MSRS: %s",
				       v->id, strerror(errno));
			break;
		}
		memcpy(&m->entries[done], t->entries,
		       got * sizeof(t->entries[0]));
		done += got;
		if (done < n) {
			memmove(&m->entries[done], &m->entries[done + 1],
				(n - done - 1) * sizeof(m->entries[0]));
			n--;
		}
	}
	m->nmsrs = n;
	free(t);
	return ret;
}

static int save_xsave(struct vcpu *v, const struct kvm *kvm,
		      struct vcpu_state *s, struct err *err)
{
	int size = ioctl(kvm->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_XSAVE2);

	s->xsave_size = MAX(size, (int)sizeof(struct kvm_xsave));
	s->xsave = calloc(1, s->xsave_size);
	if (!s->xsave)
		return err_host(err, -ENOMEM, "out of memory");
	if (s->xsave_size > sizeof(struct kvm_xsave))
		return get(v, KVM_GET_XSAVE2, s->xsave, "KVM_GET_XSAVE2", err);
	return get(v, KVM_GET_XSAVE, s->xsave, "KVM_GET_XSAVE", err);
}

int vcpu_state_save(struct vcpu *v, const struct kvm *kvm, const u32 *msr_index,
		    u32 nr_msrs, struct vcpu_state *s, struct err *err)
{
	int ret;

	memset(s, 0, sizeof(*s));
	ret = save_cpuid(v, s, err);
	if (!ret)
		ret = get(v, KVM_GET_REGS, &s->regs, "KVM_GET_REGS", err);
	if (!ret)
		ret = get(v, KVM_GET_SREGS, &s->sregs, "KVM_GET_SREGS", err);
	if (!ret)
		ret = save_msrs(v, msr_index, nr_msrs, s, err);
	if (!ret)
		ret = save_xsave(v, kvm, s, err);
	if (!ret)
		ret = get(v, KVM_GET_XCRS, &s->xcrs, "KVM_GET_XCRS", err);
	if (!ret)
		ret = get(v, KVM_GET_LAPIC, &s->lapic, "KVM_GET_LAPIC", err);
	if (!ret)
		ret = get(v, KVM_GET_VCPU_EVENTS, &s->events,
			  "KVM_GET_VCPU_EVENTS", err);
	if (!ret)
		ret = get(v, KVM_GET_DEBUGREGS, &s->debugregs,
			  "KVM_GET_DEBUGREGS", err);
	if (!ret)
		ret = get(v, KVM_GET_MP_STATE, &s->mp, "KVM_GET_MP_STATE", err);
	return ret;
}

/*
 * The MSRs in two passes: all but the TSC deadline before the LAPIC (the
 * APIC base and the TSC are among them), the deadline after it, since
 * setting the LAPIC stops its timer. KVM returns how many it set.
 */
static int restore_msrs(struct vcpu *v, const struct kvm_msrs *all,
			bool deadline, struct err *err)
{
	struct kvm_msrs *m;
	u32 i, n = 0;
	int ret = 0, got;

	m = calloc(1, sizeof(*m) + all->nmsrs * sizeof(m->entries[0]));
	if (!m)
		return err_host(err, -ENOMEM, "out of memory");
	for (i = 0; i < all->nmsrs; i++)
		if ((all->entries[i].index == MSR_IA32_TSC_DEADLINE) ==
		    deadline)
			m->entries[n++] = all->entries[i];
	m->nmsrs = n;
	got = n ? ioctl(v->fd, KVM_SET_MSRS, m) : 0;
	if (got < 0)
		ret = err_input(err, -EINVAL,
				"vCPU %u: KVM refused the snapshot's MSRs: %s",
				v->id, strerror(errno));
	else if ((u32)got < n)
		ret = err_input(err, -EINVAL,
				"vCPU %u: KVM refused the snapshot's MSR %#x",
				v->id, m->entries[got].index);
	free(m);
	return ret;
}

int vcpu_state_restore(struct vcpu *v, const struct vcpu_state *s,
		       struct err *err)
{
	int ret;

	ret = set(v, KVM_SET_CPUID2, s->cpuid, "CPUID", err);
	if (!ret)
		ret = set(v, KVM_SET_SREGS, &s->sregs, "special registers",
			  err);
	if (!ret)
		ret = set(v, KVM_SET_REGS, &s->regs, "registers", err);
	if (!ret)
		ret = set(v, KVM_SET_XSAVE, s->xsave, "XSAVE state", err);
	if (!ret)
		ret = set(v, KVM_SET_XCRS, &s->xcrs, "XCRs", err);
	if (!ret)
		ret = restore_msrs(v, s->msrs, false, err);
	if (!ret)
		ret = set(v, KVM_SET_MP_STATE, &s->mp, "run state", err);
	if (!ret)
		ret = set(v, KVM_SET_LAPIC, &s->lapic, "local APIC", err);
	if (!ret)
		ret = restore_msrs(v, s->msrs, true, err);
	if (!ret)
		ret = set(v, KVM_SET_VCPU_EVENTS, &s->events, "pending events",
			  err);
	if (!ret)
		ret = set(v, KVM_SET_DEBUGREGS, &s->debugregs,
			  "debug registers", err);
	return ret;
}

void vcpu_state_free(struct vcpu_state *s)
{
	free(s->cpuid);
	free(s->msrs);
	free(s->xsave);
	s->cpuid = NULL;
	s->msrs = NULL;
	s->xsave = NULL;
}

int vcpu_init_bare(struct vcpu *v, struct kvm *kvm, u32 id, struct err *err)
{
	memset(v, 0, sizeof(*v));
	v->id = id;
	v->fd = kvm_create_vcpu(kvm, id);
	if (v->fd < 0)
		return err_host(err, v->fd, "vCPU %u: KVM_CREATE_VCPU: %s", id,
				strerror(-v->fd));
	v->run_size = kvm->run_size;
	v->run = mmap(NULL, v->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      v->fd, 0);
	if (v->run == MAP_FAILED) {
		v->run = NULL;
		return err_host(err, -errno, "vCPU %u: mmap kvm_run: %s", id,
				strerror(errno));
	}
	return 0;
}
