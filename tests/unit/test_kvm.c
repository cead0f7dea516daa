// SPDX-License-Identifier: MIT
/*
 * vmm/kvm/kvm.c against the real /dev/kvm (skipped without it): VM creation
 * and the struct irq_ops KVM really accepts or refuses.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vmm/core/layout.h"
#include "vmm/kvm/kvm.h"

static struct kvm kvm;
static struct guest_mem mem;
static const struct irq_ops *ops = &kvm_irq_ops;

static void setup(void)
{
	struct err err;

	if (access("/dev/kvm", R_OK | W_OK))
		cr_skip_test("/dev/kvm is not available");
	cr_assert_eq(kvm_open(&kvm, &err), 0, "%s", err.msg);
	cr_assert_eq(guest_mem_alloc(&mem, 16 * MiB), 0);
	cr_assert_eq(kvm_create_vm(&kvm, &mem, &err), 0, "%s", err.msg);
}

static void teardown(void)
{
	kvm_close(&kvm);
	guest_mem_free(&mem);
}

TestSuite(kvm, .init = setup, .fini = teardown);

Test(kvm, capabilities)
{
	cr_assert_gt(kvm.run_size, 0);
	cr_assert_geq(kvm.max_vcpus, 1);
	cr_assert_gt(kvm.max_routes, IRQ_IOAPIC_PINS);
}

/* The split irqchip is in place: KVM has no IOAPIC, PIC or PIT of its own. */
Test(kvm, split_irqchip)
{
	struct kvm_pit_config pit = { 0 };

	cr_assert_null(ops->set_line, "lines end at the VMM's IOAPIC");
	cr_assert_eq(ioctl(kvm.vm_fd, KVM_CREATE_IRQCHIP, 0), -1);
	cr_assert_eq(errno, EEXIST, "an irqchip (the split one) exists");
	/* No PIT: KVM allows one only with its full irqchip. */
	cr_assert_eq(ioctl(kvm.vm_fd, KVM_CREATE_PIT2, &pit), -1);
}

/* The IOAPIC's pins are MSI routes on GSIs 0..23, each with an irqfd. */
Test(kvm, ioapic_pin_routes)
{
	int efd = eventfd(0, EFD_CLOEXEC);

	cr_assert_geq(efd, 0);
	cr_assert_eq(ops->msi_route(&kvm, IRQ_COM1, LAYOUT_LAPIC, 0xc030), 0);
	cr_assert_eq(ops->irqfd(&kvm, efd, IRQ_COM1, true), 0);
	cr_assert_eq(ops->msi_route(&kvm, IRQ_COM1, LAYOUT_LAPIC, 0x30), 0);
	cr_assert_eq(kvm.nr_msi, 1, "re-pointing a pin replaces its route");
	close(efd);
}

Test(kvm, msi_routes)
{
	int a = ops->msi_alloc(&kvm), b = ops->msi_alloc(&kvm);

	cr_assert_eq(a, IRQ_IOAPIC_PINS);
	cr_assert_eq(b, IRQ_IOAPIC_PINS + 1);
	cr_assert_eq(ops->msi_route(&kvm, a, LAYOUT_LAPIC, 0x4041), 0);
	cr_assert_eq(ops->msi_route(&kvm, b, LAYOUT_LAPIC | 0x1000, 0x31), 0);
	cr_assert_eq(kvm.nr_msi, 2);
	/* Re-pointing a vector replaces its route. */
	cr_assert_eq(ops->msi_route(&kvm, a, LAYOUT_LAPIC, 0x4042), 0);
	cr_assert_eq(kvm.nr_msi, 2);
	cr_assert_eq(kvm.msi[0].u.msi.data, 0x4042);
	/* GSIs never handed out are refused. */
	cr_assert_eq(ops->msi_route(&kvm, b + 1, LAYOUT_LAPIC, 0x30), -EINVAL);
}

Test(kvm, irqfd_on_an_msi_route)
{
	int gsi = ops->msi_alloc(&kvm), efd = eventfd(0, EFD_CLOEXEC);

	cr_assert_geq(efd, 0);
	cr_assert_eq(ops->msi_route(&kvm, gsi, LAYOUT_LAPIC, 0x4050), 0);
	cr_assert_eq(ops->irqfd(&kvm, efd, gsi, true), 0);
	cr_assert_eq(ops->irqfd(&kvm, efd, gsi, true), -EBUSY);
	cr_assert_eq(ops->irqfd(&kvm, efd, gsi, false), 0);
	close(efd);
}

Test(kvm, ioeventfd_pio_and_mmio)
{
	int efd = eventfd(0, EFD_CLOEXEC);

	cr_assert_geq(efd, 0);
	cr_assert_eq(ops->ioeventfd(&kvm, 0x5000, 2, efd, false, true), 0);
	cr_assert_eq(ops->ioeventfd(&kvm, 0x5000, 2, efd, false, true),
		     -EEXIST);
	cr_assert_eq(
		ops->ioeventfd(&kvm, LAYOUT_PCI_MMIO_START, 4, efd, true, true),
		0);
	cr_assert_eq(ops->ioeventfd(&kvm, 0x5000, 2, efd, false, false), 0);
	cr_assert_eq(ops->ioeventfd(&kvm, LAYOUT_PCI_MMIO_START, 4, efd, true,
				    false),
		     0);
	cr_assert_eq(ops->ioeventfd(&kvm, 0x5000, 2, efd, false, false),
		     -ENOENT);
	close(efd);
}

/* The LAPIC's TSC-deadline mode is announced when KVM has it. */
Test(kvm, supported_cpuid_has_tsc_deadline)
{
	struct kvm_cpuid2 *c = kvm_supported_cpuid(&kvm);
	bool cap = ioctl(kvm.sys_fd, KVM_CHECK_EXTENSION,
			 KVM_CAP_TSC_DEADLINE_TIMER) > 0;
	int leaf1 = -1;

	cr_assert_not_null(c);
	for (u32 i = 0; i < c->nent; i++)
		if (c->entries[i].function == 1)
			leaf1 = (int)i;
	cr_assert_geq(leaf1, 0, "no CPUID leaf 1");
	if (cap)
		cr_assert(c->entries[leaf1].ecx & (1u << 24),
			  "KVM_CAP_TSC_DEADLINE_TIMER, but no CPUID.1:ECX[24]");
	free(c);
	if (!cap)
		cr_skip_test("KVM has no TSC-deadline timer here");
}
