/* SPDX-License-Identifier: MIT */
/*
 * PVH entry for the tiny guests.
 *
 * The VMM enters pvh_start in 32-bit protected mode with paging off and
 * EBX = physical address of struct hvm_start_info. We load our own GDT
 * (the selectors the VMM used are not ours to rely on), switch to long
 * mode on static identity page tables and call tiny_entry(start_info).
 *
 * The page tables are assembled into the image rather than built at run
 * time: filling 2048 entries would cost milliseconds under emulation.
 */

#define XEN_ELFNOTE_PHYS32_ENTRY	18
#define MSR_EFER			0xc0000080
#define EFER_LME			(1 << 8)
#define CR0_PE				(1 << 0)
#define CR0_PG				(1 << 31)
#define CR4_PAE				(1 << 5)
#define SEL_CODE64			0x08
#define SEL_DATA			0x10
#define STACK_SIZE			16384

	.section .note.Xen, "a"
	.balign 4
	.long	4			/* namesz: "Xen\0" */
	.long	4			/* descsz */
	.long	XEN_ELFNOTE_PHYS32_ENTRY
	.asciz	"Xen"
	.long	pvh_start

	.section .text.start, "ax"
	.code32
	.globl	pvh_start
pvh_start:
	cli
	lgdt	gdt_desc
	movl	$CR4_PAE, %eax
	movl	%eax, %cr4
	movl	$pml4, %eax
	movl	%eax, %cr3
	movl	$MSR_EFER, %ecx
	rdmsr
	orl	$EFER_LME, %eax
	wrmsr
	movl	%cr0, %eax
	orl	$(CR0_PG | CR0_PE), %eax
	movl	%eax, %cr0
	ljmp	$SEL_CODE64, $long_entry

	.code64
long_entry:
	movl	$SEL_DATA, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	$stack_top, %esp
	movl	%ebx, %edi		/* start_info is below 4 GiB */
	call	tiny_entry
1:	cli
	hlt
	jmp	1b

	.section .rodata
	.balign	8
gdt:
	.quad	0
	.quad	0x00af9a000000ffff	/* 0x08: 64-bit code, DPL 0 */
	.quad	0x00cf92000000ffff	/* 0x10: flat data, 4 GiB */
gdt_end:
gdt_desc:
	.word	gdt_end - gdt - 1
	.long	gdt

/*
 * Identity map of the first 4 GiB in 2 MiB pages. The top GiB (PCI MMIO
 * window, ECAM, IOAPIC, LAPIC) is mapped uncached.
 */
#define PTE_P		0x001
#define PTE_RW		0x002
#define PTE_PWT		0x008
#define PTE_PCD		0x010
#define PTE_PS		0x080

	.section .data.pagetables, "aw"
	.balign	4096
pml4:
	.quad	pdpt + (PTE_P | PTE_RW)
	.fill	511, 8, 0
pdpt:
	.quad	pd + 0x0000 + (PTE_P | PTE_RW)
	.quad	pd + 0x1000 + (PTE_P | PTE_RW)
	.quad	pd + 0x2000 + (PTE_P | PTE_RW)
	.quad	pd + 0x3000 + (PTE_P | PTE_RW)
	.fill	508, 8, 0
pd:
	.set	i, 0
	.rept	1536
	.quad	(i << 21) + (PTE_P | PTE_RW | PTE_PS)
	.set	i, i + 1
	.endr
	.rept	512
	.quad	(i << 21) + (PTE_P | PTE_RW | PTE_PS | PTE_PWT | PTE_PCD)
	.set	i, i + 1
	.endr

	.section .data.stack, "aw"
	.balign	16
	.fill	STACK_SIZE, 1, 0
stack_top:

	.section .note.GNU-stack, "", @progbits
