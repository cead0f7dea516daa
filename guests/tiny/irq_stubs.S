/* SPDX-License-Identifier: MIT */
/*
 * Interrupt entry stubs for vectors 0..63 (see irq.h). Each stub pushes a
 * zero error code where the CPU pushes none, so every frame looks alike,
 * then its vector, and jumps to irq_common, which saves the registers the
 * C ABI lets irq_dispatch() clobber and calls it with the frame.
 *
 * Stack alignment: the CPU aligns RSP to 16 before pushing its 5 words;
 * error code + vector + 9 registers make 16 words, so RSP is 16-aligned
 * again at the call.
 */
#define IRQ_NR_VECTORS	64

	.altmacro
	.section .text.irq_stubs, "ax"
	.code64

.macro	stub vec
irq_stub_\vec:
	/* #DF, #TS, #NP, #SS, #GP, #PF, #AC push an error code. */
	.if !(\vec == 8 || (\vec >= 10 && \vec <= 14) || \vec == 17)
	pushq	$0
	.endif
	pushq	$\vec
	jmp	irq_common
.endm

	.set	v, 0
	.rept	IRQ_NR_VECTORS
	stub	%v
	.set	v, v + 1
	.endr

irq_common:
	pushq	%rax
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	movq	%rsp, %rdi
	cld
	call	irq_dispatch
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rax
	addq	$16, %rsp		/* vector, error code */
	iretq

	.section .rodata.irq_stubs, "a"
	.balign	8
	.globl	irq_stub_table
irq_stub_table:
.macro	stub_addr vec
	.quad	irq_stub_\vec
.endm
	.set	v, 0
	.rept	IRQ_NR_VECTORS
	stub_addr %v
	.set	v, v + 1
	.endr

	.section .note.GNU-stack, "", @progbits
