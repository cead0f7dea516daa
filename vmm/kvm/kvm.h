/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_KVM_H
#define SQUEEZE_KVM_H

#include <linux/kvm.h>
#include <pthread.h>

#include "vmm/base/err.h"
#include "vmm/core/guest_mem.h"
#include "vmm/core/irq.h"
#include "vmm/base/types.h"

/*
 * /dev/kvm and the VM file descriptor. Every ioctl on them lives in
 * vmm/kvm/kvm.c (the per-vCPU ones in vmm/kvm/vcpu.c).
 */

/* KVM's address-space holes for VMX real mode: 3 pages of TSS, 1 page of
 * EPT identity map, just below the LAPIC-free top of the 32-bit hole. */
#define KVM_IDENTITY_MAP_ADDR 0xfeffc000ULL
#define KVM_TSS_ADDR	      0xfeffd000ULL

struct kvm {
	int sys_fd; /* /dev/kvm */
	int vm_fd;
	int run_size;		/* KVM_GET_VCPU_MMAP_SIZE */
	unsigned int max_vcpus; /* KVM_CAP_MAX_VCPUS */

	/* GSI routing (KVM_SET_GSI_ROUTING replaces the whole table). */
	pthread_mutex_t route_lock;
	struct kvm_irq_routing_entry *msi; /* MSI routes, by GSI */
	unsigned int nr_msi;
	unsigned int next_gsi;	 /* next free MSI GSI */
	unsigned int max_routes; /* KVM_CAP_IRQ_ROUTING */
	bool routes_held;	 /* kvm_routes_hold(): record only */
	bool routes_dirty;
};

/* Open /dev/kvm, check the API version and the capabilities we need. */
int kvm_open(struct kvm *kvm, struct err *err);

/*
 * Create the VM: TSS and identity-map addresses, KVM's split irqchip (local
 * APICs in the kernel; GSIs 0..IRQ_IOAPIC_PINS-1 left to the VMM's IOAPIC;
 * no PIC, no PIT) and one memory slot per guest_mem region.
 */
int kvm_create_vm(struct kvm *kvm, const struct guest_mem *mem,
		  struct err *err);

/* Close the VM and /dev/kvm; safe on a zeroed or half-opened struct. */
void kvm_close(struct kvm *kvm);

/* A new vCPU fd for APIC id @id, or -errno. */
int kvm_create_vcpu(struct kvm *kvm, u32 id);

/*
 * KVM_GET_SUPPORTED_CPUID into a malloc'd table (free() it), or NULL; with
 * the TSC-deadline timer bit when KVM emulates it.
 */
struct kvm_cpuid2 *kvm_supported_cpuid(struct kvm *kvm);

/*
 * The MSRs KVM saves and restores (KVM_GET_MSR_INDEX_LIST), in a malloc'd
 * array (free() it). 0 or -errno.
 */
int kvm_msr_list(struct kvm *kvm, u32 **out, u32 *n);

/*
 * Route changes are recorded but not pushed until kvm_routes_release(),
 * which pushes them in one KVM_SET_GSI_ROUTING: each push waits for an
 * SRCU grace period, a millisecond or more on a busy host, and a restore
 * sets every route at once. Nothing may be injected through an irqfd
 * whose route is held back. Release: 0 or -errno.
 */
void kvm_routes_hold(struct kvm *kvm);
int kvm_routes_release(struct kvm *kvm);

/* The VM's kvmclock in ns (KVM_GET_CLOCK / KVM_SET_CLOCK). 0 or -errno. */
int kvm_get_clock(struct kvm *kvm, u64 *ns);
int kvm_set_clock(struct kvm *kvm, u64 ns);

/*
 * The struct irq_ops on this VM (irq_ctl.opaque = the struct kvm): MSI
 * routes, irqfds and ioeventfds. set_line is NULL: lines end at the IOAPIC.
 */
extern const struct irq_ops kvm_irq_ops;

#endif
