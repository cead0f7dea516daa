// SPDX-License-Identifier: MIT
/*
 * --stats, the tables after the start-up timeline: exits by device, time
 * in the guest and in squeeze per vCPU, blk requests and net frames with
 * their latency percentiles, interrupts per vector. The VM fills them as
 * each boot ends (vm_run.c) and once more at the end (vm_virtio.c), when
 * they will be printed (s->tables). Rows are cleared as they are added:
 * the tables start out uncleared (stats.h says why).
 */
#include <stdio.h>
#include <string.h>

#include "vmm/machine/stats.h"

void stats_add_dev(struct vm_stats *s, const char *name, const char *file,
		   u64 reads, u64 writes)
{
	struct stats_dev *d = NULL;
	unsigned int i;

	if (!s->tables)
		return;
	for (i = 0; i < s->nr_dev && strcmp(s->dev[i].name, name); i++)
		;
	if (i < s->nr_dev) {
		d = &s->dev[i];
	} else if (s->nr_dev < STATS_MAX_DEVS) {
		d = &s->dev[s->nr_dev++];
		*d = (struct stats_dev){ .file = file };
		snprintf(d->name, sizeof(d->name), "%s", name);
	}
	if (!d)
		return;
	d->reads += reads;
	d->writes += writes;
}

void stats_add_vcpu(struct vm_stats *s, u32 id, u64 guest_ns, u64 vmm_ns,
		    u64 exits)
{
	if (!s->tables || id >= STATS_MAX_VCPUS)
		return;
	for (; s->nr_vcpus <= id; s->nr_vcpus++)
		s->vcpu[s->nr_vcpus] = (struct stats_vcpu){ 0 };
	s->vcpu[id].guest_ns += guest_ns;
	s->vcpu[id].vmm_ns += vmm_ns;
	s->vcpu[id].exits += exits;
}

struct stats_io *stats_io_row(struct vm_stats *s, const char *name)
{
	struct stats_io *r;
	unsigned int i;

	if (!s->tables)
		return NULL;
	for (i = 0; i < s->nr_io; i++)
		if (!strcmp(s->io[i].name, name))
			return &s->io[i];
	if (s->nr_io == STATS_MAX_IO)
		return NULL;
	r = &s->io[s->nr_io++];
	*r = (struct stats_io){ 0 };
	snprintf(r->name, sizeof(r->name), "%s", name);
	return r;
}

void stats_add_irq(struct vm_stats *s, const char *name, u64 count)
{
	unsigned int i;

	if (!s->tables)
		return;
	for (i = 0; i < s->nr_irq && strcmp(s->irq[i].name, name); i++)
		;
	if (i == s->nr_irq) {
		if (s->nr_irq == STATS_MAX_IRQS)
			return;
		s->irq[i] = (struct stats_irq){ 0 };
		snprintf(s->irq[s->nr_irq++].name, STATS_NAME, "%s", name);
	}
	s->irq[i].count += count;
}

static void print_devs(const struct vm_stats *s, FILE *f)
{
	static const char *const cols[] = { "reads", "writes" };
	char r[24], w[24];
	const char *v[2] = { r, w };
	unsigned int i;

	stats_header(f, "vCPU exits by device", 2, cols);
	for (i = 0; i < s->nr_dev; i++) {
		snprintf(r, sizeof(r), "%llu",
			 (unsigned long long)s->dev[i].reads);
		snprintf(w, sizeof(w), "%llu",
			 (unsigned long long)s->dev[i].writes);
		stats_cells(f, s->dev[i].name, 2, v, s->dev[i].file);
	}
}

static void print_vcpus(const struct vm_stats *s, FILE *f)
{
	static const char *const cols[] = { "in guest ms", "in squeeze ms",
					    "exits" };
	char g[24], m[24], e[24], name[16];
	const char *v[3] = { g, m, e };
	unsigned int i;

	if (!s->timed)
		return;
	stats_header(f, "time per vCPU", 3, cols);
	for (i = 0; i < s->nr_vcpus; i++) {
		snprintf(name, sizeof(name), "vcpu%u", i);
		snprintf(g, sizeof(g), "%.3f", s->vcpu[i].guest_ns / 1e6);
		snprintf(m, sizeof(m), "%.3f", s->vcpu[i].vmm_ns / 1e6);
		snprintf(e, sizeof(e), "%llu",
			 (unsigned long long)s->vcpu[i].exits);
		stats_cells(f, name, 3, v, NULL);
	}
}

static void print_io(const struct vm_stats *s, FILE *f)
{
	static const char *const cols[] = { "requests",	   "read KiB",
					    "written KiB", "errors",
					    "p50 us",	   "p99 us" };
	char c[6][24];
	const char *v[6] = { c[0], c[1], c[2], c[3], c[4], c[5] };
	unsigned int i;

	if (!s->nr_io)
		return;
	stats_header(f, "requests and frames", 6, cols);
	for (i = 0; i < s->nr_io; i++) {
		const struct stats_io *r = &s->io[i];

		snprintf(c[0], 24, "%llu", (unsigned long long)r->requests);
		snprintf(c[1], 24, "%.1f", r->read_bytes / 1024.0);
		snprintf(c[2], 24, "%.1f", r->write_bytes / 1024.0);
		snprintf(c[3], 24, "%llu", (unsigned long long)r->errors);
		snprintf(c[4], 24, "%.1f", r->p50_ns / 1e3);
		snprintf(c[5], 24, "%.1f", r->p99_ns / 1e3);
		stats_cells(f, r->name, 6, v, NULL);
	}
}

void stats_print_tables(const struct vm_stats *s, FILE *f)
{
	unsigned int i;

	print_devs(s, f);
	print_vcpus(s, f);
	print_io(s, f);
	stats_table(f, "interrupts", "count");
	stats_row(f, "IOAPIC messages sent", "%llu",
		  (unsigned long long)s->ioapic_messages);
	for (i = 0; i < s->nr_irq; i++)
		stats_row(f, s->irq[i].name, "%llu",
			  (unsigned long long)s->irq[i].count);
}
