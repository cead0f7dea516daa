// SPDX-License-Identifier: MIT
/*
 * --trace's account of how a VM comes to be (class "vm"), one event per
 * step in the order vm_create() takes them, each naming the file that
 * does the work: /dev/kvm, the VM and its split irqchip, the memory slots,
 * the legacy devices, the kernel and the boot protocol, ACPI, the vCPUs.
 * docs/tour.md walks through the same steps.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "vmm/core/layout.h"
#include "vmm/machine/vm.h"

static const char *const kernel_kind[] = {
	[KERNEL_BZIMAGE] = "bzImage",
	[KERNEL_ELF] = "ELF vmlinux",
	[KERNEL_PVH] = "PVH ELF (Xen PVH entry note)",
};

int vm_trace_open(struct vm *vm,
		  bool (*in_use)(void *opaque, const struct stat *st),
		  struct err *err)
{
	const char *path = vm->cfg->trace_file;
	struct stat st;

	vm->trace_fd = -1;
	if (!vm->tr || !path)
		return 0;
	vm->trace_fd =
		open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	vm->trace_created = vm->trace_fd >= 0;
	if (vm->trace_fd < 0 && errno == EEXIST)
		vm->trace_fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (vm->trace_fd < 0)
		return err_input(err, -errno, "--trace-file %s: %s", path,
				 strerror(errno));
	if (fstat(vm->trace_fd, &st) < 0)
		return err_host(err, -errno, "--trace-file %s: %s", path,
				strerror(errno));
	if (!S_ISREG(st.st_mode))
		return err_input(err, -EINVAL,
				 "--trace-file %s: not a regular file", path);
	if (in_use(vm, &st))
		return err_input(
			err, -EINVAL,
			"--trace-file %s: is a file the VM reads (its kernel, initrd, a disk or a backing file); it would be overwritten",
			path);
	return 0;
}

int vm_trace_start(struct vm *vm, struct err *err)
{
	const char *path = vm->cfg->trace_file;

	if (vm->trace_fd < 0)
		return 0;
	if (ftruncate(vm->trace_fd, 0) < 0)
		return err_input(err, -errno, "--trace-file %s: %s", path,
				 strerror(errno));
	trace_attach_file(vm->tr, vm->trace_fd);
	vm->trace_fd = -1; /* the trace's now */
	vm->trace_created = false;
	return 0;
}

void vm_trace_discard(struct vm *vm)
{
	if (!vm->tr)
		return;
	if (vm->trace_fd >= 0)
		close(vm->trace_fd);
	vm->trace_fd = -1;
	if (vm->trace_created)
		unlink(vm->cfg->trace_file);
	vm->trace_created = false;
}

void vm_trace_kvm(struct vm *vm)
{
	trace_event(vm->tr, TRACE_VM, "setup", "vmm/kvm/kvm.c",
		    "open /dev/kvm: KVM_GET_API_VERSION %d, kvm_run page of "
		    "%d bytes per vCPU, at most %u vCPUs",
		    KVM_API_VERSION, vm->kvm.run_size, vm->kvm.max_vcpus);
}

void vm_trace_vm(struct vm *vm)
{
	const struct guest_mem *mem = &vm->mem;
	unsigned int i;

	if (!trace_on(vm->tr, TRACE_VM))
		return;
	trace_event(vm->tr, TRACE_VM, "setup", "vmm/kvm/kvm.c",
		    "KVM_CREATE_VM: the VM is a file descriptor; "
		    "KVM_SET_TSS_ADDR 0x%llx, identity map at 0x%llx",
		    (unsigned long long)KVM_TSS_ADDR,
		    (unsigned long long)KVM_IDENTITY_MAP_ADDR);
	trace_event(vm->tr, TRACE_VM, "setup", "vmm/kvm/kvm.c",
		    "KVM_ENABLE_CAP(KVM_CAP_SPLIT_IRQCHIP, %u): local APICs in "
		    "KVM; the IOAPIC is squeeze's, at 0x%llx, its pins MSI "
		    "routes (no PIC, no PIT)",
		    IRQ_IOAPIC_PINS, (unsigned long long)LAYOUT_IOAPIC);
	for (i = 0; i < mem->nr; i++)
		trace_event(
			vm->tr, TRACE_VM, "setup", "vmm/kvm/kvm.c",
			"KVM_SET_USER_MEMORY_REGION slot %u: guest-physical "
			"0x%llx-0x%llx (%llu MiB), backed by squeeze's "
			"%s mapping",
			i, (unsigned long long)mem->region[i].gpa,
			(unsigned long long)(mem->region[i].gpa +
					     mem->region[i].size - 1),
			(unsigned long long)(mem->region[i].size / MiB),
			mem->memfd >= 0 ? "shared memfd" : "anonymous");
}

