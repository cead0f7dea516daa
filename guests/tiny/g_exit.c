// SPDX-License-Identifier: MIT
/*
 * exit: exits with the value of "code=N" on the command line (decimal or
 * 0x hex, 0..127 so that the status (N << 1) | 1 fits a process exit
 * status), else 0x21. Prints the code it will use.
 */
#include "lib.h"

#define DEFAULT_CODE 0x21

int guest_main(const struct hvm_start_info *si)
{
	u32 code = DEFAULT_CODE;

	if (!cmdline_get_uint(cmdline(si), "code", &code) || code > 127)
		code = DEFAULT_CODE;
	printf("exit guest: code %u\n", code);
	return (int)code;
}
