// SPDX-License-Identifier: MIT
/*
 * `squeeze exec` options (vmm/config/exec_config.h): its own are taken
 * here, the run options it shares are handed to config_parse(), and the
 * ones that make no sense for exec (it builds its own initramfs, command
 * line and console) are refused by name.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/config/exec_config.h"

static const char *const shared[] = {
	"--kernel", "--memory", "--cpus", "--disk", "--net", "--fs", "--name",
};

static const char *const own[] = {
	"--root", "--modules", "--timeout", "--env", "--cwd",
};

static bool listed(const char *const *list, size_t n, const char *opt)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(opt, list[i]))
			return true;
	return false;
}

static int parse_timeout(struct exec_config *c, const char *v, struct err *err)
{
	char *end;
	double s;

	errno = 0;
	s = strtod(v, &end);
	if (errno || end == v || *end || !(s > 0) || s > 1e7)
		return err_input(
			err, -EINVAL,
			"--timeout '%s': expected seconds, more than 0", v);
	c->timeout_ms = (u64)(s * 1000 + 0.5);
	if (!c->timeout_ms)
		c->timeout_ms = 1;
	return 0;
}

static int parse_env(struct exec_config *c, const char *v, struct err *err)
{
	const char *eq = strchr(v, '=');

	if (!eq || eq == v || strcspn(v, "=") != (size_t)(eq - v))
		return err_input(err, -EINVAL,
				 "--env '%s': expected NAME=VALUE", v);
	if (c->nr_env == EXEC_MAX_ENV)
		return err_input(err, -EINVAL, "--env: at most %d",
				 EXEC_MAX_ENV);
	c->env[c->nr_env++] = v;
	return 0;
}

static int own_option(struct exec_config *c, const char *opt, const char *v,
		      struct err *err)
{
	if (!*v && strcmp(opt, "--env"))
		return err_input(err, -EINVAL, "%s needs a non-empty value",
				 opt);
	if (!strcmp(opt, "--root"))
		c->root = v;
	else if (!strcmp(opt, "--modules"))
		c->modules_dir = v;
	else if (!strcmp(opt, "--timeout"))
		return parse_timeout(c, v, err);
	else if (!strcmp(opt, "--env"))
		return parse_env(c, v, err);
	else if (v[0] != '/')
		return err_input(err, -EINVAL,
				 "--cwd %s: an absolute path is needed", v);
	else
		c->cwd = v;
	return 0;
}

/* Keep a shared option (and its value) for config_parse(). */
static int keep(struct exec_config *c, int *n, char *arg, struct err *err)
{
	if (*n + 1 >= EXEC_MAX_RUN_ARGS)
		return err_input(err, -EINVAL, "too many options");
	c->run_argv[(*n)++] = arg;
	return 0;
}

static int one(struct exec_config *c, int argc, char **argv, int *i, int *n,
	       struct err *err)
{
	char opt[32], *arg = argv[*i], *eq = strchr(arg, '=');
	size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
	const char *v;

	if (!strcmp(arg, "--help") || !strcmp(arg, "-h"))
		return CONFIG_HELP;
	if (!strcmp(arg, "--verbose") || !strcmp(arg, "-v") ||
	    !strcmp(arg, "--stats"))
		return keep(c, n, arg, err);
	if (strncmp(arg, "--", 2) || len >= sizeof(opt))
		return err_input(
			err, -EINVAL,
			"unexpected argument '%s' (the command goes after --)",
			arg);
	memcpy(opt, arg, len);
	opt[len] = 0;
	if (!listed(shared, ARRAY_SIZE(shared), opt) &&
	    !listed(own, ARRAY_SIZE(own), opt))
		return err_input(
			err, -EINVAL,
			"%s is not an exec option (squeeze exec --help)", opt);
	if (!eq && *i + 1 >= argc)
		return err_input(err, -EINVAL, "%s needs a value", opt);
	v = eq ? eq + 1 : argv[++*i];
	if (listed(own, ARRAY_SIZE(own), opt))
		return own_option(c, opt, v, err);
	if (keep(c, n, arg, err))
		return -EINVAL;
	return eq ? 0 : keep(c, n, argv[*i], err);
}

int exec_config_parse(struct exec_config *c, int argc, char **argv,
		      struct err *err)
{
	int i, n = 0, ret;

	memset(c, 0, sizeof(*c));
	c->root = "host";
	for (i = 0; i < argc && strcmp(argv[i], "--"); i++) {
		ret = one(c, argc, argv, &i, &n, err);
		if (ret)
			return ret;
	}
	if (i + 1 >= argc)
		return err_input(
			err, -EINVAL,
			"no command: squeeze exec [options] -- COMMAND [ARG]...");
	c->argv = argv + i + 1;
	c->argc = argc - i - 1;
	return config_parse(&c->vm, n, c->run_argv, err);
}

void exec_config_free(struct exec_config *c)
{
	config_free(&c->vm);
}
