/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_STATS_H
#define SQUEEZE_STATS_H

#include <stdio.h>

#include "vmm/base/types.h"
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
	STEP_EXEC,		/* fork/exec to main: CPU time (see stats.c) */
	STEP_CONFIG,		/* the command line */
	STEP_INITRAMFS,		/* squeeze exec: its initramfs, ports, shares */
	STEP_SNAPSHOT_FILE,	/* restore: the state file read and checked */
	STEP_KERNEL_FILE,	/* reading the kernel and initrd files */
	STEP_KVM_OPEN,		/* /dev/kvm open, capabilities */
	STEP_VM_MEMORY,		/* guest RAM, the VM, split irqchip, memslots */
	STEP_DEVICES,		/* legacy devices, IOAPIC, virtio, console */
	STEP_FIRMWARE,		/* ACPI tables, kernel placed, boot params */
	STEP_VCPUS,		/* vCPUs created, CPUID, registers */
	STEP_VCPU_THREAD,	/* vCPU 0's thread started, into KVM_RUN */
	STEP_FIRST_RUN,		/* its first KVM_RUN, up to the first exit */
	STEP_GUEST,		/* the guest running, to the stop request */
	STEP_EXIT,		/* stop request to the end of main */
	STEP_NR
};

struct vm_stats {
	u64 step_ns[STEP_NR];
	u64 lap_ns;			/* when the last lap ended */
	u64 exits[VCPU_EXIT_NR];	/* all vCPUs' exits, by kind */
	u64 ioapic_messages;		/* interrupts the IOAPIC sent */
};

/* At the top of main(): the clock starts, exec-to-main is read. */
void stats_start(struct vm_stats *s);

/* Charge the time since the last lap to @step; the next lap starts now. */
void stats_lap(struct vm_stats *s, enum vm_step step);

/* Charge [@from_ns, @to_ns) to @step and restart the laps at @to_ns. */
void stats_span(struct vm_stats *s, enum vm_step step, u64 from_ns, u64 to_ns);

void stats_print(const struct vm_stats *s, FILE *f);

/* The table helpers every table uses. */
void stats_table(FILE *f, const char *title, const char *unit);
void stats_row(FILE *f, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
