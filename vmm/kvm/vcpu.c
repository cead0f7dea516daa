// SPDX-License-Identifier: MIT
/* vCPU state setup and the KVM_RUN exit loop, one thread per vCPU. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "vmm/base/clock.h"
#include "vmm/kvm/cpuid.h"
#include "vmm/base/err.h"
#include "vmm/base/log.h"
#include "vmm/core/iothread.h"
#include "vmm/kvm/vcpu.h"
#include "vmm/kvm/vcpu_state.h"
#include "vmm/kvm/vcpu_int.h"

#define VCPU_KICK_SIGNAL SIGUSR1

#define MSR_IA32_TSC		0x00000010
#define MSR_IA32_SYSENTER_CS	0x00000174
#define MSR_IA32_SYSENTER_ESP	0x00000175
#define MSR_IA32_SYSENTER_EIP	0x00000176
#define MSR_IA32_MISC_ENABLE	0x000001a0
#define MSR_STAR		0xc0000081
#define MSR_LSTAR		0xc0000082
#define MSR_CSTAR		0xc0000083
#define MSR_SYSCALL_MASK	0xc0000084
#define MSR_KERNEL_GS_BASE	0xc0000102
#define MISC_ENABLE_FAST_STRING 0x1

#define CR0_PE	 0x00000001ULL
#define CR0_MP	 0x00000002ULL
#define CR0_ET	 0x00000010ULL
#define CR0_NE	 0x00000020ULL
#define CR0_PG	 0x80000000ULL
#define CR4_PAE	 0x00000020ULL
#define EFER_LME 0x00000100ULL
#define EFER_LMA 0x00000400ULL

#define APIC_LVT_LINT0	 0x350
#define APIC_LVT_LINT1	 0x360
#define APIC_MODE_NMI	 0x4
#define APIC_MODE_EXTINT 0x7
#define APIC_LVT_MASKED	 (1u << 16)

static void kick_handler(int sig)
{
	(void)sig; /* only there to make KVM_RUN return -EINTR */
}

int vcpu_signal_setup(struct err *err)
{
	struct sigaction sa = { .sa_handler = kick_handler };

	sigemptyset(&sa.sa_mask);
	if (sigaction(VCPU_KICK_SIGNAL, &sa, NULL) < 0)
		return err_host(err, -errno, "sigaction: %s", strerror(errno));
	return 0;
}

static int vcpu_ioctl(struct vcpu *v, unsigned long req, void *arg,
		      const char *what, struct err *err)
{
	if (ioctl(v->fd, req, arg) < 0)
		return err_host(err, -errno, "vCPU %u: %s failed: %s", v->id,
				what, strerror(errno));
	return 0;
}

static int set_cpuid(struct vcpu *v, const struct kvm_cpuid2 *supported,
		     u32 nr_cpus, struct err *err)
{
	size_t size = sizeof(*supported) +
		      supported->nent * sizeof(supported->entries[0]);
	struct kvm_cpuid2 *c = malloc(size);
	int ret;

	if (!c)
		return err_host(err, -ENOMEM, "out of memory");
	memcpy(c, supported, size);
	cpuid_for_vcpu(c, v->id, nr_cpus);
	ret = vcpu_ioctl(v, KVM_SET_CPUID2, c, "KVM_SET_CPUID2", err);
	free(c);
	return ret;
}

static int set_msrs(struct vcpu *v, struct err *err)
{
	static const u32 zeroed[] = {
		MSR_IA32_SYSENTER_CS,
		MSR_IA32_SYSENTER_ESP,
		MSR_IA32_SYSENTER_EIP,
		MSR_STAR,
		MSR_LSTAR,
		MSR_CSTAR,
		MSR_SYSCALL_MASK,
		MSR_KERNEL_GS_BASE,
		MSR_IA32_TSC,
	};
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e[ARRAY_SIZE(zeroed) + 1];
	} m = { 0 };
	unsigned int i;
	int n;

	for (i = 0; i < ARRAY_SIZE(zeroed); i++)
		m.e[i].index = zeroed[i];
	m.e[i].index = MSR_IA32_MISC_ENABLE;
	m.e[i].data = MISC_ENABLE_FAST_STRING;
	m.hdr.nmsrs = ARRAY_SIZE(m.e);
	n = ioctl(v->fd, KVM_SET_MSRS, &m);
	if (n < 0)
		return err_host(err, -errno, "vCPU %u: KVM_SET_MSRS: %s", v->id,
				strerror(errno));
	/* KVM stops at the first MSR it refuses and returns how many it set. */
	if (n < (int)ARRAY_SIZE(m.e))
		return err_host(err, -EINVAL, "vCPU %u: KVM refused MSR %#x",
				v->id, m.e[n].index);
	return 0;
}

