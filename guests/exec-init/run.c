// SPDX-License-Identifier: MIT
/*
 * Running the command: a child with the ports as fds 0-2, the spec's
 * environment and working directory, every signal back to its default.
 * An exec that fails is reported through a close-on-exec pipe, so that
 * "not found" (127) and "not executable" (126) are told apart from a
 * command that itself exits with those codes.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "init.h"

extern char **environ;

/* What failed in the child before or at exec. */
struct child_err {
	int stage; /* 1: chdir, 2: exec */
	int err;
};

static void child(const struct init_spec *s, int fds[3], int errfd)
{
	struct child_err ce = { 0 };
	sigset_t none;
	int i;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (i = 1; i < NSIG; i++)
		signal(i, SIG_DFL);
	setsid();
	for (i = 0; i < 3; i++)
		if (fds[i] != i && dup2(fds[i], i) < 0)
			_exit(125);
	if (chdir(s->cwd ? s->cwd : "/") < 0) {
		ce = (struct child_err){ 1, errno };
		goto fail;
	}
	/* execvp() searches the PATH of environ: make it the command's. */
	environ = (char **)s->envp;
	execvp(s->argv[0], s->argv);
	ce = (struct child_err){ 2, errno };
fail:
	if (write(errfd, &ce, sizeof(ce)) < 0)
		_exit(125);
	_exit(127);
}

/* Wait for @pid, reaping any orphan that PID 1 inherits meanwhile. */
static int wait_for(pid_t pid)
{
	int st;
	pid_t w;

	for (;;) {
		w = wait(&st);
		if (w == pid)
			return st;
		if (w < 0 && errno != EINTR)
			return -1;
	}
}

void run_command(const struct init_spec *s, int fds[3], char *line, size_t len)
{
	struct child_err ce;
	int p[2], st;
	ssize_t n;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0) {
		snprintf(line, len, "fail pipe: %s\n", strerror(errno));
		return;
	}
	pid = fork();
	if (pid < 0) {
		snprintf(line, len, "fail fork: %s\n", strerror(errno));
		return;
	}
	if (pid == 0) {
		close(p[0]);
		child(s, fds, p[1]);
	}
	close(p[1]);
	do {
		n = read(p[0], &ce, sizeof(ce));
	} while (n < 0 && errno == EINTR);
	close(p[0]);
	st = wait_for(pid);
	if (n == sizeof(ce) && ce.stage == 1)
		snprintf(line, len, "fail cannot change to %s: %s\n", s->cwd,
			 strerror(ce.err));
	else if (n == sizeof(ce))
		snprintf(line, len, "exec %d %s\n", ce.err, s->argv[0]);
	else if (st < 0)
		snprintf(line, len, "fail wait: %s\n", strerror(errno));
	else if (WIFSIGNALED(st))
		snprintf(line, len, "signal %d\n", WTERMSIG(st));
	else
		snprintf(line, len, "exit %d\n", WEXITSTATUS(st));
}
