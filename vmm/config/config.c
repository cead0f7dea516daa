// SPDX-License-Identifier: MIT
/* `squeeze run` options into struct vm_config; syntax and ranges only. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/config/config.h"
#include "vmm/config/domxml.h"
#include "vmm/base/err.h"
#include "vmm/base/log.h"
#include "vmm/base/size.h"
#include "vmm/core/layout.h"
#include "vmm/core/trace.h"

void config_defaults(struct vm_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->mem_size = DEFAULT_MEM_SIZE;
	cfg->cpus = 1;
	cfg->console = CONSOLE_STDIO;
	cfg->cmdline = DEFAULT_CMDLINE;
}

static int parse_memory(struct vm_config *cfg, const char *v, struct err *err)
{
	char min[16], max[16];
	int ret = parse_size(v, &cfg->mem_size);

	format_size(CONFIG_MIN_MEM, min, sizeof(min));
	format_size(CONFIG_MAX_MEM, max, sizeof(max));
	if (ret == -EINVAL)
		return err_input(
			err, -EINVAL,
			"--memory '%s' is not a size (bytes, or a number with K, M, G or T)",
			v);
	if (ret || cfg->mem_size > CONFIG_MAX_MEM)
		return err_input(err, -EINVAL,
				 "--memory %s is more than the maximum of %s",
				 v, max);
	if (cfg->mem_size < CONFIG_MIN_MEM)
		return err_input(err, -EINVAL,
				 "--memory %s is less than the minimum of %s",
				 v, min);
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
		return err_input(err, -EINVAL, "--cpus '%s' is not a number",
				 v);
	if (n == 0)
		return err_input(err, -EINVAL,
				 "--cpus 0: a VM needs at least one vCPU");
	if (n > ACPI_MAX_CPUS)
		return err_input(err, -EINVAL,
				 "--cpus %s is more than the maximum of %d", v,
				 ACPI_MAX_CPUS);
	cfg->cpus = n;
	return 0;
}

static int parse_console(struct vm_config *cfg, const char *v, struct err *err)
{
	if (!strcmp(v, "stdio")) {
		cfg->console = CONSOLE_STDIO;
	} else if (!strcmp(v, "none")) {
		cfg->console = CONSOLE_NONE;
	} else if (!strcmp(v, "pty")) {
		cfg->console = CONSOLE_PTY;
	} else if (!strncmp(v, "file=", 5)) {
		if (!v[5])
			return err_input(err, -EINVAL,
					 "--console file= needs a PATH");
		cfg->console = CONSOLE_FILE;
		cfg->console_path = v + 5;
	} else {
		return err_input(
			err, -EINVAL,
			"--console '%s': expected stdio, none, pty or file=PATH",
			v);
	}
	return 0;
}

/* Printable, no '/', at most CONFIG_NAME_MAX bytes: it names taps too. */
static int parse_name(struct vm_config *cfg, const char *v, struct err *err)
{
	const unsigned char *p;

	if (!*v)
		return err_input(err, -EINVAL,
				 "--name needs a non-empty value");
	if (strlen(v) > CONFIG_NAME_MAX)
		return err_input(err, -EINVAL,
				 "--name '%.16s...' is longer than %d bytes", v,
				 CONFIG_NAME_MAX);
	for (p = (const unsigned char *)v; *p; p++)
		if (*p < 0x20 || *p == 0x7f || *p == '/')
			return err_input(
				err, -EINVAL,
				"--name: '/' and control characters are not allowed");
	cfg->name = v;
	return 0;
}

const char *config_action_name(enum vm_action a)
{
	return a == VM_ACTION_RESTART ? "restart" : "destroy";
}

static int parse_action(enum vm_action *a, const char *opt, const char *v,
			struct err *err)
{
	if (!strcmp(v, "destroy"))
		*a = VM_ACTION_DESTROY;
	else if (!strcmp(v, "restart"))
		*a = VM_ACTION_RESTART;
	else
		return err_input(err, -EINVAL,
				 "%s '%s': expected destroy or restart", opt,
				 v);
	return 0;
}

