// SPDX-License-Identifier: MIT
/*
 * reset: pulse the CPU reset line through the i8042 controller (command
 * 0xfe). If the VM is still running afterwards, it says so and exits
 * with 0x3d.
 */
#include "lib.h"

#define I8042_PULSE_RESET 0xfe

int guest_main(const struct hvm_start_info *si)
{
	(void)si;
	puts("reset guest: i8042 reset");
	outb(PORT_I8042_CMD, I8042_PULSE_RESET);
	puts("reset guest: still alive");
	return 0x3d;
}
