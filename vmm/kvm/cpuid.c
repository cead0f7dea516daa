// SPDX-License-Identifier: MIT
/*
 * The CPUID table each vCPU reports: its APIC id and a topology of
 * one-thread cores in one socket, from what KVM supports. No ioctls.
 */
#include "vmm/kvm/cpuid.h"

#define CPUID_1_ECX_HYPERVISOR (1u << 31)
#define CPUID_1_EDX_HTT	       (1u << 28)

/* Leaf 0xB / 0x1F level types in ECX[15:8]. */
#define TOPO_LEVEL_SMT	1
#define TOPO_LEVEL_CORE 2

/* "AuthenticAMD" / "HygonGenuine": EBX of leaf 0. */
#define VENDOR_AMD_EBX	 0x68747541
#define VENDOR_HYGON_EBX 0x6f677948

unsigned int cpuid_id_bits(u32 n)
{
	unsigned int bits = 0;

	while (bits < 32 && (1ULL << bits) < n)
		bits++;
	return bits;
}

static void leaf1(struct kvm_cpuid_entry2 *e, u32 apic_id, u32 nr_cpus)
{
	/* EBX[23:16]: addressable logical processor ids in the package. */
	u32 ids = 1u << cpuid_id_bits(nr_cpus);

	e->ebx = (e->ebx & 0xffff) | (MIN(ids, 255u) << 16) | (apic_id << 24);
	e->ecx |= CPUID_1_ECX_HYPERVISOR;
	if (nr_cpus > 1)
		e->edx |= CPUID_1_EDX_HTT;
	else
		e->edx &= ~CPUID_1_EDX_HTT;
}

/* Deterministic cache parameters: cores per package, sharing per level. */
static void leaf4(struct kvm_cpuid_entry2 *e, u32 nr_cpus)
{
	u32 cores = 1u << cpuid_id_bits(nr_cpus);
	u32 level = (e->eax >> 5) & 7;
	u32 sharing = level >= 3 ? cores - 1 : 0;

	if ((e->eax & 0x1f) == 0)
		return; /* no more caches */
	e->eax = (e->eax & 0x3fff) | (sharing << 14) | ((cores - 1) << 26);
}

/* Extended topology: SMT level with one thread, core level with all. */
static void leaf_topology(struct kvm_cpuid_entry2 *e, u32 apic_id, u32 nr_cpus)
{
	u32 index = e->index;

	e->edx = apic_id;
	if (index == 0) {
		e->eax = 0;
		e->ebx = 1;
		e->ecx = TOPO_LEVEL_SMT << 8 | index;
	} else if (index == 1) {
		e->eax = cpuid_id_bits(nr_cpus);
		e->ebx = nr_cpus;
		e->ecx = TOPO_LEVEL_CORE << 8 | index;
	} else {
		e->eax = 0;
		e->ebx = 0;
		e->ecx = index; /* invalid level: end of the list */
	}
}

static void amd_leaves(struct kvm_cpuid_entry2 *e, u32 apic_id, u32 nr_cpus)
{
	if (e->function == 0x80000008) {
		/* ECX: ApicIdSize[15:12], NC[7:0] = cores - 1. */
		e->ecx = (e->ecx & ~0xf0ffu) | cpuid_id_bits(nr_cpus) << 12 |
			 (nr_cpus - 1);
	} else if (e->function == 0x8000001e) {
		e->eax = apic_id;	 /* extended APIC id */
		e->ebx = apic_id & 0xff; /* core id, 1 thread per core */
		e->ecx = 0;		 /* node 0 of 1 */
	}
}

void cpuid_for_vcpu(struct kvm_cpuid2 *c, u32 apic_id, u32 nr_cpus)
{
	bool amd = false;
	u32 i;

	for (i = 0; i < c->nent; i++)
		if (c->entries[i].function == 0)
			amd = c->entries[i].ebx == VENDOR_AMD_EBX ||
			      c->entries[i].ebx == VENDOR_HYGON_EBX;
	for (i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];

		switch (e->function) {
		case 1:
			leaf1(e, apic_id, nr_cpus);
			break;
		case 4:
			if (!amd)
				leaf4(e, nr_cpus);
			break;
		case 0xb:
		case 0x1f:
			leaf_topology(e, apic_id, nr_cpus);
			break;
		default:
			if (amd)
				amd_leaves(e, apic_id, nr_cpus);
			break;
		}
	}
}
