/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_VM_H
#define SQUEEZE_VM_H

/*
 * One virtual machine: everything vm_create() builds from a vm_config
 * (KVM, RAM, devices, vCPUs), vm_run() until it stops, vm_destroy().
 */

#include <jansson.h>
#include <signal.h>
#include <sys/stat.h>

#include "vmm/base/err.h"
#include "vmm/core/exit.h"
#include "devices/legacy/i8042.h"
#include "devices/legacy/ioapic.h"
#include "devices/legacy/pm.h"
#include "devices/legacy/rtc.h"
#include "devices/legacy/serial.h"
#include "firmware/boot/boot.h"
#include "vmm/core/bus.h"
#include "vmm/config/config.h"
#include "vmm/machine/console.h"
#include "vmm/core/guest_mem.h"
#include "vmm/core/irq.h"
#include "vmm/core/trace.h"
#include "vmm/kvm/kvm.h"
#include "vmm/kvm/vcpu.h"
#include "vmm/machine/stats.h"
#include "devices/net/port_keeper.h"
#include "vmm/sandbox/seccomp.h"
#include "vmm/snapshot/snap_file.h"
#include "vmm/snapshot/snap_machine.h"

struct control;

/* vm_run()'s status when the VM could not run (vm_create()'s: err.h). */
#define VM_EXIT_FAILED 1

/*
 * One VM and everything it owns. Each resource has one owner (this
 * struct) and one free function, called by vm_destroy() in reverse order
 * of creation.
 */
struct vm {
	const struct vm_config *cfg;
	struct vm_stats *stats; /* main's; lapped as the VM is built */
	struct trace trace;	/* --trace, --trace-file */
	struct trace *tr;	/* &trace when tracing, else NULL */
	bool timed;		/* time exits and requests (--stats) */
	struct kernel_image ki;
	struct guest_mem mem;
	struct bus pio, mmio;
	struct kvm kvm;
	struct irq_ctl irq;	 /* KVM's: MSI routes, irqfds, doorbells */
	struct ioapic ioapic;	 /* the lines: serial, ACPI SCI */
	struct irq_ctl lines;	 /* the IOAPIC's set_line */
	struct irq_eoi_sink eoi; /* KVM_EXIT_IOAPIC_EOI -> the IOAPIC */
	struct console con;
	struct serial serial;
	struct rtc rtc;
	struct i8042 i8042;
	struct pm pm;
	struct exit_sink exit;
	void *virtio;			/* owned by vmm/machine/vm_virtio.c */
	struct port_keeper keeper;	/* vm_confine(): ports to undo */
	struct sandbox_filters filters; /* one per thread class */
	bool seccomp;			/* filters built and to be loaded */
	/* vCPUs wait here until main is confined: 1 go, -1 give up. */
	pthread_mutex_t gate_lock;
	pthread_cond_t gate_cond;
	int gate;
	bool have_gate;
	bool main_confined; /* the main filter is loaded */
	struct vcpu *vcpus;
	u32 nr_vcpus;
	struct vcpu_env vcpu_env;
	struct vcpu_gate pause;	   /* pause: the vCPUs park here */
	struct control *ctl;	   /* --control, or NULL */
	bool frozen;		   /* devices quiesced by a snapshot */
	u64 run_ns;		   /* clock_ns() when vm_run() began */
	const char *restored_from; /* the snapshot a restore came from */
	u32 *msr_index;		   /* the MSRs a snapshot saves */
	u32 nr_msrs;

	/* Stopping: the first request wins; vm_run() returns its status. */
	int stopping;
	int stop_claimed;
	int stop_status;
	enum vm_stop_reason stop_reason;
	int stop_fd; /* eventfd: wakes vm_run() */
	u64 stop_ns; /* clock_ns() of the first stop request */

	/* What vm_destroy() must undo. */
	bool have_ki, have_kvm, have_con, have_devices, have_virtio;
	bool have_trace;
	int trace_fd;	    /* between vm_trace_open and _start */
	bool trace_created; /* ... and it did not exist before */
};

/* What a restore starts from: a checked state file and its machine. */
struct vm_snapshot_in {
	const char *dir;
	const struct snap_reader *snap;
	const struct snap_machine *machine;
};
/* "power-off", "debug-exit port", ... (vm_run.c). */
const char *vm_stop_reason_text(enum vm_stop_reason why);

/*
 * --trace's account of the set-up, one event per step (vm_trace.c): KVM,
 * the VM with its irqchip and memory slots, the legacy devices, the kernel
 * and boot protocol, ACPI, the vCPUs.
 */
void vm_trace_kvm(struct vm *vm);
void vm_trace_vm(struct vm *vm);
void vm_trace_devices(struct vm *vm);
void vm_trace_boot(struct vm *vm, const struct boot_entry *e, u64 rsdp);
void vm_trace_vcpus(struct vm *vm, const struct boot_entry *e);
/*
 * --trace-file's file: opened (created if need be) and checked to be none
 * of the files the VM reads (@in_use), then, once every other input was
 * checked, truncated and handed to the trace (vm_trace_start()). If the
 * VM is not made after all, vm_trace_discard() removes a file it created.
 */
