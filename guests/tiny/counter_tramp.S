/* SPDX-License-Identifier: MIT */
/*
 * Real-mode entry of the counter guest's application processors: each AP
 * takes a slot (a locked exchange-and-add on counter_tramp_next) and then
 * counts in its own 32-bit word of counter_tramp_counts for ever, with a
 * short delay between counts. Everything lives in the trampoline's page,
 * reached through CS (DS is 0 after INIT). The BSP reads the counts.
 */
	.section .rodata.counter_tramp, "a"
	.code16
	.balign	16
	.globl	counter_tramp, counter_tramp_next, counter_tramp_counts
	.globl	counter_tramp_end
counter_tramp:
	cli
	movw	$1, %ax
	lock xaddw %ax, %cs:(counter_tramp_next - counter_tramp)
	movw	%ax, %bx
	shlw	$2, %bx
1:	lock incl %cs:(counter_tramp_counts - counter_tramp)(%bx)
	movw	$200, %cx
2:	loop	2b
	jmp	1b

	.balign	4
counter_tramp_next:
	.word	0
	.word	0
counter_tramp_counts:
	.fill	16, 4, 0		/* one word per AP */
counter_tramp_end:
	.code64
