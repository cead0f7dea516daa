// SPDX-License-Identifier: MIT
/*
 * /dev/kvm and the VM fd: opening KVM and checking its API, guest memory
 * slots, the in-kernel interrupt controller, and the interrupt interface
 * (vmm/core/irq.h) the devices use: lines, MSI routes, irqfds and
 * ioeventfds. Only this file and vcpu.c issue KVM ioctls.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vmm/core/layout.h"
#include "vmm/kvm/kvm.h"
#include "vmm/base/err.h"
#include "vmm/base/log.h"

#define CPUID_MAX_ENTRIES	 256
#define CPUID_1_ECX_TSC_DEADLINE (1u << 24)

int kvm_open(struct kvm *kvm, struct err *err)
{
	int ret;

	memset(kvm, 0, sizeof(*kvm));
	kvm->vm_fd = -1;
	pthread_mutex_init(&kvm->route_lock, NULL);
	kvm->next_gsi = IRQ_IOAPIC_PINS;
	kvm->sys_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm->sys_fd < 0)
		return err_host(err, -errno, "cannot open /dev/kvm: %s",
				strerror(errno));
	ret = ioctl(kvm->sys_fd, KVM_GET_API_VERSION, 0);
	if (ret != KVM_API_VERSION)
		return err_host(err, -ENOTSUP,
				"/dev/kvm has API version %d, need %d", ret,
				KVM_API_VERSION);
	kvm->run_size = ioctl(kvm->sys_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (kvm->run_size <= 0)
		return err_host(err, -ENOTSUP, "KVM_GET_VCPU_MMAP_SIZE failed");
	ret = ioctl(kvm->sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
	if (ret <= 0)
		ret = ioctl(kvm->sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS);
	kvm->max_vcpus = ret > 0 ? ret : 1;
	ret = ioctl(kvm->sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_IRQ_ROUTING);
	kvm->max_routes = ret > 0 ? ret : 0;
	return 0;
}

static int vm_ioctl(struct kvm *kvm, unsigned long req, void *arg,
		    const char *what, struct err *err)
{
	if (ioctl(kvm->vm_fd, req, arg) < 0)
		return err_host(err, -errno, "%s failed: %s", what,
				strerror(errno));
	return 0;
}

static int add_memory(struct kvm *kvm, const struct guest_mem *mem,
		      struct err *err)
{
	unsigned int i;
	int ret;

	for (i = 0; i < mem->nr; i++) {
		struct kvm_userspace_memory_region r = {
			.slot = i,
			.guest_phys_addr = mem->region[i].gpa,
			.memory_size = mem->region[i].size,
			.userspace_addr = (u64)(uintptr_t)mem->region[i].hva,
		};

		ret = vm_ioctl(kvm, KVM_SET_USER_MEMORY_REGION, &r,
			       "KVM_SET_USER_MEMORY_REGION", err);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * KVM's split irqchip: the local APICs in the kernel, the IOAPIC ours
 * (devices/legacy/ioapic.c), no PIC and no PIT. GSIs below
 * IRQ_IOAPIC_PINS are reserved for the IOAPIC's pins: their routes are the
 * MSI messages of its redirection entries, and KVM reports the EOI of a
 * level-triggered one as KVM_EXIT_IOAPIC_EOI. The full in-kernel irqchip
 * (KVM_CREATE_IRQCHIP) would cost an SRCU grace period per VM here, 10 to
 * 18 ms, more than the rest of start-up together; this costs none.
 */
static int create_split_irqchip(struct kvm *kvm, struct err *err)
{
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_SPLIT_IRQCHIP,
		.args[0] = IRQ_IOAPIC_PINS,
	};

	return vm_ioctl(kvm, KVM_ENABLE_CAP, &cap,
			"KVM_ENABLE_CAP(KVM_CAP_SPLIT_IRQCHIP)", err);
}

int kvm_create_vm(struct kvm *kvm, const struct guest_mem *mem, struct err *err)
{
	u64 ident = KVM_IDENTITY_MAP_ADDR;
	int ret;

	kvm->vm_fd = ioctl(kvm->sys_fd, KVM_CREATE_VM, 0);
	if (kvm->vm_fd < 0)
		return err_host(err, -errno, "KVM_CREATE_VM failed: %s",
				strerror(errno));
	/* Both must be set before the first vCPU exists. */
	if (ioctl(kvm->vm_fd, KVM_SET_TSS_ADDR, KVM_TSS_ADDR) < 0)
		return err_host(err, -errno, "KVM_SET_TSS_ADDR failed: %s",
				strerror(errno));
	ret = vm_ioctl(kvm, KVM_SET_IDENTITY_MAP_ADDR, &ident,
		       "KVM_SET_IDENTITY_MAP_ADDR", err);
	if (!ret)
		ret = create_split_irqchip(kvm, err);
	if (!ret)
		ret = add_memory(kvm, mem, err);
	return ret;
}

