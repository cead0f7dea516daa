/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_EXEC_CONFIG_H
#define SQUEEZE_EXEC_CONFIG_H

#include "vmm/config/config.h"

/*
 * `squeeze exec` options as pure data: the run options it shares (kernel,
 * memory, cpus, disks, nets, shares, name, verbose) in @vm, parsed by
 * config_parse(), and its own.
 */

#define EXEC_MAX_ENV	  256
#define EXEC_MAX_RUN_ARGS 128

struct exec_config {
	struct vm_config vm;
	const char *root;	       /* "host" (default) or a directory */
	const char *modules_dir;       /* --modules, or NULL */
	u64 timeout_ms;		       /* --timeout; 0: none */
	const char *env[EXEC_MAX_ENV]; /* --env NAME=VALUE, in order */
	unsigned int nr_env;
	const char *cwd; /* --cwd, or NULL */
	char **argv;	 /* the command, after "--" */
	unsigned int argc;
	char *run_argv[EXEC_MAX_RUN_ARGS]; /* what config_parse() got */
};

/*
 * Parse the arguments after "exec". Returns 0, CONFIG_HELP, or -EINVAL
 * with one line in @err; exec_config_free() in every case.
 */
int exec_config_parse(struct exec_config *c, int argc, char **argv,
		      struct err *err);
void exec_config_free(struct exec_config *c);

#endif
