// SPDX-License-Identifier: MIT
/*
 * Unit tests of the register dump printed when a vCPU fails.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "vmm/kvm/vcpu_dump.h"

static struct kvm_regs regs = {
	.rax = 0x1111,
	.rip = 0xffffffff81000000ULL,
	.rflags = 0x10002,
	.r15 = 0xf15,
};
static struct kvm_sregs sregs = {
	.cs = { .selector = 0x10,
		.type = 11,
		.present = 1,
		.s = 1,
		.l = 1,
		.limit = 0xffffffff,
		.g = 1 },
	.cr0 = 0x80000031,
	.cr3 = 0x9000,
	.cr4 = 0x20,
	.efer = 0x500,
	.gdt = { .base = 0x500, .limit = 0x27 },
};

Test(vcpu_dump, every_group_is_there)
{
	char buf[VCPU_DUMP_LEN];

	vcpu_format_regs(buf, sizeof(buf), &regs, &sregs);
	cr_assert(strstr(buf, "RAX=0000000000001111"), "%s", buf);
	cr_assert(strstr(buf, "R15=0000000000000f15"));
	cr_assert(strstr(buf, "\nRIP=ffffffff81000000 RFLAGS=00010002\n"));
	cr_assert(strstr(
		buf,
		"CS =0010 base=0000000000000000 limit=ffffffff type=b s=1 dpl=0 p=1 db=0 l=1 g=1\n"));
	cr_assert(strstr(buf, "SS =0000"));
	cr_assert(strstr(buf, "LDT=0000"));
	cr_assert(strstr(buf, "GDT=0000000000000500/0027"));
	cr_assert(strstr(
		buf,
		"CR0=80000031 CR2=0000000000000000 CR3=0000000000009000 CR4=00000020"));
	cr_assert(strstr(buf, "EFER=00000500"));
}

Test(vcpu_dump, truncates_safely)
{
	char buf[64 + 8];

	memset(buf, 'Z', sizeof(buf));
	vcpu_format_regs(buf, 64, &regs, &sregs);
	cr_assert_eq(strlen(buf), 63);
	cr_assert_eq(buf[64], 'Z', "wrote past the given length");
	vcpu_format_regs(buf, 0, &regs, &sregs);
	cr_assert_eq(buf[0], 'R', "a zero-length buffer is left alone");
}
