// SPDX-License-Identifier: MIT
/* The keeper of bridge ports (see devices/net/port_keeper.h). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "devices/net/port_keeper.h"
#include "vmm/base/log.h"

/* The child: wait for the pipe to close, then remove the ports. */
static void __attribute__((noreturn))
keep(int fd, const struct port_undo *u, unsigned int n)
{
	unsigned int i;
	char c;

	/* Nothing of the VM's: no image lock, no tap kept alive by us. */
	if (dup2(fd, 3) < 0)
		_exit(1);
	close_range(4, ~0U, 0);
	prctl(PR_SET_NAME, "squeeze-ports");
	while (read(3, &c, 1) != 0 && errno == EINTR)
		;
	for (i = 0; i < n; i++)
		bridge_del_port(u[i].bridge, u[i].kind, u[i].port);
	_exit(0);
}

int port_keeper_start(struct port_keeper *k, const struct port_undo *u,
		      unsigned int n, struct err *err)
{
	int p[2];
	pid_t pid;

	k->pid = 0;
	k->fd = -1;
	if (pipe2(p, O_CLOEXEC) < 0)
		return err_host(err, -errno, "pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return err_host(err, -errno, "fork: %s", strerror(errno));
	}
	if (pid == 0) {
		close(p[1]);
		keep(p[0], u, n);
	}
	close(p[0]);
	k->pid = pid;
	k->fd = p[1];
	return 0;
}

void port_keeper_finish(struct port_keeper *k)
{
	if (k->fd >= 0)
		close(k->fd);
	k->fd = -1;
	while (k->pid > 0 && waitpid(k->pid, NULL, 0) < 0 && errno == EINTR)
		;
	k->pid = 0;
}
