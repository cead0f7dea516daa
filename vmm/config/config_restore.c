// SPDX-License-Identifier: MIT
/*
 * The command line of `squeeze restore DIR`: the few options that may
 * differ from the snapshot's machine (config.h, config_parse_restore()).
 * Everything else, memory, vCPUs and each device's options, comes from
 * the snapshot; a restore may only move the disks (to an overlay) and the
 * network devices (to another tap or bridge, with another MAC).
 */
#include <errno.h>
#include <string.h>

#include "vmm/config/config.h"

static const char *const allowed[] = {
	"--control", "--console", "--disk", "--net", "--name",
};

/*
 * A disk override: the path, and what its file needs to be opened (an
 * overlay is format=qcow2, its backing name may need backing-dir=); the
 * device's own options are the snapshot's.
 */
static int check_disk(const struct blk_options *d, struct err *err)
{
	if (!d->disk.readonly && !d->disk.backing_off &&
	    d->disk.cache == DISK_CACHE_WRITEBACK && !d->serial[0] &&
	    !d->vhost_user)
		return 0;
	return err_input(
		err, -EINVAL,
		"restore --disk %s: only PATH[,format=raw|qcow2][,backing-dir=DIR] may be given; the disk's other options are the snapshot's",
		d->disk.path);
}

static bool is_allowed(const char *opt)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(allowed); i++)
		if (!strcmp(opt, allowed[i]))
			return true;
	return false;
}

static int flag(struct vm_config *cfg, const char *arg)
{
	if (!strcmp(arg, "--paused"))
		cfg->paused = true;
	else if (!strcmp(arg, "--stats"))
		cfg->stats = true;
	else if (!strcmp(arg, "--verbose") || !strcmp(arg, "-v"))
		cfg->verbose = true;
	else if (!strcmp(arg, "--help") || !strcmp(arg, "-h"))
		return CONFIG_HELP;
	else
		return -ENOENT;
	return 0;
}

static int one(struct vm_config *cfg, int argc, char **argv, int *i,
	       struct err *err)
{
	char opt[32], *arg = argv[*i], *eq = strchr(arg, '='), *v;
	size_t n = eq ? (size_t)(eq - arg) : strlen(arg);
	int ret = flag(cfg, arg);

	if (ret != -ENOENT)
		return ret;
	if (strncmp(arg, "--", 2) || n >= sizeof(opt))
		return err_input(err, -EINVAL,
				 "restore: unexpected argument '%s'", arg);
	memcpy(opt, arg, n);
	opt[n] = 0;
	if (!is_allowed(opt))
		return err_input(
			err, -EINVAL,
			"restore: option '%s' is not for a restore (the snapshot has it)",
			opt);
	if (eq) {
		v = eq + 1;
	} else if (*i + 1 < argc) {
		v = argv[++*i];
	} else {
		return err_input(err, -EINVAL, "%s needs a value", opt);
	}
	ret = config_apply_option(cfg, opt, v, err);
	if (!ret && !strcmp(opt, "--disk"))
		ret = check_disk(&cfg->disk[cfg->nr_disks - 1], err);
	return ret;
}

int config_parse_restore(struct vm_config *cfg, const char **dir, int argc,
			 char **argv, struct err *err)
{
	int i, ret;

	config_defaults(cfg);
	*dir = NULL;
	if (argc < 1 || !strcmp(argv[0], "--help") || !strcmp(argv[0], "-h"))
		return argc < 1 ?
			       err_input(
				       err, -EINVAL,
				       "usage: squeeze restore DIR [options]") :
			       CONFIG_HELP;
	if (argv[0][0] == '-' || !argv[0][0])
		return err_input(
			err, -EINVAL,
			"restore: the first argument is the snapshot's DIR");
	*dir = argv[0];
	for (i = 1; i < argc; i++) {
		ret = one(cfg, argc, argv, &i, err);
		if (ret)
			return ret;
	}
	return 0;
}
