// SPDX-License-Identifier: MIT
/*
 * Building the per-class seccomp filters with libseccomp, loading them,
 * and reporting a forbidden call (see vmm/sandbox/seccomp.h).
 *
 * For whoever extends an allowlist: SQUEEZE_SECCOMP=log in the
 * environment makes a forbidden call only logged by the kernel (dmesg:
 * "audit: type=1326 ... syscall=N") instead of fatal, so one test run
 * shows every call a change needs.
 */
#include <errno.h>
#include <seccomp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "vmm/sandbox/seccomp.h"

/* Generated from <sys/syscall.h> by the Makefile: [nr] = "name". */
static const char *const syscall_names[] = {
#include "syscall_names.h"
};

static int add_call(scmp_filter_ctx ctx, int nr, const unsigned long *ioctls)
{
	int ret = 0;

	switch (nr) {
	case SYS_ioctl:
		/* The request, not just the call (lower 32 bits: an int). */
		for (; *ioctls && !ret; ioctls++)
			ret = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
					       SCMP_A1(SCMP_CMP_MASKED_EQ,
						       0xffffffffUL, *ioctls));
		return ret;
	case SYS_mmap:
	case SYS_mprotect:
		return seccomp_rule_add(
			ctx, SCMP_ACT_ALLOW, nr, 1,
			SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	case SYS_prctl:
		return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
					SCMP_A0(SCMP_CMP_EQ, PR_GET_NAME));
	default:
		return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
	}
}

static int add_rules(scmp_filter_ctx ctx, const struct sandbox_rules *r)
{
	const int *nr;
	int ret = 0;

	for (nr = r->syscalls; *nr >= 0 && !ret; nr++)
		ret = add_call(ctx, *nr, r->ioctls);
	return ret;
}

/* Compile @ctx into a BPF program in @prog (libseccomp 2.5 exports to an fd). */
static int export(scmp_filter_ctx ctx, struct sock_fprog *prog)
{
	int fd = memfd_create("seccomp-bpf", MFD_CLOEXEC);
	off_t len;
	void *buf;
	int ret;

	if (fd < 0)
		return -errno;
	ret = seccomp_export_bpf(ctx, fd);
	len = ret ? -1 : lseek(fd, 0, SEEK_END);
	if (len <= 0 || len % sizeof(struct sock_filter)) {
		close(fd);
		return ret ? ret : -EINVAL;
	}
	buf = malloc(len);
	if (!buf || pread(fd, buf, len, 0) != len) {
		free(buf);
		close(fd);
		return -ENOMEM;
	}
	close(fd);
	prog->filter = buf;
	prog->len = len / sizeof(struct sock_filter);
	return 0;
}

/* kill(-pgrp, ...) of the given process groups only. */
static int add_kills(scmp_filter_ctx ctx, const int *pgrp, unsigned int n)
{
	unsigned int i;
	int ret = 0;

	for (i = 0; i < n && !ret; i++)
		ret = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SYS_kill, 1,
				       SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffUL,
					       (u32)-pgrp[i]));
	return ret;
}

/*
 * Every thread: ioctl(0, TCSETS) only, for a SIGSYS handler that puts
 * the terminal's mode back before the report (main.c).
 */
static int add_tty_restore(scmp_filter_ctx ctx)
{
	return seccomp_rule_add(
		ctx, SCMP_ACT_ALLOW, SYS_ioctl, 2,
		SCMP_A0(SCMP_CMP_EQ, STDIN_FILENO),
		SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffUL, TCSETS));
}

static int build(enum sandbox_class class, struct sock_fprog *prog,
		 const int *pgrp, unsigned int n)
{
	const char *env = getenv("SQUEEZE_SECCOMP");
	u32 action = env && !strcmp(env, "log") ? SCMP_ACT_LOG : SCMP_ACT_TRAP;
	scmp_filter_ctx ctx = seccomp_init(action);
	int ret;

	if (!ctx)
		return -ENOMEM;
	ret = add_rules(ctx, &sandbox_common);
	if (!ret)
		ret = add_tty_restore(ctx);
	if (!ret)
		ret = add_rules(ctx, &sandbox_class_rules[class]);
	if (!ret && class == SANDBOX_MAIN)
		ret = add_kills(ctx, pgrp, n);
	if (!ret)
		ret = export(ctx, prog);
	seccomp_release(ctx);
	return ret;
}

