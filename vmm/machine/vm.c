// SPDX-License-Identifier: MIT
/* Building a VM (in an order that finds bad input before any VM exists)
 * and tearing it down again. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "firmware/acpi/acpi.h"
#include "vmm/base/clock.h"
#include "vmm/core/layout.h"
#include "vmm/base/err.h"
#include "vmm/base/file.h"
#include "vmm/base/log.h"
#include "vmm/base/size.h"
#include "vmm/control/control.h"
#include "vmm/kvm/vcpu_state.h"
#include "vmm/machine/vm.h"
#include "vmm/machine/vm_virtio.h"

static void vm_stop_request(void *opaque, enum vm_stop_reason why, int status)
{
	struct vm *vm = opaque;
	u64 one = 1;

	if (__atomic_exchange_n(&vm->stop_claimed, 1, __ATOMIC_ACQ_REL))
		return; /* the first reason wins */
	vm->stop_ns = clock_ns();
	vm->stop_reason = why;
	vm->stop_status = status;
	trace_event(vm->tr, TRACE_STOP, "stop", __FILE__,
		    "%s, exit status %d: the main loop stops the vCPUs",
		    vm_stop_reason_text(why), status);
	__atomic_store_n(&vm->stopping, 1, __ATOMIC_RELEASE);
	if (write(vm->stop_fd, &one, sizeof(one)) < 0)
		pr_warn("cannot wake the main loop: %s", strerror(errno));
}

/* /dev/kvm's vCPU limit, checked before anything is created. */
static int check_cpus(struct vm *vm, struct err *err)
{
	u32 max;
	int ret;

	/* kvm_close() also undoes a failed kvm_open() */
	vm->have_kvm = true;
	ret = kvm_open(&vm->kvm, err);
	if (ret)
		return ret;
	max = MIN(vm->kvm.max_vcpus, (u32)ACPI_MAX_CPUS);
	if (vm->cfg->cpus > max)
		return err_input(
			err, -EINVAL,
			"--cpus %u is more than this host's maximum of %u",
			vm->cfg->cpus, max);
	return 0;
}

/*
 * Anonymous private RAM, or with a vhost-user device, a memfd the back-end
 * can map (only then: a VM without one keeps the cheaper kind).
 */
static int alloc_memory(struct vm *vm, struct err *err)
{
	u64 size_b = vm->cfg->mem_size;
	char size[16];
	int ret = config_has_vhost_user(vm->cfg) ?
			  guest_mem_alloc_shared(&vm->mem, size_b) :
			  guest_mem_alloc(&vm->mem, size_b);

	if (ret) {
		format_size(vm->cfg->mem_size, size, sizeof(size));
		return err_host(err, ret,
				"--memory %s: cannot map guest RAM: %s", size,
				strerror(-ret));
	}
	return 0;
}

static void ioapic_eoi_sink(void *opaque, u32 vector)
{
	ioapic_eoi(opaque, vector);
}

/*
 * The IOAPIC (its id after the last local APIC's, as the MADT says) and
 * the devices on its lines; then the rest of the legacy ports.
 */
static int add_devices(struct vm *vm, struct err *err)
{
	int ret;

	ioapic_init(&vm->ioapic, vm->cfg->cpus, &vm->irq);
	vm->lines = (struct irq_ctl){ &ioapic_irq_ops, &vm->ioapic };
	vm->eoi = (struct irq_eoi_sink){ ioapic_eoi_sink, &vm->ioapic };
	vm->ioapic.trace = vm->tr;
	ioapic_name_pin(&vm->ioapic, IRQ_COM1, "serial0");
	ioapic_name_pin(&vm->ioapic, IRQ_SCI, "acpi-sci");
	serial_init(&vm->serial, &vm->lines, IRQ_COM1, &console_serial_ops,
		    &vm->con);
	rtc_init(&vm->rtc);
	i8042_init(&vm->i8042, &vm->exit);
	pm_init(&vm->pm, &vm->exit, &vm->lines);
	vm->have_devices = true;
	ret = ioapic_register(&vm->ioapic, &vm->mmio, LAYOUT_IOAPIC);
	if (!ret)
		ret = serial_register(&vm->serial, &vm->pio, PORT_COM1);
	if (!ret)
		ret = rtc_register(&vm->rtc, &vm->pio);
	if (!ret)
		ret = i8042_register(&vm->i8042, &vm->pio);
	if (!ret)
		ret = pm_register(&vm->pm, &vm->pio);
	if (ret)
		return err_host(err, ret,
				"cannot register the legacy devices: %s",
				strerror(-ret));
	return 0;
}

