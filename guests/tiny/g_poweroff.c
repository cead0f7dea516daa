// SPDX-License-Identifier: MIT
/*
 * poweroff: ACPI S5 by writing SLP_TYP | SLP_EN to PM1a_CNT. A real OS
 * takes the port from the FADT and SLP_TYP from \_S5 in the DSDT; this
 * guest hard-codes squeeze's layout (firmware/layout.h). If the VM is
 * still running afterwards, it says so and exits with 0x3e.
 */
#include "lib.h"

int guest_main(const struct hvm_start_info *si)
{
	(void)si;
	puts("poweroff guest: ACPI S5");
	outw(PORT_PM1A_CNT, (ACPI_S5_SLP_TYP << 10) | PM1_SLP_EN);
	puts("poweroff guest: still alive");
	return 0x3e;
}
