/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_CONFIG_H
#define SQUEEZE_CONFIG_H

#include "firmware/acpi/acpi.h"
#include "virtio/blk/blk.h"
#include "virtio/console/console.h"
#include "virtio/fs/fs.h"
#include "virtio/net/net.h"
#include "vmm/base/err.h"
#include "vmm/base/types.h"

/*
 * Everything the command line says, as pure data. config_parse() checks
 * syntax and ranges only; files and host devices are opened later, but
 * still before any VM exists.
 */

#define CONFIG_MAX_DISKS 16
#define CONFIG_MAX_NETS	 8
#define CONFIG_MAX_FS	 8
#define DEFAULT_MEM_SIZE (256ULL << 20)
#define DEFAULT_CMDLINE	 "console=ttyS0"
#define CONFIG_MIN_MEM	 (16ULL << 20)
#define CONFIG_MAX_MEM	 (1ULL << 40) /* 1 TiB */
/* --cpus: at most ACPI_MAX_CPUS, what the MADT can describe. */

/*
 * CONSOLE_LOG (squeeze exec): no input; output to stderr with --verbose,
 * and the last lines kept for a post-mortem either way.
 */
enum console_kind {
	CONSOLE_STDIO,
	CONSOLE_NONE,
	CONSOLE_FILE,
	CONSOLE_PTY,
	CONSOLE_LOG
};

/* What the guest powering off, resetting or crashing does (--on-*). */
enum vm_action {
	VM_ACTION_DESTROY, /* squeeze ends (the default) */
	VM_ACTION_RESTART, /* the guest boots again, same process */
};

#define CONFIG_NAME_MAX 64

struct domxml;

struct vm_config {
	const char *name; /* --name, or NULL */
	const char *kernel;
	const char *initrd; /* NULL if none */
	/* Or an initrd made in memory (squeeze exec); not owned. */
	const u8 *initrd_data;
	u64 initrd_size;
	const char *cmdline; /* DEFAULT_CMDLINE unless given */
	u64 mem_size;
	u32 cpus;
	enum console_kind console;
	const char *console_path; /* CONSOLE_FILE */
	struct blk_options disk[CONFIG_MAX_DISKS];
	unsigned int nr_disks;
	struct virtio_net_options net[CONFIG_MAX_NETS];
	unsigned int nr_nets;
	enum vm_action on_poweroff, on_reboot, on_crash;
	struct fs_options fs[CONFIG_MAX_FS];
	unsigned int nr_fs;
	const char *virtiofsd;	  /* SQUEEZE_VIRTIOFSD, set by main */
	const char *control;	  /* --control PATH, or NULL */
	bool paused;		  /* restore --paused: vCPUs wait */
	bool verbose;		  /* --verbose: why it stopped */
	bool stats;		  /* --stats: timeline and counters */
	struct vcon_options vcon; /* virtio-console ports (exec) */
	u32 trace;		  /* --trace[=CLASSES]: enum trace_class */
	const char *trace_file;	  /* --trace-file PATH.json, or NULL */
	/* --domain FILE: the options it stood for; owns their strings. */
	struct domxml *domain;
	bool no_seccomp; /* --seccomp=off: for debugging */
};

/* config_parse() found --help: print usage, parse nothing else. */
#define CONFIG_HELP 1

/*
 * Parse the arguments after "run" (argv[0] is the first option) into @cfg,
 * which gets the defaults first. Strings in @cfg point into @argv, or into
 * cfg->domain: with --domain FILE, the options the domain XML stands for
 * (vmm/config/domxml.h) come first and the command line's own override
 * them (a repeatable one, --disk or --net, adds to them). Returns 0,
 * CONFIG_HELP, or a negative errno with one line in @err; config_free()
 * in every case.
 */
int config_parse(struct vm_config *cfg, int argc, char **argv, struct err *err);

/* Every option at its default. */
void config_defaults(struct vm_config *cfg);

/*
 * Apply one run option @opt ("--memory", with its dashes) with value @v
 * (which --disk splits in place): 0 or -EINVAL with one line in @err.
 */
int config_apply_option(struct vm_config *cfg, const char *opt, char *v,
			struct err *err);

/*
 * `squeeze restore DIR [options]`: @argv[0] is DIR. Into @cfg (defaults
 * first) go the options a restore takes: --control, --console, --disk
 * (PATH[,format=raw|qcow2][,backing-dir=DIR] only: the rest is the
 * snapshot's), --net (the
 * host side, and mac= for a clone's address), --name, --paused, --stats,
 * --verbose. *@dir is DIR. 0, CONFIG_HELP or -EINVAL with @err.
 */
int config_parse_restore(struct vm_config *cfg, const char **dir, int argc,
			 char **argv, struct err *err);

/* Release what config_parse() allocated (the domain XML's options). */
void config_free(struct vm_config *cfg);

/*
 * Check run option @opt ("--memory") with value @value as config_parse()
 * would, without keeping anything: 0 or -EINVAL with one line in @err.
 */
int config_check_option(const char *opt, const char *value, struct err *err);

/* "destroy" or "restart" (the --on-* values). */
const char *config_action_name(enum vm_action a);

/*
 * One --disk / --net SPEC; 0 or -EINVAL with one line in @err. The disk
 * parser splits @spec in place at the first comma: d->path points into it.
 */
int config_parse_disk(struct blk_options *d, char *spec, struct err *err);
int config_parse_net(struct virtio_net_options *n, const char *spec,
		     struct err *err);

/*
 * One --fs SPEC: "DIR[,tag=NAME][,readonly=on|off]" (the tag defaults to
 * DIR's last component) or "socket=PATH,tag=NAME". Splits @spec in place
 * at the first comma. 0 or -EINVAL with one line in @err.
 */
int config_parse_fs(struct fs_options *f, char *spec, struct err *err);

/* A vhost-user device is configured: guest RAM must be shareable. */
bool config_has_vhost_user(const struct vm_config *cfg);

#endif
