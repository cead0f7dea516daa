// SPDX-License-Identifier: MIT
/* `squeeze run` options into struct vm_config; syntax and ranges only. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/config/config.h"
#include "vmm/base/err.h"
#include "vmm/base/log.h"
#include "vmm/base/size.h"

static void config_defaults(struct vm_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->mem_size = DEFAULT_MEM_SIZE;
	cfg->cpus = 1;
	cfg->console = CONSOLE_STDIO;
}

static int parse_memory(struct vm_config *cfg, const char *v, struct err *err)
{
	char min[16], max[16];
	int ret = parse_size(v, &cfg->mem_size);

	format_size(CONFIG_MIN_MEM, min, sizeof(min));
	format_size(CONFIG_MAX_MEM, max, sizeof(max));
	if (ret == -EINVAL)
		return err_input(err, -EINVAL,
				 "--memory '%s' is not a size (bytes, or a number with K, M, G or T)",
				 v);
	if (ret || cfg->mem_size > CONFIG_MAX_MEM)
		return err_input(err, -EINVAL,
				 "--memory %s is more than the maximum of %s", v,
				 max);
	if (cfg->mem_size < CONFIG_MIN_MEM)
		return err_input(err, -EINVAL,
				 "--memory %s is less than the minimum of %s", v,
				 min);
	/* KVM memory slots are page granular. */
	if (!IS_ALIGNED(cfg->mem_size, 4096))
		return err_input(err, -EINVAL,
				 "--memory %s is not a multiple of 4K", v);
	return 0;
}

static int parse_cpus(struct vm_config *cfg, const char *v, struct err *err)
{
	unsigned long n;
	char *end;

	errno = 0;
	n = strtoul(v, &end, 10);
	if (*v < '0' || *v > '9' || *end || errno)
		return err_input(err, -EINVAL,
				 "--cpus '%s' is not a number", v);
	if (n == 0)
		return err_input(err, -EINVAL,
				 "--cpus 0: a VM needs at least one vCPU");
	if (n > CONFIG_MAX_CPUS)
		return err_input(err, -EINVAL,
				 "--cpus %s is more than the maximum of %d", v,
				 CONFIG_MAX_CPUS);
	cfg->cpus = n;
	return 0;
}

static int parse_console(struct vm_config *cfg, const char *v, struct err *err)
{
	if (!strcmp(v, "stdio")) {
		cfg->console = CONSOLE_STDIO;
	} else if (!strcmp(v, "none")) {
		cfg->console = CONSOLE_NONE;
	} else if (!strncmp(v, "file=", 5)) {
		if (!v[5])
			return err_input(err, -EINVAL,
					 "--console file= needs a PATH");
		cfg->console = CONSOLE_FILE;
		cfg->console_path = v + 5;
	} else {
		return err_input(err, -EINVAL,
				 "--console '%s': expected stdio, none or file=PATH",
				 v);
	}
	return 0;
}

static int add_disk(struct vm_config *cfg, char *v, struct err *err)
{
	if (cfg->nr_disks == CONFIG_MAX_DISKS)
		return err_input(err, -EINVAL,
				 "--disk: at most %d disks", CONFIG_MAX_DISKS);
	return config_parse_disk(&cfg->disk[cfg->nr_disks++], v, err);
}

static int add_net(struct vm_config *cfg, char *v, struct err *err)
{
	if (cfg->nr_nets == CONFIG_MAX_NETS)
		return err_input(err, -EINVAL,
				 "--net: at most %d network interfaces",
				 CONFIG_MAX_NETS);
	return config_parse_net(&cfg->net[cfg->nr_nets++], v, err);
}

static int set_string(const char **dst, const char *opt, const char *v,
		      struct err *err)
{
	if (!*v)
		return err_input(err, -EINVAL,
				 "%s needs a non-empty value", opt);
	*dst = v;
	return 0;
}

/* Apply option @opt (with its leading dashes) taking value @v. */
static int apply_option(struct vm_config *cfg, const char *opt, char *v,
			struct err *err)
{
	if (!strcmp(opt, "--kernel"))
		return set_string(&cfg->kernel, opt, v, err);
	if (!strcmp(opt, "--initrd"))
		return set_string(&cfg->initrd, opt, v, err);
	if (!strcmp(opt, "--cmdline")) {
		cfg->cmdline = v;
		return 0;
	}
	if (!strcmp(opt, "--memory"))
		return parse_memory(cfg, v, err);
	if (!strcmp(opt, "--cpus"))
		return parse_cpus(cfg, v, err);
	if (!strcmp(opt, "--console"))
		return parse_console(cfg, v, err);
	if (!strcmp(opt, "--disk"))
		return add_disk(cfg, v, err);
	if (!strcmp(opt, "--net"))
		return add_net(cfg, v, err);
	return err_input(err, -EINVAL, "unknown option '%s'", opt);
}

static bool takes_value(const char *opt)
{
	static const char *const with_value[] = {
		"--kernel", "--initrd", "--cmdline", "--memory", "--cpus",
		"--console", "--disk", "--net",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(with_value); i++)
		if (!strcmp(opt, with_value[i]))
			return true;
	return false;
}

/* Handle argv[*i] ("--opt VALUE" or "--opt=VALUE"); advances *i. */
static int parse_one(struct vm_config *cfg, int argc, char **argv, int *i,
		     struct err *err)
{
	char opt[32], *arg = argv[*i], *eq = strchr(arg, '=');
	size_t n = eq ? (size_t)(eq - arg) : strlen(arg);

	if (!strcmp(arg, "--help") || !strcmp(arg, "-h"))
		return CONFIG_HELP;
	if (!strcmp(arg, "--verbose") || !strcmp(arg, "-v")) {
		cfg->verbose = true;
		return 0;
	}
	if (strncmp(arg, "--", 2) || n >= sizeof(opt))
		return err_input(err, -EINVAL,
				 "unexpected argument '%s'", arg);
	memcpy(opt, arg, n);
	opt[n] = '\0';
	if (!takes_value(opt))
		return err_input(err, -EINVAL, "unknown option '%s'",
				 opt);
	if (eq)
		return apply_option(cfg, opt, eq + 1, err);
	if (*i + 1 >= argc)
		return err_input(err, -EINVAL, "%s needs a value", opt);
	*i += 1;
	return apply_option(cfg, opt, argv[*i], err);
}

int config_parse(struct vm_config *cfg, int argc, char **argv, struct err *err)
{
	int i, ret;

	config_defaults(cfg);
	for (i = 0; i < argc; i++) {
		ret = parse_one(cfg, argc, argv, &i, err);
		if (ret)
			return ret;
	}
	if (!cfg->kernel)
		return err_input(err, -EINVAL,
				 "--kernel PATH is required");
	return 0;
}
