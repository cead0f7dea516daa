/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_DOMXML_H
#define SQUEEZE_DOMXML_H

#include <stddef.h>

#include "vmm/base/err.h"
#include "vmm/base/types.h"

/*
 * libvirt domain XML as `squeeze run` options: `squeeze run --domain FILE`
 * and `squeeze domxml-to-argv FILE`. The file is parsed by libxml2 with
 * the network off and nothing substituted or loaded: a DOCTYPE (and so any
 * entity declaration) is refused outright, and the file may have at most
 * DOMXML_MAX_SIZE bytes. What the domain says becomes the run options a
 * user would type; config_parse() then parses them like any others, so a
 * domain and its domxml-to-argv line give the same struct vm_config.
 *
 * Each element is mapped, ignored with one warning (it changes nothing
 * the guest computes, like <graphics> on a headless VM), or refused with
 * one line naming it and its line: docs/domain-xml.md has the table.
 */

#define DOMXML_MAX_SIZE (1 << 20)

struct domxml {
	char **argv; /* the run options, NULL-terminated */
	int argc;
	char *command_line; /* the same for a shell, as loaded */
	char **warn;	    /* one line each: what was ignored */
	unsigned int nr_warn;
	/*
	 * Why the domain cannot run without a --kernel from the command line
	 * (it boots from a disk), or "" when it has a <kernel>.
	 */
	char no_kernel[ERR_LEN];
};

/*
 * Read @path and turn it into run options in @dx (zeroed first): argv,
 * and command_line, "squeeze run OPTION..." with every word quoted for a
 * POSIX shell where it needs to be (argv may be parsed in place later;
 * command_line stays as loaded). Returns
 * 0, or a negative errno with one line in @err (exit 2: the file or its
 * content; nothing else is read). domxml_free() in every case.
 */
int domxml_load(struct domxml *dx, const char *path, struct err *err);

/* The same from memory; @name stands for the file in messages. */
int domxml_load_mem(struct domxml *dx, const char *buf, size_t len,
		    const char *name, struct err *err);

void domxml_free(struct domxml *dx);

/* @s quoted for a POSIX shell (as is when it needs nothing); malloc'd. */
char *domxml_shell_quote(const char *s);

#endif