static int add_disk(struct vm_config *cfg, char *v, struct err *err)
{
	if (cfg->nr_disks == CONFIG_MAX_DISKS)
		return err_input(err, -EINVAL, "--disk: at most %d disks",
				 CONFIG_MAX_DISKS);
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

static int add_fs(struct vm_config *cfg, char *v, struct err *err)
{
	unsigned int i;
	int ret;

	if (cfg->nr_fs == CONFIG_MAX_FS)
		return err_input(err, -EINVAL,
				 "--fs: at most %d shared directories",
				 CONFIG_MAX_FS);
	ret = config_parse_fs(&cfg->fs[cfg->nr_fs], v, err);
	if (ret)
		return ret;
	/* The guest mounts by tag: two alike could not be told apart. */
	for (i = 0; i < cfg->nr_fs; i++)
		if (!strcmp(cfg->fs[i].tag, cfg->fs[cfg->nr_fs].tag))
			return err_input(err, -EINVAL,
					 "--fs: tag '%s' is used twice",
					 cfg->fs[i].tag);
	cfg->nr_fs++;
	return 0;
}

/* --trace or --trace=pio,mmio,...: which events to print. */
static int parse_trace(struct vm_config *cfg, const char *v, struct err *err)
{
	const char *bad = v;

	if (trace_parse_classes(v, &cfg->trace, &bad))
		return err_input(
			err, -EINVAL,
			"--trace=%s: unknown class '%.*s' (pio, mmio, pci, virtio, irq, io, vm or all)",
			v, (int)strcspn(bad, ","), bad);
	return 0;
}

static int set_string(const char **dst, const char *opt, const char *v,
		      struct err *err)
{
	if (!*v)
		return err_input(err, -EINVAL, "%s needs a non-empty value",
				 opt);
	*dst = v;
	return 0;
}

/* Apply option @opt (with its leading dashes) taking value @v. */
int config_apply_option(struct vm_config *cfg, const char *opt, char *v,
			struct err *err)
{
	if (!strcmp(opt, "--kernel"))
		return set_string(&cfg->kernel, opt, v, err);
	if (!strcmp(opt, "--initrd"))
		return set_string(&cfg->initrd, opt, v, err);
	if (!strcmp(opt, "--cmdline")) {
		if (strlen(v) >= LAYOUT_CMDLINE_MAX)
			return err_input(
				err, -E2BIG,
				"--cmdline is %zu bytes, more than any kernel takes (%llu)",
				strlen(v), LAYOUT_CMDLINE_MAX - 1);
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
	if (!strcmp(opt, "--name"))
		return parse_name(cfg, v, err);
	if (!strcmp(opt, "--on-poweroff"))
		return parse_action(&cfg->on_poweroff, opt, v, err);
	if (!strcmp(opt, "--on-reboot"))
		return parse_action(&cfg->on_reboot, opt, v, err);
	if (!strcmp(opt, "--on-crash"))
		return parse_action(&cfg->on_crash, opt, v, err);
	if (!strcmp(opt, "--domain"))
		return 0; /* read first, by config_parse() */
	if (!strcmp(opt, "--fs"))
		return add_fs(cfg, v, err);
	if (!strcmp(opt, "--seccomp")) {
		if (strcmp(v, "on") && strcmp(v, "off"))
			return err_input(err, -EINVAL,
					 "--seccomp '%s': expected on or off",
					 v);
		cfg->no_seccomp = !strcmp(v, "off");
		return 0;
	}
	if (!strcmp(opt, "--control"))
		return set_string(&cfg->control, opt, v, err);
	if (!strcmp(opt, "--trace-file"))
		return set_string(&cfg->trace_file, opt, v, err);
	return err_input(err, -EINVAL, "unknown option '%s'", opt);
}

static bool takes_value(const char *opt)
{
	static const char *const with_value[] = {
		"--kernel",	"--initrd",	 "--cmdline",	"--memory",
		"--cpus",	"--console",	 "--disk",	"--net",
		"--name",	"--on-poweroff", "--on-reboot", "--on-crash",
		"--domain",	"--fs",		 "--seccomp",	"--control",
		"--trace-file",
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
	if (!strcmp(arg, "--stats")) {
		cfg->stats = true;
		return 0;
	}
	if (!strcmp(arg, "--trace") || !strncmp(arg, "--trace=", 8))
		return parse_trace(cfg, arg[7] ? arg + 8 : "all", err);
	if (strncmp(arg, "--", 2) || n >= sizeof(opt))
		return err_input(err, -EINVAL, "unexpected argument '%s'", arg);
	memcpy(opt, arg, n);
	opt[n] = '\0';
	if (!takes_value(opt))
		return err_input(err, -EINVAL, "unknown option '%s'", opt);
	if (eq)
		return config_apply_option(cfg, opt, eq + 1, err);
	if (*i + 1 >= argc)
		return err_input(err, -EINVAL, "%s needs a value", opt);
	*i += 1;
	return config_apply_option(cfg, opt, argv[*i], err);
}

/*
 * The FILE of --domain FILE (or --domain=FILE) in @argv, walking it as
 * parse_one() does so that a value is never taken for an option; NULL if
 * there is none, or -EINVAL when there are two.
 */
static int find_domain(int argc, char **argv, const char **path,
		       struct err *err)
{
	int i;

	*path = NULL;
	for (i = 0; i < argc; i++) {
		const char *arg = argv[i], *eq = strchr(arg, '=');
		const char *found = NULL;

		if (!strncmp(arg, "--domain=", 9))
			found = arg + 9;
		else if (!strcmp(arg, "--domain") && i + 1 < argc)
			found = argv[++i];
		else if (!eq && takes_value(arg))
			i++;
		if (found && *path)
			return err_input(
				err, -EINVAL,
				"--domain: only one domain XML file per run");
		if (found)
			*path = found;
	}
	return 0;
}

static int parse_args(struct vm_config *cfg, int argc, char **argv,
		      struct err *err)
{
	int i, ret;

	for (i = 0; i < argc; i++) {
		ret = parse_one(cfg, argc, argv, &i, err);
		if (ret)
			return ret;
	}
	return 0;
}

/* The domain's options first: the command line's own override them. */
static int parse_domain(struct vm_config *cfg, const char *path,
			struct err *err)
{
	int ret;

	if (!*path)
		return err_input(err, -EINVAL, "--domain needs a FILE");
	cfg->domain = calloc(1, sizeof(*cfg->domain));
	if (!cfg->domain)
		return err_host(err, -ENOMEM, "out of memory");
	ret = domxml_load(cfg->domain, path, err);
	if (ret)
		return ret;
	return parse_args(cfg, cfg->domain->argc, cfg->domain->argv, err);
}

int config_parse(struct vm_config *cfg, int argc, char **argv, struct err *err)
{
	const char *domain;
	int ret;

	config_defaults(cfg);
	ret = find_domain(argc, argv, &domain, err);
	if (!ret && domain)
		ret = parse_domain(cfg, domain, err);
	if (!ret)
		ret = parse_args(cfg, argc, argv, err);
	if (ret)
		return ret;
	if (!cfg->kernel && cfg->domain)
		return err_input(err, -EINVAL, "%s", cfg->domain->no_kernel);
	if (!cfg->kernel)
		return err_input(err, -EINVAL, "--kernel PATH is required");
	return 0;
}

void config_free(struct vm_config *cfg)
{
	if (cfg->domain)
		domxml_free(cfg->domain);
	free(cfg->domain);
	cfg->domain = NULL;
}

int config_check_option(const char *opt, const char *value, struct err *err)
{
	struct vm_config scratch;
	char *copy = strdup(value); /* --disk splits its value in place */
	int ret;

	if (!copy)
		return err_host(err, -ENOMEM, "out of memory");
	config_defaults(&scratch);
	ret = config_apply_option(&scratch, opt, copy, err);
	free(copy);
	return ret;
}
