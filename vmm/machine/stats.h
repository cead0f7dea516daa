/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_STATS_H
#define SQUEEZE_STATS_H

#include <stdio.h>

#include "vmm/base/types.h"
#include "vmm/core/trace.h"
#include "vmm/kvm/vcpu.h"

/*
 * What --stats prints when squeeze ends: where the time went from exec to
 * exit, step by step, and what the guest made the VMM do (exits by kind,
 * interrupts). vmm/main.c owns one struct vm_stats; the VM laps it as it
 * goes, so measuring always happens and printing is the only optional part.
 *
 * With --on-*=restart, each step adds up over the boots.
 *
 * Output, on stderr: tables of "name value" rows under a title line that
 * names the unit. Later tables (per device, per queue) are added the same
 * way, with stats_table() and stats_row().
 */

/* Start-up and shutdown, in the order they happen. */
enum vm_step {
	STEP_EXEC,	    /* fork/exec to main: CPU time (see stats.c) */
	STEP_CONFIG,	    /* the command line */
	STEP_INITRAMFS,	    /* squeeze exec: its initramfs, ports, shares */
	STEP_SNAPSHOT_FILE, /* restore: the state file read and checked */
	STEP_KERNEL_FILE,   /* reading the kernel and initrd files */
	STEP_KVM_OPEN,	    /* /dev/kvm open, capabilities */
	STEP_VM_MEMORY,	    /* guest RAM, the VM, split irqchip, memslots */
	STEP_DEVICES,	    /* legacy devices, IOAPIC, virtio, console */
	STEP_FIRMWARE,	    /* ACPI tables, kernel placed, boot params */
	STEP_VCPUS,	    /* vCPUs created, CPUID, registers */
	STEP_VCPU_THREAD,   /* vCPU 0's thread started, into KVM_RUN */
	STEP_FIRST_RUN,	    /* its first KVM_RUN, up to the first exit */
	STEP_GUEST,	    /* the guest running, to the stop request */
	STEP_EXIT,	    /* stop request to the end of main */
	STEP_NR
};

#define STATS_NAME	64
#define STATS_MAX_DEVS	32
#define STATS_MAX_VCPUS 256
#define STATS_MAX_IO	32
#define STATS_MAX_IRQS	64

/* Port and MMIO exits by the device that took them (all vCPUs, all boots). */
struct stats_dev {
	char name[STATS_NAME];
	const char *file; /* the handlers' source file, or NULL */
	u64 reads, writes;
};

/* Where one vCPU's time went (summed over boots). */
struct stats_vcpu {
	u64 guest_ns; /* inside KVM_RUN */
	u64 vmm_ns;   /* in squeeze, between two KVM_RUNs */
	u64 exits;
};

/*
 * One device's requests (blk) or one direction's frames (net rx, tx). Read
 * and written as the guest sees it: a disk read or a received frame is
 * read, a disk write or a sent frame written. Errors: error statuses,
 * dropped frames.
 */
struct stats_io {
	char name[STATS_NAME];
	u64 requests, read_bytes, write_bytes, errors;
	u64 p50_ns, p99_ns; /* 0: not timed */
};

/* Interrupts signalled through one vector. */
struct stats_irq {
	char name[STATS_NAME];
	u64 count;
};

struct vm_stats {
	u64 step_ns[STEP_NR];
	u64 start_ns;		 /* clock_ns() at the top of main() */
	u64 lap_ns;		 /* when the last lap ended */
	struct trace *trace;	 /* steps as spans in --trace-file */
	u64 exits[VCPU_EXIT_NR]; /* all vCPUs' exits, by kind */
	u64 ioapic_messages;	 /* interrupts the IOAPIC sent */
	bool timed;		 /* guest/VMM times were measured */
	bool tables;		 /* the tables below will be printed */
	unsigned int nr_dev, nr_vcpus, nr_io, nr_irq;
	/*
	 * The tables (stats_dev.c), 17 KiB, filled as the VM ends and only
	 * when @tables is set (--stats, --verbose). stats_start() does not
	 * clear them: a row is cleared as it is added, and only the first
	 * nr_* rows are read. So a run that prints no tables never touches
	 * their pages (main's copy is on its stack).
	 */
	struct stats_dev dev[STATS_MAX_DEVS];
	struct stats_vcpu vcpu[STATS_MAX_VCPUS];
	struct stats_io io[STATS_MAX_IO];
	struct stats_irq irq[STATS_MAX_IRQS];
};

/* At the top of main(): the clock starts, exec-to-main is read. */
void stats_start(struct vm_stats *s);

/* Charge the time since the last lap to @step; the next lap starts now. */
void stats_lap(struct vm_stats *s, enum vm_step step);

/* Charge [@from_ns, @to_ns) to @step and restart the laps at @to_ns. */
void stats_span(struct vm_stats *s, enum vm_step step, u64 from_ns, u64 to_ns);

void stats_print(const struct vm_stats *s, FILE *f);

/*
 * stats_dev.c: the tables by device, vCPU and vector. Rows are found by
 * name (a restarted guest adds to its first boot's) and the tables keep
 * their first STATS_MAX_* rows.
 */
void stats_add_dev(struct vm_stats *s, const char *name, const char *file,
		   u64 reads, u64 writes);
void stats_add_vcpu(struct vm_stats *s, u32 id, u64 guest_ns, u64 vmm_ns,
		    u64 exits);
struct stats_io *stats_io_row(struct vm_stats *s, const char *name);
void stats_add_irq(struct vm_stats *s, const char *name, u64 count);
void stats_print_tables(const struct vm_stats *s, FILE *f);

/* Tables with several value columns: a header, then rows of strings. */
void stats_header(FILE *f, const char *title, unsigned int n,
		  const char *const *cols);
void stats_cells(FILE *f, const char *name, unsigned int n,
		 const char *const *vals, const char *tail);

/* The table helpers every table uses. */
void stats_table(FILE *f, const char *title, const char *unit);
void stats_row(FILE *f, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