int sandbox_filters_build(struct sandbox_filters *f, const int *pgrp,
			  unsigned int n, struct err *err)
{
	int class, ret;

	memset(f, 0, sizeof(*f));
	for (class = 0; class < SANDBOX_NR; class ++) {
		ret = build(class, &f->prog[class], pgrp, n);
		if (ret) {
			sandbox_filters_free(f);
			return err_host(
				err, ret < 0 ? ret : -EINVAL,
				"seccomp: cannot build the %s filter: %s",
				sandbox_class_rules[class].name,
				strerror(ret < 0 ? -ret : EINVAL));
		}
	}
	return 0;
}

void sandbox_filters_free(struct sandbox_filters *f)
{
	int class;

	for (class = 0; class < SANDBOX_NR; class ++) {
		free(f->prog[class].filter);
		f->prog[class].filter = NULL;
	}
}

int sandbox_load(const struct sandbox_filters *f, enum sandbox_class class)
{
	/* no_new_privs is set already: an unprivileged thread may load. */
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &f->prog[class]))
		return -errno;
	return 0;
}

/* Async-signal-safe string building for the handler. */
static size_t put(char *buf, size_t at, size_t size, const char *s)
{
	while (*s && at + 1 < size)
		buf[at++] = *s++;
	buf[at] = '\0';
	return at;
}

static size_t put_num(char *buf, size_t at, size_t size, long v)
{
	char d[24];
	int n = 0;

	if (v < 0)
		return put(buf, at, size, "?");
	do
		d[n++] = '0' + v % 10;
	while ((v /= 10) && n < (int)sizeof(d) - 1);
	while (n && at + 1 < size)
		buf[at++] = d[--n];
	buf[at] = '\0';
	return at;
}

/* In the offending thread, under its own filter: write(), prctl(), exit. */
_Noreturn void sandbox_report(const siginfo_t *si)
{
	int nr = si->si_syscall;
	char thread[17] = "?", msg[200];
	size_t n = 0;

	prctl(PR_GET_NAME, thread);
	n = put(msg, n, sizeof(msg), "squeeze: error: seccomp: thread ");
	n = put(msg, n, sizeof(msg), thread);
	n = put(msg, n, sizeof(msg), " made a forbidden system call: ");
	if (nr >= 0 &&
	    nr < (int)(sizeof(syscall_names) / sizeof(*syscall_names)) &&
	    syscall_names[nr])
		n = put(msg, n, sizeof(msg), syscall_names[nr]);
	else
		n = put(msg, n, sizeof(msg), "unknown");
	n = put(msg, n, sizeof(msg), " (");
	n = put_num(msg, n, sizeof(msg), nr);
	n = put(msg, n, sizeof(msg), "); the VM is stopped\n");
	if (write(STDERR_FILENO, msg, n) < 0)
		n = 0;
	_exit(1);
}

static void sigsys(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	sandbox_report(si);
}

int sandbox_report_install(sandbox_sigsys_fn *handler, struct err *err)
{
	struct sigaction sa = { .sa_sigaction = handler ? handler : sigsys,
				.sa_flags = SA_SIGINFO };
	struct sigaction old;

	if (sigaction(SIGSYS, NULL, &old))
		return err_host(err, -errno, "sigaction: %s", strerror(errno));
	if (!handler && (old.sa_flags & SA_SIGINFO))
		return 0;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL))
		return err_host(err, -errno, "sigaction: %s", strerror(errno));
	return 0;
}

void sandbox_unblock_sigsys(void)
{
	sigset_t s;

	sigemptyset(&s);
	sigaddset(&s, SIGSYS);
	pthread_sigmask(SIG_UNBLOCK, &s, NULL);
}
