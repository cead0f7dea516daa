/* SPDX-License-Identifier: MIT */
/*
 * Real-mode entry of the smp guest's application processors.
 *
 * A STARTUP IPI with vector V starts an AP in real mode at V:0000 (CS =
 * V << 8, IP = 0). g_smp.c copies these bytes to a page below 1 MiB and
 * sends that page's number. The AP counts itself in smp_tramp_count, an
 * offset into the same page and so reached through CS (DS is still 0
 * after INIT), with a locked increment because the APs run at once; then
 * it halts with interrupts off, never touching the BSP's memory beyond
 * that word.
 */
	.section .rodata.smp_tramp, "a"
	.code16
	.balign	16
	.globl	smp_tramp, smp_tramp_count, smp_tramp_end
smp_tramp:
	cli
	lock incw %cs:(smp_tramp_count - smp_tramp)
1:	hlt
	jmp	1b

	.balign	2
smp_tramp_count:
	.word	0			/* the BSP sets it before the IPIs */
smp_tramp_end:
	.code64
