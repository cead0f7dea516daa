// SPDX-License-Identifier: MIT
/* squeeze exec options (vmm/config/exec_config.c) and the console tail. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "vmm/base/linetail.h"
#include "vmm/config/exec_config.h"

static int parse(struct exec_config *c, struct err *err, char **argv)
{
	int argc = 0;

	while (argv[argc])
		argc++;
	return exec_config_parse(c, argc, argv, err);
}

Test(exec_config, options_and_command)
{
	char *argv[] = { "--kernel",  "k",	   "--memory=512M",
			 "--timeout", "2.5",	   "--env",
			 "A=b c",     "--env",	   "E=",
			 "--cwd",     "/srv",	   "--modules",
			 "m",	      "--verbose", "--",
			 "sh",	      "-c",	   "--timeout 3",
			 "",	      NULL };
	struct exec_config c;
	struct err err;

	cr_assert_eq(parse(&c, &err, argv), 0, "%s", err.msg);
	cr_assert_str_eq(c.vm.kernel, "k");
	cr_assert_eq(c.vm.mem_size, 512 * MiB);
	cr_assert(c.vm.verbose);
	cr_assert_eq(c.timeout_ms, 2500);
	cr_assert_eq(c.nr_env, 2);
	cr_assert_str_eq(c.env[0], "A=b c");
	cr_assert_str_eq(c.env[1], "E=");
	cr_assert_str_eq(c.cwd, "/srv");
	cr_assert_str_eq(c.modules_dir, "m");
	cr_assert_str_eq(c.root, "host");
	/* Everything after -- is the command, options or not. */
	cr_assert_eq(c.argc, 4);
	cr_assert_str_eq(c.argv[2], "--timeout 3");
	cr_assert_str_eq(c.argv[3], "");
	exec_config_free(&c);
}

Test(exec_config, refusals_are_one_line)
{
	static char *cases[][6] = {
		{ "--kernel", "k", NULL },
		{ "--kernel", "k", "--", NULL },
		{ "--kernel", "k", "--initrd", "i", "--", "true" },
		{ "--kernel", "k", "--cmdline", "x", "--", "true" },
		{ "--kernel", "k", "--timeout", "0", "--", "true" },
		{ "--kernel", "k", "--timeout", "x", "--", "true" },
		{ "--kernel", "k", "--env", "=v", "--", "true" },
		{ "--kernel", "k", "--cwd", "rel", "--", "true" },
		{ "--kernel", "k", "stray", "--", "true", NULL },
		{ "--", "true", NULL },
	};
	struct exec_config c;
	struct err err;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		memset(&err, 0, sizeof(err));
		cr_assert_lt(parse(&c, &err, cases[i]), 0, "case %u", i);
		cr_assert_eq(err.class, ERR_INPUT, "case %u", i);
		cr_assert_null(strchr(err.msg, '\n'));
		exec_config_free(&c);
	}
}

Test(linetail, keeps_the_last_lines)
{
	struct linetail t = { 0 };
	char line[32];
	int i;

	cr_assert_null(linetail_get(&t, 0));
	for (i = 0; i < 30; i++) {
		snprintf(line, sizeof(line), "line %d\r\n", i);
		linetail_add(&t, (const u8 *)line, strlen(line));
	}
	linetail_add(&t, (const u8 *)"partial", 7);
	cr_assert_str_eq(linetail_get(&t, 0), "line 11");
	cr_assert_str_eq(linetail_get(&t, 18), "line 29");
	cr_assert_str_eq(linetail_get(&t, 19), "partial");
	cr_assert_null(linetail_get(&t, 20));
}