void vm_trace_devices(struct vm *vm)
{
	struct trace *t = vm->tr;

	if (!trace_on(t, TRACE_VM))
		return;
	trace_event(t, TRACE_VM, "setup", "devices/legacy/serial.c",
		    "serial0: 16550A UART at ports 0x%x-0x%x, IOAPIC pin %u",
		    PORT_COM1, PORT_COM1 + 7, IRQ_COM1);
	trace_event(t, TRACE_VM, "setup", "devices/legacy/rtc.c",
		    "rtc: CMOS clock at ports 0x%x-0x%x", PORT_RTC_INDEX,
		    PORT_RTC_DATA);
	trace_event(t, TRACE_VM, "setup", "devices/legacy/i8042.c",
		    "i8042: ports 0x%x and 0x%x (its reset line)",
		    PORT_I8042_DATA, PORT_I8042_CMD);
	trace_event(t, TRACE_VM, "setup", "devices/legacy/pm.c",
		    "acpi-pm: PM1a, PM timer, reset register at ports "
		    "0x%x-0x%x, SCI on IOAPIC pin %u; debug-exit at port 0x%x",
		    PORT_PM1A_EVT, PORT_ACPI_RESET, IRQ_SCI, PORT_DEBUG_EXIT);
	trace_event(t, TRACE_VM, "setup", "devices/legacy/ioapic.c",
		    "ioapic: %u pins at 0x%llx (MMIO)", IRQ_IOAPIC_PINS,
		    (unsigned long long)LAYOUT_IOAPIC);
	trace_event(t, TRACE_VM, "setup", "devices/pci/pci.c",
		    "pci: host bridge 00:00.0; configuration space at ports "
		    "0x%x/0x%x and ECAM 0x%llx",
		    PORT_PCI_CONFIG_ADDR, PORT_PCI_CONFIG_DATA,
		    (unsigned long long)LAYOUT_PCI_ECAM_START);
}

void vm_trace_boot(struct vm *vm, const struct boot_entry *e, u64 rsdp)
{
	const struct kernel_image *ki = &vm->ki;

	if (!trace_on(vm->tr, TRACE_VM))
		return;
	trace_event(
		vm->tr, TRACE_VM, "setup", "firmware/boot/kernel_image.c",
		"kernel: %s, %u segment%s loaded from 0x%llx, entry 0x%llx%s",
		kernel_kind[ki->kind], ki->nr_segs, ki->nr_segs == 1 ? "" : "s",
		(unsigned long long)(ki->nr_segs ? ki->seg[0].paddr : 0),
		(unsigned long long)ki->entry,
		ki->initrd ? ", initrd placed" : "");
	if (e->mode == BOOT_MODE_PVH)
		trace_event(
			vm->tr, TRACE_VM, "setup", "firmware/boot/pvh.c",
			"boot protocol PVH: hvm_start_info at 0x%llx (command "
			"line, memory map, RSDP) in ebx; 32-bit protected "
			"mode, paging off, cs 0x%x",
			(unsigned long long)e->rbx, e->code_sel);
	else
		trace_event(
			vm->tr, TRACE_VM, "setup", "firmware/boot/zero_page.c",
			"boot protocol 64-bit: zero page (boot_params, e820) "
			"at 0x%llx in rsi; long mode, page tables at 0x%llx, "
			"cs 0x%x",
			(unsigned long long)e->rsi, (unsigned long long)e->cr3,
			e->code_sel);
	trace_event(vm->tr, TRACE_VM, "setup", "firmware/acpi/acpi.c",
		    "ACPI: RSDP at 0x%llx -> XSDT -> FADT (DSDT with \\_S5, "
		    "PM ports), MADT (%u CPU%s, IOAPIC), MCFG (ECAM)",
		    (unsigned long long)rsdp, vm->cfg->cpus,
		    vm->cfg->cpus == 1 ? "" : "s");
}

void vm_trace_vcpus(struct vm *vm, const struct boot_entry *e)
{
	u32 i;

	for (i = 0; i < vm->nr_vcpus && trace_on(vm->tr, TRACE_VM); i++)
		trace_event(vm->tr, TRACE_VM, "setup", "vmm/kvm/vcpu.c",
			    "vcpu%u: KVM_CREATE_VCPU, its kvm_run page mapped; "
			    "CPUID, MSRs, FPU, local APIC (LINT1 NMI)%s",
			    i, i ? "; waits for INIT-SIPI-SIPI" : "");
	if (vm->nr_vcpus)
		trace_event(vm->tr, TRACE_VM, "setup", "vmm/kvm/vcpu.c",
			    "vcpu0: registers for the entry: rip 0x%llx, %s",
			    (unsigned long long)e->rip,
			    e->mode == BOOT_MODE_PVH ?
				    "32-bit, rbx = start info" :
				    "64-bit, rsi = zero page");
}
