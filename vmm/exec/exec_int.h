/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_EXEC_INT_H
#define SQUEEZE_EXEC_INT_H

#include <limits.h>

#include "vmm/base/membuf.h"
#include "vmm/exec/exec.h"
#include "vmm/exec/spec.h"
#include "vmm/machine/vm.h"

/* The exec ports, in the order the device numbers them. */
enum { EXEC_STDIN, EXEC_STDOUT, EXEC_STDERR, EXEC_STATUS, EXEC_NR_PORTS };

#define EXEC_STATUS_MAX 512

/* One run of squeeze exec: what exec.c sets up and exec_ports.c serves. */
struct exec {
	struct exec_config *cfg;
	struct vm *vm;
	int host_fd[EXEC_NR_PORTS];   /* the device's ends; -1: none */
	bool own_fd[EXEC_NR_PORTS];   /* opened by us: close them */
	int status_rd;		      /* the status pipe, our end */
	int timer_fd;		      /* --timeout, or -1 */
	int pipe_fd;		      /* eventfd: stdout/stderr's reader left */
	char status[EXEC_STATUS_MAX]; /* what the guest reported */
	size_t status_len;
	bool status_done; /* a whole line came (or too much) */
	struct membuf initramfs;
	char release[128]; /* the kernel's, or "" */
	/* The virtio-fs shares (exec_shares.c) as the guest mounts them. */
	const char *root_tag; /* NULL: the initramfs is the root */
	struct exec_mount mounts[CONFIG_MAX_FS];
	unsigned int nr_mounts;
	char paths[CONFIG_MAX_FS][PATH_MAX];
	const char *cwd; /* the command's directory */
	char cwd_buf[PATH_MAX];
};

/* exec.c: the kernel's release into x->release; x->initramfs from it. */
int exec_read_release(struct exec *x, struct err *err);
int exec_make_initramfs(struct exec *x, struct err *err);

/* exec_shares.c: the root, the current directory and --fs as shares. */
int exec_shares(struct exec *x, struct err *err);

/* exec_ports.c */
int exec_ports_open(struct exec *x, struct err *err);
void exec_ports_close(struct exec *x);
/* The status pipe is readable: keep what came; stop the VM on a line. */
void exec_status_ready(void *opaque);
/* The deadline passed: stop the VM for the post-mortem. */
void exec_timeout_ready(void *opaque);
/* The command's output has no reader any more: stop, as SIGPIPE would. */
void exec_pipe_ready(void *opaque);

void exec_status_final(struct exec *x);

/* exec_outcome.c: the exit status once the VM stopped; says why. */
int exec_outcome(struct exec *x);

#endif
