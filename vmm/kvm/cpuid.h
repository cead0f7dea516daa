/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_CPUID_H
#define SQUEEZE_CPUID_H

#include <linux/kvm.h>

#include "vmm/base/types.h"

/*
 * Turn KVM's supported CPUID table into what vCPU @apic_id of an
 * @nr_cpus-vCPU VM reports: its APIC id (leaf 1, 0xB, 0x1F, 0x8000001E),
 * a topology of @nr_cpus cores with one thread each in one socket (leaves
 * 1, 4, 0xB, 0x1F, 0x80000008), and the hypervisor bit. Pure: no ioctls.
 */
void cpuid_for_vcpu(struct kvm_cpuid2 *c, u32 apic_id, u32 nr_cpus);

/* Bits needed to number @n ids: ceil(log2(n)), 0 for n <= 1. */
unsigned int cpuid_id_bits(u32 n);

#endif
