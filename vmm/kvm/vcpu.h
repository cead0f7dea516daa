/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_VCPU_H
#define SQUEEZE_VCPU_H

/*
 * vCPU threads: one per vCPU, running KVM_RUN and dispatching exits to
 * the buses until the VM stops.
 */

#include <linux/kvm.h>
#include <pthread.h>

#include "vmm/base/err.h"
#include "vmm/core/exit.h"
#include "firmware/boot/boot.h"
#include "vmm/core/bus.h"
#include "vmm/core/irq.h"
#include "vmm/core/trace.h"
#include "vmm/kvm/kvm.h"
#include "vmm/kvm/vcpu_dump.h"

#define VCPU_STACK_SIZE (256 * KiB)

/*
 * Parking vCPU threads without ending them (pause, snapshot). The main
 * thread sets @pause and kicks each vCPU out of KVM_RUN; a thread parks
 * only once KVM_RUN has returned -EINTR, which KVM does after finishing
 * any port or MMIO access the last exit left pending: a parked vCPU's
 * state is whole, ready to be read. @lock covers @pause, @parked and the
 * vCPUs' kvm_run.immediate_exit while a pause is on.
 */
struct vcpu_gate {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool pause;
	u32 parked;
};

/*
 * What a vCPU thread needs from its VM: the buses, where EOIs of level
 * interrupts go (the IOAPIC), a way to stop it and the gate that parks it.
 */
struct vcpu_env {
	struct bus *pio;
	struct bus *mmio;
	const struct irq_eoi_sink *eoi;
	const struct exit_sink *exit;
	const int *stopping; /* read atomically; set by the VM */
	const char *vm_name; /* for thread names, or NULL */
	/*
	 * Called on the vCPU thread before its first KVM_RUN (confinement,
	 * a start gate); nonzero: the vCPU fails without running.
	 */
	int (*enter)(void *opaque);
	void *opaque;
	struct vcpu_gate *gate;
	struct trace *trace; /* --trace, --trace-file; or NULL */
	bool timed;	     /* time guest and VMM (--stats) */
};

/* Exits counted per kind, for --stats. */
enum vcpu_exit_kind {
	VCPU_EXIT_IO,
	VCPU_EXIT_MMIO,
	VCPU_EXIT_IOAPIC_EOI,
	VCPU_EXIT_INTR, /* a signal kicked KVM_RUN */
	VCPU_EXIT_OTHER,
	VCPU_EXIT_NR
};

/*
 * Port and MMIO exits counted by the device that took them (the bus range's
 * handler; ops NULL: no device claimed the address). The last slot takes
 * every device once the others are used.
 */
#define VCPU_DEV_SLOTS 24
struct vcpu_dev_exits {
	const struct io_ops *ops;
	void *opaque;
	bool used;
	bool mmio;
	u64 reads, writes;
};

struct vcpu_stats {
	u64 exits[VCPU_EXIT_NR];
	u64 first_run_ns;  /* clock_ns() entering the first KVM_RUN */
	u64 first_exit_ns; /* ... and when it returned */
	u64 guest_ns;	   /* inside KVM_RUN (env->timed only) */
	u64 vmm_ns;	   /* out of it, between two KVM_RUNs */
	struct vcpu_dev_exits dev[VCPU_DEV_SLOTS];
};

struct vcpu {
	u32 id; /* also its APIC id */
	int fd;
	struct kvm_run *run;
	int run_size;
	const struct vcpu_env *env;
	pthread_t thread;
	bool started;
	struct vcpu_stats stats;  /* the thread's; read after vcpu_stop() */
	char fail[VCPU_DUMP_LEN]; /* why it failed, registers; or "" */
};

/* Install the (empty) SIGUSR1 handler that kicks vCPUs out of KVM_RUN. */
int vcpu_signal_setup(struct err *err);

/*
 * Create vCPU @id of @nr_cpus and set its CPUID (from KVM's @supported
 * table), MSRs, FPU and local APIC (LINT0 masked: there is no PIC; LINT1
 * NMI). Application processors (id > 0) wait for INIT-SIPI-SIPI.
 */
int vcpu_init(struct vcpu *v, struct kvm *kvm, u32 id, u32 nr_cpus,
	      const struct kvm_cpuid2 *supported, struct err *err);

/* The boot vCPU's registers for 64-bit or PVH entry. */
int vcpu_set_boot_regs(struct vcpu *v, const struct boot_entry *e,
		       struct err *err);

/* Run the vCPU on its own thread until env->stopping is set. */
int vcpu_start(struct vcpu *v, const struct vcpu_env *env, struct err *err);

/* Kick the thread out of KVM_RUN (after env->stopping is set) and join it. */
void vcpu_stop(struct vcpu *v);

/* Its registers, formatted (vcpu_format_regs), when stopped. 0 or -errno. */
int vcpu_regs(struct vcpu *v, char *buf, size_t len);
/* Make @v's KVM_RUN return -EINTR: now, and at its next entry. */
void vcpu_kick(struct vcpu *v);

void vcpu_gate_init(struct vcpu_gate *g);
void vcpu_gate_destroy(struct vcpu_gate *g);
/*
 * Park all @n vCPUs (started or not: those not yet started park on their
 * first KVM_RUN) and wait until the started ones are parked or the VM is
 * stopping (@stopping). Returns true when all are parked.
 */
bool vcpu_gate_pause(struct vcpu_gate *g, struct vcpu *v, u32 n,
		     const int *stopping);
void vcpu_gate_resume(struct vcpu_gate *g);
bool vcpu_gate_paused(struct vcpu_gate *g);
/* On the vCPU thread, after KVM_RUN returned -EINTR: park while paused. */
void vcpu_park(struct vcpu *v);

/* Unmap and close; safe on a zeroed struct and after a failed init. */
void vcpu_destroy(struct vcpu *v);

#endif
