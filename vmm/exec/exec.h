/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_EXEC_H
#define SQUEEZE_EXEC_H

#include "vmm/config/exec_config.h"

/*
 * `squeeze exec`: boot the kernel with an initramfs made in memory, run
 * one command in the guest with squeeze's stdin, stdout and stderr on
 * virtio-console ports, and return its exit status (vmm/exec/status.h).
 * Prints its own one-line failures and the post-mortem of a timeout.
 */
struct vm_stats;

/* @stats: main's, lapped on the way (--stats prints it at the end). */
int exec_run(struct exec_config *c, struct vm_stats *stats);

#endif
