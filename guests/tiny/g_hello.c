// SPDX-License-Identifier: MIT
/*
 * hello: one line on COM1, then exit(0) through the debug-exit port
 * (status 1). Also the boot benchmark's guest: the same image runs on
 * squeeze and on QEMU microvm with isa-debug-exit.
 */
#include "lib.h"

int guest_main(const struct hvm_start_info *si)
{
	(void)si;
	puts("Hello from a squeeze guest");
	return 0;
}
