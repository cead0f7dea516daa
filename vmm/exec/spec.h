/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_EXEC_SPEC_H
#define SQUEEZE_EXEC_SPEC_H

#include "vmm/base/err.h"
#include "vmm/base/membuf.h"

/*
 * The command spec squeeze's exec init reads from /squeeze/spec in the
 * initramfs (guests/exec-init/spec.c has the format): the command, its
 * environment and directory, the virtio-fs root and shares, and the
 * modules to load in order.
 */

#define EXEC_SPEC_PATH "squeeze/spec" /* in the initramfs */

struct exec_mount {
	const char *tag;
	const char *path; /* absolute, in the guest */
	bool readonly;
};

struct exec_spec {
	char *const *argv; /* argc strings */
	unsigned int argc;
	const char *const *env; /* NAME=VALUE */
	unsigned int nr_env;
	const char *cwd;	    /* NULL: / */
	const char *root_tag;	    /* NULL: the initramfs is the root */
	const char *const *modules; /* paths in the initramfs */
	unsigned int nr_modules;
	const struct exec_mount *mounts;
	unsigned int nr_mounts;
};

/* Append the spec to @out. 0 or -ENOMEM with @err set. */
int exec_spec_build(struct membuf *out, const struct exec_spec *s,
		    struct err *err);

#endif
