/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_SECCOMP_H
#define SQUEEZE_SECCOMP_H

#include <linux/filter.h>
#include <signal.h>

#include "vmm/base/err.h"
#include "vmm/base/types.h"

/*
 * seccomp allowlists, one per thread class, built with libseccomp and
 * loaded by each thread itself before it takes any guest input (a filter
 * belongs to a thread and is inherited by threads it creates; no thread
 * of squeeze creates threads once the VM runs). A system call outside the
 * list, or an ioctl whose request is not in the class's list, raises
 * SIGSYS: the handler sandbox_report_install() puts in place prints which
 * call and which thread, and squeeze exits 1. The allowlists are in
 * seccomp_rules.c.
 *
 * Adding a thread class (a control thread, a vhost-user thread...):
 *   1. add an enum value below (before SANDBOX_NR) and its name;
 *   2. give it a table in seccomp_rules.c: the system calls, and the
 *      ioctl requests, that the thread makes after setup, nothing more;
 *   3. make the thread call sandbox_load(filters, SANDBOX_<CLASS>) first
 *      thing, or create it before confinement and have vm_confine() run
 *      seccomp_load() on it (as for the I/O threads, via iothread_call());
 *   4. run the test suites: a call you missed kills the run with SIGSYS
 *      and names it.
 */

enum sandbox_class {
	SANDBOX_MAIN,	 /* signals, console, stop, teardown */
	SANDBOX_VCPU,	 /* KVM_RUN, device registers */
	SANDBOX_IO,	 /* virtqueues, disks, taps, stdio */
	SANDBOX_VHOST,	 /* a vhost-user connection */
	SANDBOX_NBD,	 /* a thread of `squeeze img serve` */
	SANDBOX_CONTROL, /* the control socket's thread */
	SANDBOX_NR,
};

/* One rule set: system calls (ending in -1) and ioctl requests (0). */
struct sandbox_rules {
	const char *name;
	const int *syscalls;
	const unsigned long *ioctls;
};

/* The allowlist of each class (seccomp_rules.c), and the common one. */
extern const struct sandbox_rules sandbox_common;
extern const struct sandbox_rules sandbox_class_rules[SANDBOX_NR];

/* The compiled filters, ready to load. */
struct sandbox_filters {
	struct sock_fprog prog[SANDBOX_NR];
};

/*
 * Compile every class's filter. The main thread may kill() exactly the
 * @n process groups in @pgrp (the virtiofsd squeeze started, stopped at
 * exit), nothing else. 0 or -errno with @err (host failure).
 */
int sandbox_filters_build(struct sandbox_filters *f, const int *pgrp,
			  unsigned int n, struct err *err);
void sandbox_filters_free(struct sandbox_filters *f);

/* Load @class's filter on the calling thread, for good. 0 or -errno. */
int sandbox_load(const struct sandbox_filters *f, enum sandbox_class class);

/* A SIGSYS handler (SA_SIGINFO). */
typedef void sandbox_sigsys_fn(int sig, siginfo_t *si, void *uc);

/*
 * Install the SIGSYS handler, once, before any filter. With @handler NULL
 * it is sandbox_report()'s, unless the program installed its own already
 * (main.c does, to put the terminal back first), which it keeps. A
 * handler of one's own runs in the offending thread under that thread's
 * filter (sandbox_common: write and exit; and ioctl(0, TCSETS)) and ends
 * by calling sandbox_report(). 0 or -errno with @err.
 */
int sandbox_report_install(sandbox_sigsys_fn *handler, struct err *err);

/*
 * Print "seccomp: thread NAME made a forbidden system call: NAME (NR)"
 * for @si and exit with status 1. Async-signal-safe.
 */
_Noreturn void sandbox_report(const siginfo_t *si);

/* A thread's own signal mask must let SIGSYS through (I/O threads). */
void sandbox_unblock_sigsys(void);

#endif