/* ACPI tables, then kernel, initrd, command line and boot page tables. */
static int load_guest(struct vm *vm, struct boot_entry *entry, u64 *rsdp,
		      struct err *err)
{
	struct acpi_config ac = { .nr_cpus = vm->cfg->cpus, .pci = true };
	struct boot_config bc = { .ki = &vm->ki,
				  .nr_cpus = vm->cfg->cpus,
				  .cmdline = vm->cfg->cmdline };

	bc.rsdp_addr = acpi_build(&vm->mem, &ac, err);
	*rsdp = bc.rsdp_addr;
	if (!bc.rsdp_addr)
		return -EINVAL;
	return boot_setup(&vm->mem, &bc, entry, err);
}

/* A restore's vCPUs: bare, their state comes from the snapshot. */
static int create_bare_vcpus(struct vm *vm, struct err *err)
{
	int ret = 0;
	u32 i;

	vm->vcpus = calloc(vm->cfg->cpus, sizeof(*vm->vcpus));
	if (!vm->vcpus)
		return err_host(err, -ENOMEM, "out of memory");
	for (i = 0; i < vm->cfg->cpus && !ret; i++) {
		ret = vcpu_init_bare(&vm->vcpus[i], &vm->kvm, i, err);
		vm->nr_vcpus = i + 1;
	}
	return ret;
}

static int create_vcpus(struct vm *vm, const struct boot_entry *entry,
			struct err *err)
{
	struct kvm_cpuid2 *cpuid = kvm_supported_cpuid(&vm->kvm);
	int ret = 0;
	u32 i;

	if (!cpuid)
		return err_host(err, -errno, "KVM_GET_SUPPORTED_CPUID failed");
	vm->vcpus = calloc(vm->cfg->cpus, sizeof(*vm->vcpus));
	if (!vm->vcpus) {
		ret = err_host(err, -ENOMEM, "out of memory");
		goto free_cpuid;
	}
	for (i = 0; i < vm->cfg->cpus && !ret; i++) {
		ret = vcpu_init(&vm->vcpus[i], &vm->kvm, i, vm->cfg->cpus,
				cpuid, err);
		/* vcpu_destroy() copes with half-init */
		vm->nr_vcpus = i + 1;
	}
	if (!ret)
		ret = vcpu_set_boot_regs(&vm->vcpus[0], entry, err);
free_cpuid:
	free(cpuid);
	return ret;
}

static void destroy_devices(struct vm *vm)
{
	pm_destroy(&vm->pm);
	i8042_destroy(&vm->i8042);
	rtc_destroy(&vm->rtc);
	serial_destroy(&vm->serial);
	ioapic_destroy(&vm->ioapic);
}

/* What only reads files and checks limits. */
static int vm_check_inputs(struct vm *vm, const struct vm_snapshot_in *in,
			   struct err *err)
{
	const struct vm_config *cfg = vm->cfg;
	int ret;

	if (!in) {
		ret = kernel_image_open(&vm->ki, cfg->kernel, cfg->initrd,
					cfg->mem_size, err);
		stats_lap(vm->stats, STEP_KERNEL_FILE);
		if (ret)
			return ret;
		vm->have_ki = true;
		/* As soon as the kernel says its limit, before anything is made. */
		ret = boot_check_cmdline(&vm->ki, cfg->cmdline, err);
		if (ret)
			return err_prefix(err, "--cmdline");
	}
	if (!in && cfg->initrd_data) {
		ret = kernel_image_set_initrd(&vm->ki, cfg->initrd_data,
					      cfg->initrd_size, err);
		if (ret)
			return ret;
	}
	ret = check_cpus(vm, err);
	stats_lap(vm->stats, STEP_KVM_OPEN);
	if (ret)
		return ret;
	vm_trace_kvm(vm);
	ret = in ? vm_map_snapshot_memory(vm, in, err) : alloc_memory(vm, err);
	stats_lap(vm->stats, STEP_VM_MEMORY);
	return ret;
}

/* Is @st the kernel, the initrd, a disk image or a backing file? */
static bool vm_reads_file(void *opaque, const struct stat *st)
{
	struct vm *vm = opaque;
	const char *files[] = { vm->cfg->kernel, vm->cfg->initrd };
	struct stat in;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(files); i++)
		if (files[i] && !stat(files[i], &in) && file_same(&in, st))
			return true;
	return vm_virtio_uses_file(vm, st);
}

/*
 * What every boot gets new: the devices' state, the KVM VM with its
 * irqchip, the kernel in RAM, the vCPUs. Needs an open vm->kvm, RAM and
 * the virtio devices.
 */
