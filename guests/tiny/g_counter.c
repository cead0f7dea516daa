// SPDX-License-Identifier: MIT
/*
 * counter: counts for the snapshot tests. The BSP counts ticks of its
 * local APIC timer (tick=MS, default 20) and prints each:
 *
 *	counter: N
 *
 * or, with cpus=K (K - 1 application processors woken with INIT-SIPI-SIPI
 * into counter_tramp.S, each counting in real mode as fast as it can):
 *
 *	counter: N cpu1=A cpu2=B ...
 *
 * It exits at N = limit (default 200) with code 0x40 + the number of
 * CPUs that were counting in the second half: the BSP, and each AP whose
 * count went up between tick limit/2 and the end (status (code << 1) | 1:
 * 131 with one CPU, 137 with four; a host as loaded as ours can stall one
 * vCPU thread for a few hundred ms, so the window is wide). A restored guest goes on from the values of its
 * snapshot. With wait=1 it first waits, counting nothing, for a line on
 * the console (serial interrupt), prints "counter: go" and counts (with
 * limit=0 it exits right there, code 0x41).
 */
#include "conwait.h"
#include "smp.h"

#define VEC_TIMER  0x31
#define VEC_COM1   0x30
#define TRAMP_BASE 0x10000
#define MAX_APS	   15
#define CODE_BASE  0x40

extern const u8 counter_tramp[], counter_tramp_next[], counter_tramp_counts[];
extern const u8 counter_tramp_end[];

struct counter {
	volatile u32 ticks;
	volatile u32 *ap; /* the APs' counts, in the trampoline */
	u32 naps;
	u32 seen[MAX_APS]; /* AP counts at tick limit/2 */
};

static void start_aps(struct counter *c, u32 cpus)
{
	u32 i;

	c->naps = MIN(cpus ? cpus - 1 : 0, (u32)MAX_APS);
	memcpy((void *)TRAMP_BASE, counter_tramp,
	       counter_tramp_end - counter_tramp);
	c->ap = (volatile u32 *)(uintptr_t)(TRAMP_BASE + (counter_tramp_counts -
							  counter_tramp));
	barrier();
	for (i = 1; i <= c->naps; i++)
		smp_wake_ap((u8)i, TRAMP_BASE);
}

static void print_tick(struct counter *c, u32 n, u32 limit)
{
	u32 i;

	printf("counter: %u", n);
	for (i = 0; i < c->naps; i++)
		printf(" cpu%u=%u", i + 1, c->ap[i]);
	putc('\n');
	if (n == limit / 2)
		for (i = 0; i < c->naps; i++)
			c->seen[i] = c->ap[i];
}

/* The APs whose count moved since tick limit/2. */
static u32 alive(const struct counter *c)
{
	u32 i, n = 0;

	for (i = 0; i < c->naps; i++)
		n += c->ap[i] != c->seen[i];
	return n;
}

int guest_main(const struct hvm_start_info *si)
{
	struct irq_table t;
	struct counter c;
	u32 limit = 200, tick = 20, cpus = 1, wait = 0, n = 0;
	const char *cmd = cmdline(si);

	memset(&c, 0, sizeof(c));
	cmdline_get_uint(cmd, "limit", &limit);
	cmdline_get_uint(cmd, "tick", &tick);
	cmdline_get_uint(cmd, "cpus", &cpus);
	cmdline_get_uint(cmd, "wait", &wait);
	irq_init(&t);
	irq_set_handler(&t, VEC_TIMER, irq_count_eoi, (void *)&c.ticks);
	if (cpus > 1)
		start_aps(&c, cpus);
	if (wait) {
		puts("counter: waiting for a line");
		con_wait_line(&t, VEC_COM1, NULL, 0);
		puts("counter: go");
		/* limit=0: nothing to count (the restore benchmark). */
		if (!limit)
			return CODE_BASE + 1;
	}
	lapic_timer_start(VEC_TIMER, tick * (LAPIC_TIMER_50MS / 50));
	/* One line per tick, none skipped when two come close together. */
	while (n < limit) {
		if (c.ticks == n) {
			irq_wait();
			continue;
		}
		print_tick(&c, ++n, limit);
	}
	irq_fini();
	printf("counter: done at %u, %u of %u CPUs counting\n", n,
	       1 + alive(&c), 1 + c.naps);
	return CODE_BASE + 1 + (int)alive(&c);
}
