// SPDX-License-Identifier: MIT
/* --stats: the start-up timeline and the run's counters (see stats.h). */
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <time.h>

#include "vmm/base/clock.h"
#include "vmm/machine/stats.h"

#define NAME_WIDTH  40
#define VALUE_WIDTH 12

static const char *const step_name[STEP_NR] = {
	[STEP_EXEC] = "fork/exec to main (CPU time)",
	[STEP_CONFIG] = "command line",
	[STEP_INITRAMFS] = "exec: initramfs, ports, shares",
	[STEP_SNAPSHOT_FILE] = "snapshot state file (restore)",
	[STEP_KERNEL_FILE] = "kernel and initrd files",
	[STEP_KVM_OPEN] = "/dev/kvm open",
	[STEP_VM_MEMORY] = "VM and memory",
	[STEP_DEVICES] = "devices",
	[STEP_FIRMWARE] = "firmware tables, kernel placed",
	[STEP_VCPUS] = "vCPUs created",
	[STEP_VCPU_THREAD] = "vCPU thread start",
	[STEP_FIRST_RUN] = "first KVM_RUN, to the first exit",
	[STEP_GUEST] = "guest running, to its stop",
	[STEP_EXIT] = "guest exit to process exit",
};

static const char *const exit_name[VCPU_EXIT_NR] = {
	[VCPU_EXIT_IO] = "port I/O",
	[VCPU_EXIT_MMIO] = "MMIO",
	[VCPU_EXIT_IOAPIC_EOI] = "IOAPIC EOI",
	[VCPU_EXIT_INTR] = "kicked by a signal",
	[VCPU_EXIT_OTHER] = "other",
};

/*
 * The time from exec to main cannot be read as wall time from inside: the
 * kernel keeps the process's start only in clock ticks. Its CPU time can:
 * up to main the process runs without sleeping (exec, the dynamic loader
 * if any, libc's start-up), so that is close to the wall time. It counts
 * from fork, so a launcher's work between fork and exec is included.
 */
void stats_start(struct vm_stats *s)
{
	struct timespec ts;

	/* Everything before the tables (see struct vm_stats). */
	memset(s, 0, offsetof(struct vm_stats, dev));
	s->lap_ns = clock_ns();
	s->start_ns = s->lap_ns;
	if (!clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts))
		s->step_ns[STEP_EXEC] =
			(u64)ts.tv_sec * 1000000000ULL + (u64)ts.tv_nsec;
}

void stats_span(struct vm_stats *s, enum vm_step step, u64 from_ns, u64 to_ns)
{
	if (to_ns > from_ns)
		s->step_ns[step] += to_ns - from_ns;
	s->lap_ns = to_ns;
	if (trace_file_on(s->trace) && to_ns > from_ns)
		trace_span(s->trace, "setup", step_name[step], from_ns, to_ns,
			   NULL);
}

void stats_lap(struct vm_stats *s, enum vm_step step)
{
	stats_span(s, step, s->lap_ns, clock_ns());
}

void stats_table(FILE *f, const char *title, const char *unit)
{
	fprintf(f, "squeeze stats: %-*s %*s\n", NAME_WIDTH - 13, title,
		VALUE_WIDTH, unit);
}

void stats_row(FILE *f, const char *name, const char *fmt, ...)
{
	char value[32];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	fprintf(f, "  %-*s %*s\n", NAME_WIDTH, name, VALUE_WIDTH, value);
}

void stats_header(FILE *f, const char *title, unsigned int n,
		  const char *const *cols)
{
	unsigned int i;

	fprintf(f, "squeeze stats: %-*s", NAME_WIDTH - 13, title);
	for (i = 0; i < n; i++)
		fprintf(f, " %*s", VALUE_WIDTH, cols[i]);
	fputc('\n', f);
}

void stats_cells(FILE *f, const char *name, unsigned int n,
		 const char *const *vals, const char *tail)
{
	unsigned int i;

	fprintf(f, "  %-*s", NAME_WIDTH, name);
	for (i = 0; i < n; i++)
		fprintf(f, " %*s", VALUE_WIDTH, vals[i]);
	fprintf(f, "%s%s\n", tail ? "  " : "", tail ? tail : "");
}

void stats_print(const struct vm_stats *s, FILE *f)
{
	u64 total = 0;
	unsigned int i;

	stats_table(f, "start-up and exit", "ms");
	for (i = 0; i < STEP_NR; i++) {
		/* Only exec has the exec step, only restore the snapshot step. */
		if ((i == STEP_INITRAMFS || i == STEP_SNAPSHOT_FILE) &&
		    !s->step_ns[i])
			continue;
		stats_row(f, step_name[i], "%.3f", s->step_ns[i] / 1e6);
		total += s->step_ns[i];
	}
	stats_row(f, "total", "%.3f", total / 1e6);
	stats_table(f, "vCPU exits", "count");
	for (i = 0, total = 0; i < VCPU_EXIT_NR; i++) {
		stats_row(f, exit_name[i], "%llu",
			  (unsigned long long)s->exits[i]);
		total += s->exits[i];
	}
	stats_row(f, "total", "%llu", (unsigned long long)total);
	stats_print_tables(s, f);
	fflush(f);
}
