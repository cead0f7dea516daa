// SPDX-License-Identifier: MIT
/*
 * triple: an empty IDT and ud2. #UD cannot be delivered, nor the #GP or
 * #DF that follow, so the CPU shuts down (a triple fault). ud2 rather
 * than int3: int3 is not reliable under the emulating KVM here.
 */
#include "lib.h"

struct __packed idt_ptr {
	u16 limit;
	u64 base;
};

int guest_main(const struct hvm_start_info *si)
{
	struct idt_ptr empty = { 0, 0 };

	(void)si;
	puts("triple guest: faulting");
	asm volatile("lidt %0; ud2" : : "m"(empty));
	puts("triple guest: still alive");
	return 0x3f;
}
