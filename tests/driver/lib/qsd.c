// SPDX-License-Identifier: MIT
/* qemu-storage-daemon as a vhost-user-blk back-end for tests; see qsd.h. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/driver/lib/qsd.h"

static const char *const qsd_paths[] = {
	"/usr/bin/qemu-storage-daemon",
	NULL,
};

const char *qsd_binary(void)
{
	unsigned int i;

	for (i = 0; qsd_paths[i]; i++)
		if (!access(qsd_paths[i], X_OK))
			return qsd_paths[i];
	return NULL;
}

static bool accepts(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool ok;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	ok = fd >= 0 && !connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	if (fd >= 0)
		close(fd);
	return ok;
}

int qsd_start(struct qsd *q, const char *image, bool writable)
{
	static unsigned int seq;
	char blockdev[300], export[300];
	const char *bin = qsd_binary();
	int i;

	memset(q, 0, sizeof(*q));
	if (!bin)
		return -1;
	snprintf(q->sock, sizeof(q->sock), "/tmp/squeeze-qsd-%d-%u.sock",
		 getpid(), seq++);
	unlink(q->sock);
	snprintf(blockdev, sizeof(blockdev),
		 "driver=file,node-name=f0,filename=%s,cache.direct=off",
		 image);
	snprintf(
		export, sizeof(export),
		"type=vhost-user-blk,id=e0,node-name=f0,addr.type=unix,addr.path=%s,writable=%s",
		q->sock, writable ? "on" : "off");
	q->pid = fork();
	if (q->pid < 0)
		return -1;
	if (q->pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, 0);
		dup2(null, 1);
		execl(bin, bin, "--blockdev", blockdev, "--export", export,
		      (char *)NULL);
		_exit(127);
	}
	/* Our own probe connection is the one it serves: wait for the
	 * socket file, then for its single connection slot to be free. */
	for (i = 0; i < 1000; i++) {
		if (!access(q->sock, F_OK) && accepts(q->sock)) {
			usleep(20000);
			return 0;
		}
		if (waitpid(q->pid, NULL, WNOHANG) == q->pid) {
			fprintf(stderr, "qemu-storage-daemon exited\n");
			q->pid = 0;
			return -1;
		}
		usleep(10000);
	}
	qsd_stop(q);
	return -1;
}

void qsd_stop(struct qsd *q)
{
	if (q->pid > 0) {
		kill(q->pid, SIGTERM);
		waitpid(q->pid, NULL, 0);
	}
	q->pid = 0;
	if (q->sock[0])
		unlink(q->sock);
}
