// SPDX-License-Identifier: MIT
/*
 * The host side of the exec ports: squeeze's stdin, stdout and stderr
 * for the guest command, and a pipe for its status line.
 *
 * The console device needs fds that do not block. Setting O_NONBLOCK on
 * squeeze's own stdio would change the file description it shares with
 * the shell and every other process on the same pipe or terminal, so a
 * pipe or terminal is opened anew through /proc/self/fd (a description
 * of our own); a regular file is used as it is (never blocks), and so is
 * a socket (the device sends with MSG_DONTWAIT).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmm/base/log.h"
#include "vmm/exec/exec_int.h"

static const char *const port_names[EXEC_NR_PORTS] = {
	"squeeze.stdin",
	"squeeze.stdout",
	"squeeze.stderr",
	"squeeze.status",
};

/* Our own non-blocking description of @fd, or @fd itself; -1: none. */
static int own_description(struct exec *x, unsigned int port, int fd, int flags)
{
	char path[64];
	struct stat st;
	int n;

	if (fstat(fd, &st) < 0)
		return -1; /* closed: no input, output dropped */
	if (S_ISREG(st.st_mode) || S_ISBLK(st.st_mode) || S_ISSOCK(st.st_mode))
		return fd;
	/* A terminal we are in the background of would stop us (SIGTTIN). */
	if (port == EXEC_STDIN && isatty(fd) && tcgetpgrp(fd) != getpgrp())
		return -1;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = open(path, flags | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (n < 0) {
		pr_warn("exec: %s: cannot reopen fd %d: %s; it is left out",
			port_names[port], fd, strerror(errno));
		return -1;
	}
	x->own_fd[port] = true;
	return n;
}

/* On the console's I/O thread: stdout or stderr lost its reader. */
static void out_failed(void *opaque, unsigned int port)
{
	struct exec *x = opaque;
	u64 one = 1;

	if (port != EXEC_STATUS && write(x->pipe_fd, &one, sizeof(one)) < 0)
		pr_warn("exec: eventfd write: %s", strerror(errno));
}

int exec_ports_open(struct exec *x, struct err *err)
{
	struct vcon_options *o = &x->cfg->vm.vcon;
	int p[2];
	unsigned int i;

	x->host_fd[EXEC_STDIN] =
		own_description(x, EXEC_STDIN, STDIN_FILENO, O_RDONLY);
	x->host_fd[EXEC_STDOUT] =
		own_description(x, EXEC_STDOUT, STDOUT_FILENO, O_WRONLY);
	x->host_fd[EXEC_STDERR] =
		own_description(x, EXEC_STDERR, STDERR_FILENO, O_WRONLY);
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0)
		return err_host(err, -errno, "exec: pipe: %s", strerror(errno));
	x->status_rd = p[0];
	x->host_fd[EXEC_STATUS] = p[1];
	x->own_fd[EXEC_STATUS] = true;
	x->pipe_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (x->pipe_fd < 0)
		return err_host(err, -errno, "exec: eventfd: %s",
				strerror(errno));
	o->out_failed = out_failed;
	o->opaque = x;
	o->nr_ports = EXEC_NR_PORTS;
	for (i = 0; i < EXEC_NR_PORTS; i++) {
		o->port[i].name = port_names[i];
		o->port[i].in_fd = i == EXEC_STDIN ? x->host_fd[i] : -1;
		o->port[i].out_fd = i == EXEC_STDIN ? -1 : x->host_fd[i];
	}
	return 0;
}

void exec_ports_close(struct exec *x)
{
	unsigned int i;

	for (i = 0; i < EXEC_NR_PORTS; i++)
		if (x->own_fd[i] && x->host_fd[i] >= 0)
			close(x->host_fd[i]);
	if (x->status_rd >= 0)
		close(x->status_rd);
	if (x->timer_fd >= 0)
		close(x->timer_fd);
	if (x->pipe_fd >= 0)
		close(x->pipe_fd);
}

static void read_status(struct exec *x)
{
	char junk[256];
	ssize_t n;

	for (;;) {
		if (x->status_len < sizeof(x->status) - 1)
			n = read(x->status_rd, x->status + x->status_len,
				 sizeof(x->status) - 1 - x->status_len);
		else
			n = read(x->status_rd, junk, sizeof(junk));
		if (n <= 0)
			break;
		if (x->status_len < sizeof(x->status) - 1)
			x->status_len += n;
		else
			x->status_done = true; /* too long: malformed */
	}
	x->status[x->status_len] = 0;
	if (memchr(x->status, '\n', x->status_len))
		x->status_done = true;
}

void exec_status_ready(void *opaque)
{
	struct exec *x = opaque;

	read_status(x);
	if (x->status_done)
		exit_sink_stop(&x->vm->exit, VM_STOP_STATUS, 0);
}

void exec_pipe_ready(void *opaque)
{
	struct exec *x = opaque;

	exit_sink_stop(&x->vm->exit, VM_STOP_SIGNAL, 128 + SIGPIPE);
}

void exec_timeout_ready(void *opaque)
{
	struct exec *x = opaque;

	exit_sink_stop(&x->vm->exit, VM_STOP_TIMEOUT, 124);
}

/* After the VM stopped and the ports drained: whatever else came. */
void exec_status_final(struct exec *x)
{
	read_status(x);
}