static int set_fpu(struct vcpu *v, struct err *err)
{
	struct kvm_fpu fpu = { .fcw = 0x37f, .mxcsr = 0x1f80 };

	return vcpu_ioctl(v, KVM_SET_FPU, &fpu, "KVM_SET_FPU", err);
}

static void set_lvt(struct kvm_lapic_state *l, unsigned int reg, u32 mode,
		    bool masked)
{
	u32 val;

	memcpy(&val, &l->regs[reg], sizeof(val));
	val = (val & ~(0x700u | APIC_LVT_MASKED)) | mode << 8 |
	      (masked ? APIC_LVT_MASKED : 0);
	memcpy(&l->regs[reg], &val, sizeof(val));
}

/*
 * LINT1 is the NMI input, as the MADT says. LINT0 would take an 8259's
 * ExtINT in virtual wire mode; with no PIC it stays masked.
 */
static int set_lapic(struct vcpu *v, struct err *err)
{
	struct kvm_lapic_state l;
	int ret;

	ret = vcpu_ioctl(v, KVM_GET_LAPIC, &l, "KVM_GET_LAPIC", err);
	if (ret)
		return ret;
	set_lvt(&l, APIC_LVT_LINT0, APIC_MODE_EXTINT, true);
	set_lvt(&l, APIC_LVT_LINT1, APIC_MODE_NMI, false);
	return vcpu_ioctl(v, KVM_SET_LAPIC, &l, "KVM_SET_LAPIC", err);
}

int vcpu_init(struct vcpu *v, struct kvm *kvm, u32 id, u32 nr_cpus,
	      const struct kvm_cpuid2 *supported, struct err *err)
{
	struct kvm_mp_state mp = { .mp_state = KVM_MP_STATE_UNINITIALIZED };
	int ret;

	ret = vcpu_init_bare(v, kvm, id, err);
	if (!ret)
		ret = set_cpuid(v, supported, nr_cpus, err);
	if (!ret)
		ret = set_msrs(v, err);
	if (!ret)
		ret = set_fpu(v, err);
	if (!ret)
		ret = set_lapic(v, err);
	/* APs sleep in KVM_RUN until the in-kernel LAPIC gets INIT+SIPI. */
	if (!ret && id > 0)
		ret = vcpu_ioctl(v, KVM_SET_MP_STATE, &mp, "KVM_SET_MP_STATE",
				 err);
	return ret;
}

static struct kvm_segment flat_seg(u16 sel, u8 type, bool long64)
{
	return (struct kvm_segment){
		.base = 0,
		.limit = 0xffffffff,
		.selector = sel,
		.type = type,
		.present = 1,
		.s = 1,
		.db = long64 ? 0 : 1,
		.l = long64,
		.g = 1,
	};
}

int vcpu_set_boot_regs(struct vcpu *v, const struct boot_entry *e,
		       struct err *err)
{
	bool lm = e->mode == BOOT_MODE_LONG;
	struct kvm_regs regs = { .rflags = 2, .rip = e->rip };
	struct kvm_sregs s;
	int ret;

	ret = vcpu_ioctl(v, KVM_GET_SREGS, &s, "KVM_GET_SREGS", err);
	if (ret)
		return ret;
	/* Code: execute/read, accessed (11); data: read/write, accessed (3). */
	s.cs = flat_seg(e->code_sel, 11, lm);
	s.ds = s.es = s.fs = s.gs = s.ss = flat_seg(e->data_sel, 3, false);
	s.gdt.base = e->gdt_base;
	s.gdt.limit = e->gdt_limit;
	s.idt.base = 0;
	s.idt.limit = 0;
	if (lm) {
		s.cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_PG;
		s.cr3 = e->cr3;
		s.cr4 = CR4_PAE;
		s.efer = EFER_LME | EFER_LMA;
		regs.rsi = e->rsi;
	} else {
		s.cr0 = CR0_PE | CR0_ET;
		s.cr3 = 0;
		s.cr4 = 0;
		s.efer = 0;
		regs.rbx = e->rbx;
	}
	ret = vcpu_ioctl(v, KVM_SET_SREGS, &s, "KVM_SET_SREGS", err);
	if (!ret)
		ret = vcpu_ioctl(v, KVM_SET_REGS, &regs, "KVM_SET_REGS", err);
	return ret;
}

void vcpu_fail(struct vcpu *v, const char *why)
{
	struct kvm_regs r = { 0 };
	struct kvm_sregs s = { 0 };
	size_t n;

	n = snprintf(v->fail, sizeof(v->fail), "vCPU %u: %s\n", v->id, why);
	if (ioctl(v->fd, KVM_GET_REGS, &r) == 0 &&
	    ioctl(v->fd, KVM_GET_SREGS, &s) == 0 && n < sizeof(v->fail))
		vcpu_format_regs(v->fail + n, sizeof(v->fail) - n, &r, &s);
	exit_sink_stop(v->env->exit, VM_STOP_FAILURE, 1);
}

