// SPDX-License-Identifier: MIT
/* The CPUID table a vCPU gets from KVM's supported one (vmm/kvm/cpuid.c). */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "vmm/kvm/cpuid.h"

/* A small "supported" table shaped like KVM's on an AMD or Intel host. */
static struct kvm_cpuid2 *table(bool amd)
{
	static const struct kvm_cpuid_entry2 e[] = {
		{ .function = 0, .eax = 0x1f },
		{ .function = 1, .ebx = 0x00000800, .ecx = 0x1, .edx = 0x1 },
		{ .function = 4, .index = 0, .eax = 0x121 }, /* L1 data */
		{ .function = 4, .index = 1, .eax = 0x163 }, /* L3 unified */
		{ .function = 4, .index = 2, .eax = 0 },
		{ .function = 0xb,
		  .index = 0,
		  .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX },
		{ .function = 0xb,
		  .index = 1,
		  .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX },
		{ .function = 0xb,
		  .index = 2,
		  .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX },
		{ .function = 0x80000008, .eax = 0x3030, .ecx = 0x7007 },
		{ .function = 0x8000001e,
		  .eax = 9,
		  .ebx = 0x105,
		  .ecx = 0x302 },
	};
	struct kvm_cpuid2 *c = malloc(sizeof(*c) + sizeof(e));

	c->nent = ARRAY_SIZE(e);
	memcpy(c->entries, e, sizeof(e));
	c->entries[0].ebx = amd ? 0x68747541 : 0x756e6547;
	return c;
}

static struct kvm_cpuid_entry2 *find(struct kvm_cpuid2 *c, u32 fn, u32 idx)
{
	for (u32 i = 0; i < c->nent; i++)
		if (c->entries[i].function == fn && c->entries[i].index == idx)
			return &c->entries[i];
	cr_assert_fail("leaf %#x.%u missing", fn, idx);
	return NULL;
}

Test(cpuid, id_bits)
{
	cr_assert_eq(cpuid_id_bits(1), 0);
	cr_assert_eq(cpuid_id_bits(2), 1);
	cr_assert_eq(cpuid_id_bits(3), 2);
	cr_assert_eq(cpuid_id_bits(4), 2);
	cr_assert_eq(cpuid_id_bits(5), 3);
	cr_assert_eq(cpuid_id_bits(254), 8);
}

Test(cpuid, leaf1_apic_id_count_and_hypervisor)
{
	struct kvm_cpuid2 *c = table(false);
	struct kvm_cpuid_entry2 *e;

	cpuid_for_vcpu(c, 3, 4);
	e = find(c, 1, 0);
	cr_assert_eq(e->ebx >> 24, 3);
	cr_assert_eq((e->ebx >> 16) & 0xff, 4);
	cr_assert_eq(e->ebx & 0xffff, 0x0800, "CLFLUSH size kept");
	cr_assert(e->ecx & (1u << 31));
	cr_assert(e->ecx & 1, "other feature bits kept");
	cr_assert(e->edx & (1u << 28));
	free(c);

	c = table(false);
	cpuid_for_vcpu(c, 0, 1);
	cr_assert_not(find(c, 1, 0)->edx & (1u << 28), "no HTT with one CPU");
	free(c);
}

Test(cpuid, extended_topology_is_n_cores_one_thread)
{
	struct kvm_cpuid2 *c = table(false);
	struct kvm_cpuid_entry2 *smt, *core, *end;

	cpuid_for_vcpu(c, 5, 6);
	smt = find(c, 0xb, 0);
	core = find(c, 0xb, 1);
	end = find(c, 0xb, 2);
	cr_assert_eq(smt->eax, 0);
	cr_assert_eq(smt->ebx, 1);
	cr_assert_eq(smt->ecx, 0x100);
	cr_assert_eq(smt->edx, 5);
	cr_assert_eq(core->eax, 3, "shift to the package id for 6 cores");
	cr_assert_eq(core->ebx, 6);
	cr_assert_eq(core->ecx, 0x201);
	cr_assert_eq(core->edx, 5);
	cr_assert_eq(end->ebx, 0);
	cr_assert_eq((end->ecx >> 8) & 0xff, 0, "level type 0 ends the list");
	cr_assert_eq(end->edx, 5);
	free(c);
}

Test(cpuid, intel_leaf4_cores_per_package)
{
	struct kvm_cpuid2 *c = table(false);

	cpuid_for_vcpu(c, 0, 4);
	cr_assert_eq(find(c, 4, 0)->eax >> 26, 3);
	cr_assert_eq((find(c, 4, 0)->eax >> 14) & 0xfff, 0, "L1 per core");
	cr_assert_eq((find(c, 4, 1)->eax >> 14) & 0xfff, 3, "L3 shared");
	cr_assert_eq(find(c, 4, 1)->eax & 0x3fff, 0x163, "cache type kept");
	cr_assert_eq(find(c, 4, 2)->eax, 0);
	/* Not Intel: 0x80000008 is left alone. */
	cr_assert_eq(find(c, 0x80000008, 0)->ecx, 0x7007);
	free(c);
}

Test(cpuid, amd_leaves)
{
	struct kvm_cpuid2 *c = table(true);

	cpuid_for_vcpu(c, 2, 4);
	cr_assert_eq(find(c, 0x80000008, 0)->ecx & 0xff, 3);
	cr_assert_eq((find(c, 0x80000008, 0)->ecx >> 12) & 0xf, 2);
	cr_assert_eq(find(c, 0x8000001e, 0)->eax, 2);
	cr_assert_eq(find(c, 0x8000001e, 0)->ebx, 2);
	cr_assert_eq(find(c, 0x8000001e, 0)->ecx, 0);
	cr_assert_eq(find(c, 4, 0)->eax, 0x121, "leaf 4 is Intel's");
	free(c);
}
