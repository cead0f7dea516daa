/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_EXEC_INITRAMFS_H
#define SQUEEZE_EXEC_INITRAMFS_H

#include "vmm/base/err.h"
#include "vmm/base/membuf.h"
#include "vmm/exec/spec.h"

/*
 * The initramfs `squeeze exec` boots with, made in memory at launch
 * (nothing is written to disk): /init (squeeze's exec init), /dev/console,
 * /squeeze/spec (the command, vmm/exec/spec.h), and the kernel modules
 * the guest needs under /lib/modules, in load order.
 */

struct exec_initramfs {
	struct exec_spec spec;	    /* modules are filled in */
	const char *release;	    /* the kernel's; NULL: no modules */
	const char *modules_dir;    /* NULL: /lib/modules/RELEASE */
	const char *const *modules; /* names, as modprobe takes them */
	unsigned int nr_modules;
	const void *init; /* the init program */
	size_t init_len;
};

/* Build it into @out (empty). 0, or -errno with one line in @err. */
int exec_initramfs_build(struct membuf *out, const struct exec_initramfs *in,
			 struct err *err);

/* The init program squeeze carries (vmm/exec/init_blob.S). */
extern const unsigned char exec_init_blob[], exec_init_blob_end[];

#endif
