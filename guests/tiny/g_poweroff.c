// SPDX-License-Identifier: MIT
/*
 * poweroff: ACPI S5 by writing SLP_TYP | SLP_EN to PM1a_CNT. A real OS
 * takes the port from the FADT and SLP_TYP from \_S5 in the DSDT; this
 * guest hard-codes squeeze's layout (firmware/layout.h). If the VM is
 * still running afterwards, it says so and exits with 0x3e.
 * With wait=1 it first waits for a console line by COM1's interrupt
 * (conwait.h) and prints its length and CRC-32, so that the snapshot
 * tests can restore it there and feed it a line that fills the serial
 * FIFO: squeeze must take all of it, and still stop at the S5 after.
 */
#include "conwait.h"

#define VEC_COM1 0x33

static void wait_line(struct irq_table *t)
{
	char line[512];
	u32 irqs, len;

	irq_init(t);
	puts("poweroff guest: waiting for a line");
	irqs = con_wait_line(t, VEC_COM1, line, sizeof(line));
	irq_fini();
	len = strlen(line);
	printf("poweroff guest: a line of %u bytes, crc32 %08x, after %u serial interrupts\n",
	       len, crc32(0, line, len), irqs);
}

int guest_main(const struct hvm_start_info *si)
{
	struct irq_table t; /* the IDT: valid until exit */
	u32 wait;

	if (cmdline_get_uint(cmdline(si), "wait", &wait) && wait)
		wait_line(&t);
	puts("poweroff guest: ACPI S5");
	outw(PORT_PM1A_CNT, (ACPI_S5_SLP_TYP << 10) | PM1_SLP_EN);
	puts("poweroff guest: still alive");
	return 0x3e;
}