static bool stopping(const struct vcpu *v)
{
	return __atomic_load_n(v->env->stopping, __ATOMIC_ACQUIRE);
}

/*
 * Time in the guest (inside KVM_RUN) and in squeeze (between two), for
 * --stats; with --trace-file, KVM_RUN as a span.
 */
static void account_run(struct vcpu *v, u64 enter, u64 exit, u64 *last_exit)
{
	v->stats.guest_ns += exit - enter;
	if (*last_exit)
		v->stats.vmm_ns += enter - *last_exit;
	*last_exit = exit;
	if (trace_file_on(v->env->trace))
		vcpu_trace_run(v, enter, exit);
}

void vcpu_kick(struct vcpu *v)
{
	if (!v->run)
		return;
	__atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_RELEASE);
	if (v->started)
		pthread_kill(v->thread, VCPU_KICK_SIGNAL);
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;
	char what[16], name[IOTHREAD_NAME_LEN], why[128];
	bool first = true, timed = v->env->timed;
	u64 enter = 0, exit = 0, last_exit = 0;

	/* What top -H and /proc/PID/task/TID/comm show. */
	snprintf(what, sizeof(what), "vcpu%u", v->id);
	thread_name(name, v->env->vm_name, what);
	pthread_setname_np(pthread_self(), name);
	if (v->env->enter && v->env->enter(v->env->opaque)) {
		if (!stopping(v))
			vcpu_fail(v, "cannot be confined (seccomp)");
		return NULL;
	}

	while (!stopping(v)) {
		int ret;

		/* The first KVM_RUN is always timed: KVM finishes set-up there. */
		if (first && v->env->trace)
			trace_event(
				v->env->trace, TRACE_VM, "run", __FILE__,
				"vcpu%u: first KVM_RUN: the guest runs from "
				"its entry point until it needs squeeze",
				v->id);
		if (first || timed)
			enter = clock_ns();
		ret = ioctl(v->fd, KVM_RUN, 0);
		if (first || timed)
			exit = clock_ns();
		if (first) {
			v->stats.first_run_ns = enter;
			v->stats.first_exit_ns = exit;
			first = false;
		}
		if (timed)
			account_run(v, enter, exit, &last_exit);
		if (ret < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				vcpu_park(v);
				continue;
			}
			snprintf(why, sizeof(why), "KVM_RUN failed: %s",
				 strerror(errno));
			vcpu_fail(v, why);
			break;
		}
		if (!vcpu_handle_exit(v, exit))
			break;
	}
	if (timed && last_exit)
		v->stats.vmm_ns += clock_ns() - last_exit;
	return NULL;
}

int vcpu_start(struct vcpu *v, const struct vcpu_env *env, struct err *err)
{
	pthread_attr_t attr;
	sigset_t kick, old;
	int ret;

	v->env = env;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, VCPU_STACK_SIZE);
	/* The new thread inherits our mask: make sure it can be kicked. */
	sigemptyset(&kick);
	sigaddset(&kick, VCPU_KICK_SIGNAL);
	pthread_sigmask(SIG_UNBLOCK, &kick, &old);
	ret = pthread_create(&v->thread, &attr, vcpu_thread, v);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	if (ret)
		return err_host(err, -ret,
				"vCPU %u: cannot create its thread: %s", v->id,
				strerror(ret));
	v->started = true;
	return 0;
}

void vcpu_stop(struct vcpu *v)
{
	struct timespec ts;

	if (!v->started)
		return;
	/* A parked thread wakes to see env->stopping. */
	if (v->env->gate) {
		pthread_mutex_lock(&v->env->gate->lock);
		pthread_cond_broadcast(&v->env->gate->cond);
		pthread_mutex_unlock(&v->env->gate->lock);
	}
	/*
	 * immediate_exit makes a KVM_RUN that starts after this return at
	 * once; the signal interrupts one already running. Repeat in case
	 * the kernel lacks KVM_CAP_IMMEDIATE_EXIT and the signal came early.
	 */
	for (;;) {
		vcpu_kick(v);
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 20 * 1000 * 1000;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		if (pthread_timedjoin_np(v->thread, NULL, &ts) == 0)
			break;
	}
	v->started = false;
}

int vcpu_regs(struct vcpu *v, char *buf, size_t len)
{
	struct kvm_regs r = { 0 };
	struct kvm_sregs s = { 0 };

	if (ioctl(v->fd, KVM_GET_REGS, &r) < 0 ||
	    ioctl(v->fd, KVM_GET_SREGS, &s) < 0)
		return -errno;
	vcpu_format_regs(buf, len, &r, &s);
	return 0;
}

void vcpu_destroy(struct vcpu *v)
{
	vcpu_stop(v);
	if (v->run)
		munmap(v->run, v->run_size);
	if (v->fd > 0)
		close(v->fd);
	v->run = NULL;
	v->fd = -1;
}
