// SPDX-License-Identifier: MIT
/*
 * A snapshot's state into a freshly built VM (vm_restore() in vm.c makes
 * the VM; this puts the state in). Every section is looked up by type and
 * index with its exact size, and every value is checked by the part that
 * takes it: a state file is input like any other.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "vmm/kvm/vcpu_state.h"
#include "vmm/machine/vm.h"
#include "vmm/machine/vm_virtio.h"
#include "vmm/snapshot/snap_mem.h"

/*
 * A restore's RAM: the snapshot's memory file, privately mapped, in the
 * layout its machine description records.
 */
int vm_map_snapshot_memory(struct vm *vm, const struct vm_snapshot_in *in,
			   struct err *err)
{
	const struct snap_machine *m = in->machine;
	int fd = snap_mem_open(in->dir, in->snap->memory_size, err);
	unsigned int i;
	int ret;

	if (fd < 0)
		return fd;
	if (in->snap->memory_size != vm->cfg->mem_size) {
		close(fd);
		return err_input(
			err, -EINVAL,
			"snapshot %s: the memory file and the machine description disagree",
			in->dir);
	}
	ret = guest_mem_map_file(&vm->mem, vm->cfg->mem_size, fd);
	if (ret)
		return err_host(err, ret,
				"cannot map the snapshot's memory: %s",
				strerror(-ret));
	if (vm->mem.nr != m->nr_regions)
		return err_input(err, -EINVAL,
				 "snapshot %s: another RAM layout", in->dir);
	for (i = 0; i < vm->mem.nr; i++)
		if (vm->mem.region[i].gpa != m->region[i].gpa ||
		    vm->mem.region[i].size != m->region[i].size)
			return err_input(err, -EINVAL,
					 "snapshot %s: another RAM layout",
					 in->dir);
	return 0;
}

static int missing(struct err *err, const char *what, u32 index)
{
	return err_input(
		err, -EINVAL,
		"the snapshot's %s (%u) is missing or has the wrong size", what,
		index);
}

/* The variable-size parts: their own counts must fit their sections. */
static int vcpu_parts(const struct snap_reader *r, u32 id, struct vcpu_state *s,
		      struct err *err)
{
	const struct kvm_cpuid2 *cpuid;
	const struct kvm_msrs *msrs;
	u64 size;

	cpuid = snap_find(r, SNAP_VCPU_CPUID, id, &size);
	if (!cpuid || size < sizeof(*cpuid) || cpuid->nent > 256 ||
	    size != sizeof(*cpuid) + cpuid->nent * sizeof(cpuid->entries[0]))
		return missing(err, "vCPU CPUID", id);
	msrs = snap_find(r, SNAP_VCPU_MSRS, id, &size);
	if (!msrs || size < sizeof(*msrs) || msrs->nmsrs > 256 ||
	    size != sizeof(*msrs) + msrs->nmsrs * sizeof(msrs->entries[0]))
		return missing(err, "vCPU MSRs", id);
	s->xsave = (void *)snap_find(r, SNAP_VCPU_XSAVE, id, &size);
	if (!s->xsave || size < sizeof(struct kvm_xsave) || size > 1 * MiB)
		return missing(err, "vCPU XSAVE area", id);
	s->xsave_size = size;
	s->cpuid = (struct kvm_cpuid2 *)cpuid;
	s->msrs = (struct kvm_msrs *)msrs;
	return 0;
}

#define FIXED(r, type, id, field, what)                                \
	({                                                             \
		const void *p_ = snap_get(r, type, id, sizeof(field)); \
		if (p_)                                                \
			memcpy(&(field), p_, sizeof(field));           \
		p_ ? 0 : missing(err, what, id);                       \
	})

static int restore_vcpu(struct vcpu *v, const struct snap_reader *r,
			struct err *err)
{
	struct vcpu_state s;
	u32 id = v->id;
	int ret;

