// SPDX-License-Identifier: MIT
/*
 * Unit tests of the kernel command line builder (vmm/machine/cmdline.c).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "vmm/machine/cmdline.h"
#include "vmm/config/config.h"
#include "vmm/base/types.h"

static char out[256];
static struct err err;

Test(cmdline, default_when_user_gave_none)
{
	cr_assert_eq(cmdline_build(out, sizeof(out), NULL, NULL, &err), 0);
	cr_assert_str_eq(out, DEFAULT_CMDLINE);
}

Test(cmdline, user_line_is_kept_verbatim_and_can_be_empty)
{
	cr_assert_eq(cmdline_build(out, sizeof(out), "root=/dev/vda  quiet",
				   NULL, &err), 0);
	cr_assert_str_eq(out, "root=/dev/vda  quiet");
	cr_assert_eq(cmdline_build(out, sizeof(out), "", NULL, &err), 0);
	cr_assert_str_eq(out, "");
}

Test(cmdline, additions_follow_and_user_keys_win)
{
	const char *const extra[] = { "reboot=acpi", "noapictimer", "pci=off",
				      NULL };

	cr_assert_eq(cmdline_build(out, sizeof(out), "console=ttyS0 pci=on",
				   extra, &err), 0);
	cr_assert_str_eq(out, "console=ttyS0 pci=on reboot=acpi noapictimer");
	cr_assert_eq(cmdline_build(out, sizeof(out), "", extra, &err), 0);
	cr_assert_str_eq(out, "reboot=acpi noapictimer pci=off");
}

Test(cmdline, key_match_is_whole_word)
{
	cr_assert(cmdline_has_key("a=1 console=ttyS0", "console=hvc0"));
	cr_assert(cmdline_has_key("quiet", "quiet"));
	cr_assert_not(cmdline_has_key("earlyconsole=x", "console=y"));
	cr_assert_not(cmdline_has_key("consoles", "console"));
	cr_assert(cmdline_has_key("\tnoapic\n", "noapic"));
}

Test(cmdline, length_limit_counts_the_nul)
{
	const char *const extra[] = { "b=2", NULL };
	char small[8];

	/* "a=1 b=2" is 7 bytes + NUL = 8: fits exactly. */
	cr_assert_eq(cmdline_build(small, sizeof(small), "a=1", extra, &err), 0);
	cr_assert_str_eq(small, "a=1 b=2");
	cr_assert_eq(cmdline_build(small, sizeof(small), "a=12", extra, &err), -E2BIG);
	cr_assert_str_eq(small, "");
	cr_assert(strstr(err.msg, "longer than 7 bytes"), "%s", err.msg);
	cr_assert_eq(cmdline_build(small, sizeof(small), "123456789", NULL,
				   &err), -E2BIG);
}