int vm_trace_open(struct vm *vm,
		  bool (*in_use)(void *opaque, const struct stat *st),
		  struct err *err);
int vm_trace_start(struct vm *vm, struct err *err);
void vm_trace_discard(struct vm *vm);

/*
 * Block the signals vm_run() turns into an orderly shutdown (SIGINT,
 * SIGTERM, SIGHUP), in the calling thread and so in every thread it
 * starts later. Call before vm_create().
 */
void vm_block_signals(void);

/*
 * Validate the inputs and build the VM, ready to run, charging each step's
 * time to @stats. Returns 0, or a negative errno with @err saying what and
 * of which class (bad input or a host failure); *@out is NULL then and
 * nothing is left behind.
 */
int vm_create(struct vm **out, const struct vm_config *cfg,
	      struct vm_stats *stats, struct err *err);

/*
 * Run until the guest powers off or resets (0), writes V to the debug-exit
 * port ((V << 1) | 1), fails (1, with the reason and registers on stderr),
 * the user quits with Ctrl-A x (0) or a signal arrives (128 + signal).
 * Adds the run's timeline and counters to the VM's stats.
 */
int vm_run(struct vm *vm);

/*
 * Something else the main thread waits for while the VM runs: when @fd is
 * readable, @ready(@opaque) runs on it (and may stop the VM through
 * vm->exit). squeeze exec watches the status port and its deadline.
 */
struct vm_watch {
	int fd;
	void (*ready)(void *opaque);
	void *opaque;
};

#define VM_MAX_WATCHES 4

/* vm_run() with @nw watches. */
int vm_run_watch(struct vm *vm, const struct vm_watch *w, unsigned int nw);

/*
 * vCPU @i's registers, formatted as for a failure, into @buf; after
 * vm_run() returned (the vCPUs are stopped). 0 or -errno.
 */
int vm_vcpu_regs(struct vm *vm, u32 i, char *buf, size_t len);

/* The virtio-console of cfg->vcon, or NULL. */
struct virtio_console *vm_virtio_console(struct vm *vm);

/*
 * Boot the guest again after it stopped (vm_run() does this when the
 * --on-* action for how it stopped is restart): the same RAM, zeroed, the
 * same console, and the same virtio devices with their disks and taps;
 * new device state, KVM VM and vCPUs, and the kernel loaded anew from the
 * copy kept for this. 0, or -errno with @err set.
 */
int vm_restart(struct vm *vm, struct err *err);

/*
 * Build the VM a snapshot describes (@cfg made from its machine
 * description and the restore's command line), with RAM a private
 * mapping of its memory file and every piece of state restored, ready to
 * run (paused with cfg->paused). Bad or mismatched state: -EINVAL with
 * @err of class input, before any vCPU runs.
 */
int vm_restore(struct vm **out, const struct vm_config *cfg,
	       const struct vm_snapshot_in *in, struct vm_stats *stats,
	       struct err *err);

void vm_destroy(struct vm *vm);

/*
 * Give up everything but running the VM (vmm/machine/vm_confine.c):
 * called by vm_create() once the VM is built, before any vCPU thread
 * exists. 0 or -errno with @err (a host failure).
 */
int vm_confine(struct vm *vm, struct err *err);

/* Some --on-* action of @cfg is restart (the VM may be rebuilt). */
bool vm_may_restart(const struct vm_config *cfg);

/* On each vCPU thread before its first KVM_RUN (struct vcpu_env). */
int vm_vcpu_enter(void *opaque);

/*
 * vm_run(), once the vCPU threads exist: load the main thread's filter
 * and let the vCPUs go (or, if @vcpus_started is false or that failed,
 * let them give up). 0 or -errno.
 */
int vm_confine_main(struct vm *vm, bool vcpus_started);

/* --- vm_control.c: what the control socket asks of the main thread --- */

/* Park every vCPU; 0, or -EINTR when the VM stops meanwhile. */
int vm_pause(struct vm *vm);
/* Devices go on (after a snapshot), then the vCPUs. */
void vm_resume(struct vm *vm);
bool vm_paused(struct vm *vm);

/* Run the control socket's waiting request and answer it. */
void vm_control_serve(struct vm *vm);

/* --- vm_snapshot.c --- */

/*
 * Pause, quiesce the devices, write a snapshot into @dir (created; an
 * existing one must be empty), then resume if @resume. *@result says what
 * was written. 0 or -errno with @err.
 */
int vm_snapshot(struct vm *vm, const char *dir, bool resume, json_t **result,
		struct err *err);

/*
 * A restore's RAM (vm_restore.c): the snapshot's memory file, mapped
 * privately in the layout its machine description records.
 */
int vm_map_snapshot_memory(struct vm *vm, const struct vm_snapshot_in *in,
			   struct err *err);

/* On a restore: every piece of state, into the fresh VM. */
int vm_restore_state(struct vm *vm, const struct vm_snapshot_in *in,
		     struct err *err);

#endif
