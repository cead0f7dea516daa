/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_EXEC_MODULES_H
#define SQUEEZE_EXEC_MODULES_H

#include "vmm/base/err.h"

/*
 * The kernel modules a guest needs, resolved through DIR/modules.dep the
 * way modprobe does: each module after everything it depends on, every
 * file once. A module that modules.dep does not list but DIR/
 * modules.builtin does is built in and needs nothing.
 */

#define EXEC_MAX_MODULES 64

struct exec_modules {
	char *path[EXEC_MAX_MODULES]; /* absolute, in load order */
	unsigned int nr;
};

/*
 * Resolve module @names (as modprobe takes them: "virtio_pci") in @dir.
 * 0, or -errno with one line in @err naming the module and where it
 * looked. exec_modules_free() in every case.
 */
int exec_modules_resolve(struct exec_modules *m, const char *dir,
			 const char *const *names, unsigned int nr,
			 struct err *err);
void exec_modules_free(struct exec_modules *m);

/* The module name of a path: ".../virtio-pci.ko.xz" -> "virtio_pci". */
void exec_module_name(const char *path, char *out, size_t len);

#endif