void kvm_close(struct kvm *kvm)
{
	if (kvm->vm_fd >= 0)
		close(kvm->vm_fd);
	if (kvm->sys_fd > 0)
		close(kvm->sys_fd);
	free(kvm->msi);
	pthread_mutex_destroy(&kvm->route_lock);
	kvm->vm_fd = kvm->sys_fd = -1;
	kvm->msi = NULL;
}

int kvm_create_vcpu(struct kvm *kvm, u32 id)
{
	int fd = ioctl(kvm->vm_fd, KVM_CREATE_VCPU, (unsigned long)id);

	return fd < 0 ? -errno : fd;
}

/*
 * KVM's local APIC has the TSC-deadline timer mode, but KVM leaves it out
 * of KVM_GET_SUPPORTED_CPUID for the VMM to announce when
 * KVM_CAP_TSC_DEADLINE_TIMER says so. With it, Linux needs no PIT and no
 * LAPIC timer calibration: its tick is one MSR write.
 */
static void add_tsc_deadline(struct kvm *kvm, struct kvm_cpuid2 *c)
{
	u32 i;

	if (ioctl(kvm->sys_fd, KVM_CHECK_EXTENSION,
		  KVM_CAP_TSC_DEADLINE_TIMER) <= 0)
		return;
	for (i = 0; i < c->nent; i++)
		if (c->entries[i].function == 1)
			c->entries[i].ecx |= CPUID_1_ECX_TSC_DEADLINE;
}

struct kvm_cpuid2 *kvm_supported_cpuid(struct kvm *kvm)
{
	struct kvm_cpuid2 *c;

	c = calloc(1, sizeof(*c) + CPUID_MAX_ENTRIES * sizeof(c->entries[0]));
	if (!c)
		return NULL;
	c->nent = CPUID_MAX_ENTRIES;
	if (ioctl(kvm->sys_fd, KVM_GET_SUPPORTED_CPUID, c) < 0) {
		free(c);
		return NULL;
	}
	add_tsc_deadline(kvm, c);
	return c;
}

/* --- for snapshots --- */

int kvm_msr_list(struct kvm *kvm, u32 **out, u32 *n)
{
	struct kvm_msr_list probe = { .nmsrs = 0 }, *l;

	*out = NULL;
	*n = 0;
	/* Asked with room for none, KVM says how many there are (E2BIG). */
	if (ioctl(kvm->sys_fd, KVM_GET_MSR_INDEX_LIST, &probe) < 0 &&
	    errno != E2BIG)
		return -errno;
	l = calloc(1, sizeof(*l) + probe.nmsrs * sizeof(l->indices[0]));
	if (!l)
		return -ENOMEM;
	l->nmsrs = probe.nmsrs;
	if (ioctl(kvm->sys_fd, KVM_GET_MSR_INDEX_LIST, l) < 0) {
		free(l);
		return -errno;
	}
	*out = malloc(l->nmsrs * sizeof(**out) + 1);
	if (!*out) {
		free(l);
		return -ENOMEM;
	}
	memcpy(*out, l->indices, l->nmsrs * sizeof(**out));
	*n = l->nmsrs;
	free(l);
	return 0;
}

int kvm_get_clock(struct kvm *kvm, u64 *ns)
{
	struct kvm_clock_data c = { 0 };

	if (ioctl(kvm->vm_fd, KVM_GET_CLOCK, &c) < 0)
		return -errno;
	*ns = c.clock;
	return 0;
}

int kvm_set_clock(struct kvm *kvm, u64 ns)
{
	struct kvm_clock_data c = { .clock = ns };

	return ioctl(kvm->vm_fd, KVM_SET_CLOCK, &c) < 0 ? -errno : 0;
}

/* --- struct irq_ops --- */

static int kvm_msi_alloc(void *opaque)
{
	struct kvm *kvm = opaque;
	int gsi = -ENOSPC;

	pthread_mutex_lock(&kvm->route_lock);
	if (kvm->next_gsi < kvm->max_routes)
		gsi = kvm->next_gsi++;
	pthread_mutex_unlock(&kvm->route_lock);
	return gsi;
}