static int vm_boot(struct vm *vm, const struct vm_snapshot_in *in,
		   struct err *err)
{
	struct boot_entry entry;
	u64 rsdp = 0;
	int ret;

	ret = add_devices(vm, err);
	if (!ret)
		ret = vm_virtio_plug(vm, err);
	stats_lap(vm->stats, STEP_DEVICES);
	if (!ret)
		ret = kvm_create_vm(&vm->kvm, &vm->mem, err);
	if (!ret)
		vm_trace_vm(vm);
	stats_lap(vm->stats, STEP_VM_MEMORY);
	if (!ret)
		ret = vm_virtio_attach(vm, err);
	stats_lap(vm->stats, STEP_DEVICES);
	vm->vcpu_env = (struct vcpu_env){
		.pio = &vm->pio,
		.mmio = &vm->mmio,
		.eoi = &vm->eoi,
		.exit = &vm->exit,
		.stopping = &vm->stopping,
		.vm_name = vm->cfg->name,
		.enter = vm_vcpu_enter,
		.opaque = vm,
		.gate = &vm->pause,
		.trace = vm->tr,
		.timed = vm->timed,
	};
	if (ret)
		return ret;
	if (in) {
		ret = vcpu_signal_setup(err);
		if (!ret)
			ret = create_bare_vcpus(vm, err);
		stats_lap(vm->stats, STEP_VCPUS);
		if (!ret)
			ret = vm_restore_state(vm, in, err);
		return ret;
	}
	vm_trace_devices(vm);
	ret = load_guest(vm, &entry, &rsdp, err);
	if (!ret)
		vm_trace_boot(vm, &entry, rsdp);
	/* The image is in guest RAM now: keep no second copy while it runs. */
	if (!vm_may_restart(vm->cfg)) {
		kernel_image_close(&vm->ki);
		vm->have_ki = false;
	}
	stats_lap(vm->stats, STEP_FIRMWARE);
	if (!ret)
		ret = vcpu_signal_setup(err);
	if (!ret)
		ret = create_vcpus(vm, &entry, err);
	if (!ret)
		vm_trace_vcpus(vm, &entry);
	stats_lap(vm->stats, STEP_VCPUS);
	return ret;
}

/* Undo vm_boot(): after it, only RAM, the console and the devices remain. */
static void vm_unboot(struct vm *vm)
{
	u32 i;

	__atomic_store_n(&vm->stopping, 1, __ATOMIC_RELEASE);
	for (i = 0; i < vm->nr_vcpus; i++)
		vcpu_destroy(&vm->vcpus[i]);
	free(vm->vcpus);
	vm->vcpus = NULL;
	vm->nr_vcpus = 0;
	vm_virtio_unplug(vm);
	if (vm->have_devices)
		destroy_devices(vm);
	vm->have_devices = false;
	if (vm->have_kvm)
		kvm_close(&vm->kvm);
	vm->have_kvm = false;
}

static int vm_build(struct vm *vm, const struct vm_snapshot_in *in,
		    struct err *err)
{
	int ret;

	vm->have_virtio = true; /* teardown also undoes a failed setup */
	ret = vm_virtio_setup(vm, vm->cfg, err);
	if (!ret && in)
		ret = vm_virtio_check_disks(vm, in->machine, err);
	stats_lap(vm->stats, STEP_DEVICES);
	if (ret)
		return ret;
	ret = vm_boot(vm, in, err);
	if (ret)
		return ret;
	/*
	 * Last: every input was checked, so a failure (exit 2) leaves no
	 * console file behind, and an existing one is truncated only if it
	 * is none of the files the VM reads.
	 */
	ret = vm_trace_open(vm, vm_reads_file, err);
	if (ret)
		return ret;
	vm->have_con = true; /* console_close() undoes a failed open */
	ret = console_open(&vm->con, vm->cfg, vm_reads_file, vm, err);
	if (!ret)
		ret = vm_trace_start(vm, err);
	/* Last: the socket exists only for a VM that can run. */
	if (!ret && vm->cfg->control)
		ret = control_open(&vm->ctl, vm->cfg->control, vm->cfg->name,
				   err);
	if (!ret && vm->cfg->paused)
		vcpu_gate_pause(&vm->pause, vm->vcpus, vm->nr_vcpus,
				&vm->stopping);
	return ret;
}

