/* SPDX-License-Identifier: MIT */
#ifndef TINY_CONWAIT_H
#define TINY_CONWAIT_H

/*
 * Waiting for a line on the console by interrupt, not by polling: COM1's
 * received-data interrupt through IOAPIC pin 4, the CPU asleep in
 * sti; hlt between interrupts. The snapshot tests park guests here.
 */
#include "irq.h"

/*
 * Route COM1 to @vector on this CPU, wait until a '\n' came in, then mask
 * it again. Up to @len - 1 bytes of the line (without the newline) go to
 * @buf, NUL-terminated. Returns the number of COM1 interrupts taken.
 */
u32 con_wait_line(struct irq_table *t, u8 vector, char *buf, u32 len);

#endif