/* The whole table: KVM_SET_GSI_ROUTING replaces it. With route_lock held. */
static int push_routes(struct kvm *kvm)
{
	struct kvm_irq_routing *r;
	int ret = 0;

	r = calloc(1, sizeof(*r) + kvm->nr_msi * sizeof(r->entries[0]));
	if (!r)
		return -ENOMEM;
	memcpy(r->entries, kvm->msi, kvm->nr_msi * sizeof(r->entries[0]));
	r->nr = kvm->nr_msi;
	if (ioctl(kvm->vm_fd, KVM_SET_GSI_ROUTING, r) < 0)
		ret = -errno;
	free(r);
	return ret;
}

static struct kvm_irq_routing_entry *find_msi(struct kvm *kvm, u32 gsi)
{
	struct kvm_irq_routing_entry *grown;
	unsigned int i;

	for (i = 0; i < kvm->nr_msi; i++)
		if (kvm->msi[i].gsi == gsi)
			return &kvm->msi[i];
	grown = realloc(kvm->msi, (kvm->nr_msi + 1) * sizeof(*grown));
	if (!grown)
		return NULL;
	kvm->msi = grown;
	return &kvm->msi[kvm->nr_msi++];
}

static int kvm_msi_route(void *opaque, u32 gsi, u64 addr, u32 data)
{
	struct kvm *kvm = opaque;
	struct kvm_irq_routing_entry *e;
	int ret = -EINVAL;

	pthread_mutex_lock(&kvm->route_lock);
	/* IOAPIC pins, or GSIs msi_alloc() handed out */
	if (gsi >= kvm->next_gsi)
		goto unlock;
	ret = -ENOMEM;
	e = find_msi(kvm, gsi);
	if (!e)
		goto unlock;
	*e = (struct kvm_irq_routing_entry){
		.gsi = gsi,
		.type = KVM_IRQ_ROUTING_MSI,
		.u.msi = {
			.address_lo = (u32)addr,
			.address_hi = (u32)(addr >> 32),
			.data = data,
		},
	};
	kvm->routes_dirty = true;
	ret = kvm->routes_held ? 0 : push_routes(kvm);
	if (!ret && !kvm->routes_held)
		kvm->routes_dirty = false;
unlock:
	pthread_mutex_unlock(&kvm->route_lock);
	return ret;
}

void kvm_routes_hold(struct kvm *kvm)
{
	pthread_mutex_lock(&kvm->route_lock);
	kvm->routes_held = true;
	pthread_mutex_unlock(&kvm->route_lock);
}

int kvm_routes_release(struct kvm *kvm)
{
	int ret = 0;

	pthread_mutex_lock(&kvm->route_lock);
	kvm->routes_held = false;
	if (kvm->routes_dirty)
		ret = push_routes(kvm);
	if (!ret)
		kvm->routes_dirty = false;
	pthread_mutex_unlock(&kvm->route_lock);
	return ret;
}

static int kvm_irqfd(void *opaque, int efd, u32 gsi, bool assign)
{
	struct kvm *kvm = opaque;
	struct kvm_irqfd f = {
		.fd = efd,
		.gsi = gsi,
		.flags = assign ? 0 : KVM_IRQFD_FLAG_DEASSIGN,
	};

	return ioctl(kvm->vm_fd, KVM_IRQFD, &f) < 0 ? -errno : 0;
}

static int kvm_ioeventfd(void *opaque, u64 addr, u32 len, int efd, bool mmio,
			 bool assign)
{
	struct kvm *kvm = opaque;
	struct kvm_ioeventfd e = {
		.addr = addr,
		.len = len,
		.fd = efd,
		.flags = (mmio ? 0 : KVM_IOEVENTFD_FLAG_PIO) |
			 (assign ? 0 : KVM_IOEVENTFD_FLAG_DEASSIGN),
	};

	return ioctl(kvm->vm_fd, KVM_IOEVENTFD, &e) < 0 ? -errno : 0;
}

/* No set_line: KVM has no interrupt lines here, the IOAPIC is ours. */
const struct irq_ops kvm_irq_ops = {
	.msi_alloc = kvm_msi_alloc,
	.msi_route = kvm_msi_route,
	.irqfd = kvm_irqfd,
	.ioeventfd = kvm_ioeventfd,
};