	memset(&s, 0, sizeof(s));
	ret = vcpu_parts(r, id, &s, err);
	if (!ret)
		ret = FIXED(r, SNAP_VCPU_REGS, id, s.regs, "vCPU registers");
	if (!ret)
		ret = FIXED(r, SNAP_VCPU_SREGS, id, s.sregs,
			    "vCPU special registers");
	if (!ret)
		ret = FIXED(r, SNAP_VCPU_XCRS, id, s.xcrs, "vCPU XCRs");
	if (!ret)
		ret = FIXED(r, SNAP_VCPU_LAPIC, id, s.lapic, "vCPU local APIC");
	if (!ret)
		ret = FIXED(r, SNAP_VCPU_EVENTS, id, s.events, "vCPU events");
	if (!ret)
		ret = FIXED(r, SNAP_VCPU_DEBUGREGS, id, s.debugregs,
			    "vCPU debug registers");
	if (!ret)
		ret = FIXED(r, SNAP_VCPU_MP_STATE, id, s.mp, "vCPU run state");
	if (!ret)
		ret = vcpu_state_restore(v, &s, err);
	/* The parts point into the reader's buffer: nothing to free. */
	return ret;
}

static int restore_platform(struct vm *vm, const struct snap_reader *r,
			    struct err *err)
{
	struct ioapic_state io;
	struct serial_state ser;
	struct rtc_state rtc;
	struct pm_state pm;
	struct i8042_state kbd;
	int ret;

	ret = FIXED(r, SNAP_IOAPIC, 0, io, "IOAPIC");
	if (!ret)
		ret = FIXED(r, SNAP_SERIAL, 0, ser, "serial port");
	if (!ret)
		ret = FIXED(r, SNAP_RTC, 0, rtc, "RTC");
	if (!ret)
		ret = FIXED(r, SNAP_PM, 0, pm, "ACPI PM");
	if (!ret)
		ret = FIXED(r, SNAP_I8042, 0, kbd, "i8042");
	if (ret)
		return ret;
	if (serial_restore(&vm->serial, &ser))
		return err_input(
			err, -EINVAL,
			"the snapshot's serial port state is out of range");
	ioapic_restore(&vm->ioapic, &io);
	rtc_restore(&vm->rtc, &rtc);
	pm_restore(&vm->pm, &pm);
	i8042_restore(&vm->i8042, &kbd);
	return 0;
}

int vm_restore_state(struct vm *vm, const struct vm_snapshot_in *in,
		     struct err *err)
{
	const struct snap_reader *r = in->snap;
	u64 clock = 0, size;
	u32 i;
	int ret = 0;

	if (snap_find(r, SNAP_VCPU_REGS, vm->nr_vcpus, &size))
		return err_input(err, -EINVAL, "the snapshot has more vCPUs");
	for (i = 0; i < vm->nr_vcpus && !ret; i++)
		ret = restore_vcpu(&vm->vcpus[i], r, err);
	stats_lap(vm->stats, STEP_VCPUS);
	/* Every route at once (one grace period), then the interrupts. */
	kvm_routes_hold(&vm->kvm);
	if (!ret)
		ret = restore_platform(vm, r, err);
	if (!ret)
		ret = vm_virtio_restore(vm, r, err);
	if (!ret && (ret = kvm_routes_release(&vm->kvm)))
		err_host(err, ret, "KVM_SET_GSI_ROUTING: %s", strerror(-ret));
	if (!ret) {
		ioapic_resend(&vm->ioapic);
		vm_virtio_restart(vm, r, in->machine);
	}
	stats_lap(vm->stats, STEP_DEVICES);
	if (!ret)
		ret = FIXED(r, SNAP_CLOCK, 0, clock, "kvmclock");
	if (!ret && (ret = kvm_set_clock(&vm->kvm, clock)))
		err_input(err, ret, "KVM refused the snapshot's kvmclock: %s",
			  strerror(-ret));
	if (ret)
		err_prefix(err, "snapshot %s", in->dir);
	return ret;
}
