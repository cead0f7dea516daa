// SPDX-License-Identifier: MIT
/* Exercise 3: count the CPUs the MADT lists (README.md). */
#include "lib.h"

#define EX_NOT_DONE 0x7d

int guest_main(const struct hvm_start_info *si)
{
	/* TODO: RSDP at si->rsdp_paddr -> XSDT -> "APIC" -> count enabled
	 * type 0 and type 9 entries; print "exercise 3: N CPUs"; return N. */
	(void)si;
	puts("exercise 3: not done yet");
	return EX_NOT_DONE;
}
