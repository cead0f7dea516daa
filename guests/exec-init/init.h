/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_EXEC_INIT_H
#define SQUEEZE_EXEC_INIT_H

/*
 * squeeze's init for `squeeze exec`: PID 1 of the throwaway guest. It
 * reads the command from the initramfs (/squeeze/spec, written by
 * vmm/exec/spec.c), prepares the guest (pseudo file systems, modules,
 * the root), runs the command with its stdin, stdout and stderr on the
 * virtio-console ports squeeze.stdin/.stdout/.stderr, and writes one
 * status line to squeeze.status (vmm/exec/exec_status.h has the
 * protocol). The paths it uses can be redirected, so that a test can
 * run it as an ordinary process (see main.c).
 */

#include <stdbool.h>
#include <stddef.h>

#define INIT_SPEC_MAGIC	 "squeeze-exec 1"
#define INIT_MAX_ARGS	 4096
#define INIT_MAX_MODULES 64
#define INIT_MAX_MOUNTS	 16

struct init_mount {
	const char *tag;  /* virtio-fs tag */
	const char *path; /* where in the guest */
	bool readonly;
};

struct init_spec {
	char *buf; /* the file; every string points in */
	char *argv[INIT_MAX_ARGS + 1];
	unsigned int argc;
	char *envp[INIT_MAX_ARGS + 1];
	unsigned int envc;
	const char *cwd;      /* NULL: / */
	const char *root_tag; /* virtio-fs root, or NULL */
	const char *modules[INIT_MAX_MODULES];
	unsigned int nr_modules;
	struct init_mount mounts[INIT_MAX_MOUNTS];
	unsigned int nr_mounts;
};

/* Where things are: the guest's paths, or a test's. */
struct init_paths {
	const char *sys; /* holds class/virtio-ports */
	const char *dev; /* holds the port device nodes */
	const char *spec;
};

/* spec.c: 0, or -1 with @why set. */
int spec_read(struct init_spec *s, const char *path, const char **why);

/* ports.c: open the port named @name with @flags; -1 if there is none. */
int port_open(const struct init_paths *p, const char *name, int flags);
/*
 * The same, waiting up to about @ms milliseconds for the port to appear:
 * Linux adds ports after the module loaded, on its own time.
 */
int port_wait(const struct init_paths *p, const char *name, int flags,
	      unsigned int ms);

/* run.c: run the command; write its status line into @line. */
void run_command(const struct init_spec *s, int fds[3], char *line, size_t len);

/* setup.c: the guest's own preparation; 0, or -1 with @line saying why. */
int guest_setup(const struct init_spec *s, char *line, size_t len);

#endif