int vm_restart(struct vm *vm, struct err *err)
{
	u64 pending;
	int ret;

	vm_unboot(vm);
	stats_lap(vm->stats, STEP_EXIT);
	/* Every range on the buses belonged to what vm_unboot() freed. */
	bus_destroy(&vm->mmio);
	bus_destroy(&vm->pio);
	bus_init(&vm->pio, "pio");
	bus_init(&vm->mmio, "mmio");
	guest_mem_clear(&vm->mem);
	stats_lap(vm->stats, STEP_VM_MEMORY);
	if (read(vm->stop_fd, &pending, sizeof(pending)) < 0 && errno != EAGAIN)
		return err_host(err, -errno, "stop eventfd: %s",
				strerror(errno));
	vm->stopping = 0;
	vm->stop_claimed = 0;
	vm->have_kvm = true; /* kvm_close() also undoes a failed open */
	ret = kvm_open(&vm->kvm, err);
	stats_lap(vm->stats, STEP_KVM_OPEN);
	if (!ret)
		vm_trace_kvm(vm);
	if (!ret)
		ret = vm_boot(vm, NULL, err);
	return ret;
}

static int vm_create_from(struct vm **out, const struct vm_config *cfg,
			  const struct vm_snapshot_in *in,
			  struct vm_stats *stats, struct err *err)
{
	struct vm *vm = calloc(1, sizeof(*vm));
	int ret;

	*out = NULL;
	if (!vm)
		return err_host(err, -ENOMEM, "out of memory");
	vm->cfg = cfg;
	vm->stats = stats;
	vm->keeper.fd = -1;
	vm->trace_fd = -1;
	vm->timed = cfg->stats || cfg->verbose || cfg->trace || cfg->trace_file;
	stats->tables = cfg->stats || cfg->verbose;
	if (cfg->trace || cfg->trace_file) {
		ret = trace_init(&vm->trace, cfg->trace,
				 !cfg->trace_file ? 0 :
				 cfg->trace	  ? cfg->trace :
						    TRACE_ALL,
				 stats->start_ns);
		if (ret) {
			free(vm);
			return err_host(err, ret, "--trace: %s",
					strerror(-ret));
		}
		vm->have_trace = true;
		vm->tr = &vm->trace;
		stats->trace = vm->tr;
	}
	bus_init(&vm->pio, "pio");
	bus_init(&vm->mmio, "mmio");
	vm->irq = (struct irq_ctl){ &kvm_irq_ops, &vm->kvm };
	vm->exit = (struct exit_sink){ vm_stop_request, vm };
	vcpu_gate_init(&vm->pause);
	vm->restored_from = in ? in->dir : NULL;
	vm->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (vm->stop_fd < 0) {
		ret = err_host(err, -errno, "eventfd: %s", strerror(errno));
		goto destroy;
	}
	ret = vm_check_inputs(vm, in, err);
	if (!ret)
		ret = vm_build(vm, in, err);
	if (!ret)
		ret = vm_confine(vm, err);
	if (ret)
		goto destroy;
	*out = vm;
	return 0;
destroy:
	vm_trace_discard(vm); /* a file it created for nothing */
	vm_destroy(vm);
	return ret;
}

int vm_create(struct vm **out, const struct vm_config *cfg,
	      struct vm_stats *stats, struct err *err)
{
	return vm_create_from(out, cfg, NULL, stats, err);
}

int vm_restore(struct vm **out, const struct vm_config *cfg,
	       const struct vm_snapshot_in *in, struct vm_stats *stats,
	       struct err *err)
{
	return vm_create_from(out, cfg, in, stats, err);
}

void vm_destroy(struct vm *vm)
{
	if (!vm)
		return;
	/* Before anything it reports on goes away; the file too. */
	control_close(vm->ctl);
	vm->ctl = NULL;
	vm_unboot(vm);
	if (vm->have_virtio)
		vm_virtio_teardown(vm);
	/* The taps are closed: the keeper may remove their ports now. */
	port_keeper_finish(&vm->keeper);
	if (vm->have_con)
		console_free(&vm->con);
	guest_mem_free(&vm->mem);
	if (vm->have_ki)
		kernel_image_close(&vm->ki);
	bus_destroy(&vm->mmio);
	bus_destroy(&vm->pio);
	if (vm->stop_fd >= 0)
		close(vm->stop_fd);
	if (vm->have_trace) {
		vm->stats->trace = NULL;
		trace_close(&vm->trace);
	}
	sandbox_filters_free(&vm->filters);
	if (vm->have_gate) {
		pthread_mutex_destroy(&vm->gate_lock);
		pthread_cond_destroy(&vm->gate_cond);
	}
	vcpu_gate_destroy(&vm->pause);
	free(vm->msr_index);
	free(vm);
}
