// SPDX-License-Identifier: MIT
/*
 * The control socket's file: created with mode 0600, a stale one (its
 * squeeze was killed) replaced, anything else at the path left alone and
 * refused; removed at the end only if the path still names our socket.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "vmm/control/ctl_socket.h"

static int fill_addr(struct sockaddr_un *a, const char *path, struct err *err)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	if (!path[0] || strlen(path) >= sizeof(a->sun_path))
		return err_input(
			err, -ENAMETOOLONG,
			"--control %s: a socket path must be 1 to %zu bytes",
			path, sizeof(a->sun_path) - 1);
	memcpy(a->sun_path, path, strlen(path) + 1);
	return 0;
}

/* Is someone listening on the socket at @a? */
static bool socket_alive(const struct sockaddr_un *a)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool alive;

	if (fd < 0)
		return true; /* cannot tell: do not remove it */
	alive = connect(fd, (const struct sockaddr *)a, sizeof(*a)) == 0 ||
		errno != ECONNREFUSED;
	close(fd);
	return alive;
}

/* EADDRINUSE: a stale socket is removed (true), anything else stays. */
static int take_over(const struct sockaddr_un *a, const char *path,
		     struct err *err)
{
	struct stat st;

	if (lstat(path, &st))
		return err_input(err, -errno, "--control %s: %s", path,
				 strerror(errno));
	if (!S_ISSOCK(st.st_mode))
		return err_input(err, -EEXIST,
				 "--control %s: exists and is not a socket",
				 path);
	if (socket_alive(a))
		return err_input(
			err, -EADDRINUSE,
			"--control %s: another process is listening on it",
			path);
	if (unlink(path) && errno != ENOENT)
		return err_input(
			err, -errno,
			"--control %s: cannot remove the stale socket: %s",
			path, strerror(errno));
	return 0;
}

static int bind_0600(int fd, const struct sockaddr_un *a)
{
	/* The file gets its mode at bind(): nobody else may connect, ever. */
	mode_t old = umask(0177);
	int ret = bind(fd, (const struct sockaddr *)a, sizeof(*a));

	umask(old);
	return ret < 0 ? -errno : 0;
}

int ctl_socket_open(const char *path, struct ctl_socket_id *id, struct err *err)
{
	struct sockaddr_un a;
	struct stat st;
	int fd, ret;

	ret = fill_addr(&a, path, err);
	if (ret)
		return ret;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return err_host(err, -errno, "--control: socket: %s",
				strerror(errno));
	ret = bind_0600(fd, &a);
	if (ret == -EADDRINUSE) {
		ret = take_over(&a, path, err);
		if (ret)
			goto close_fd;
		ret = bind_0600(fd, &a);
	}
	if (ret) {
		err_input(err, ret, "--control %s: %s", path, strerror(-ret));
		goto close_fd;
	}
	if (lstat(path, &st) || chmod(path, 0600) || listen(fd, 4) < 0) {
		ret = err_host(err, -errno, "--control %s: %s", path,
			       strerror(errno));
		unlink(path);
		goto close_fd;
	}
	id->dev = st.st_dev;
	id->ino = st.st_ino;
	return fd;
close_fd:
	close(fd);
	return ret;
}

void ctl_socket_remove(const char *path, const struct ctl_socket_id *id)
{
	struct stat st;

	if (!lstat(path, &st) && S_ISSOCK(st.st_mode) && st.st_dev == id->dev &&
	    st.st_ino == id->ino)
		unlink(path);
}
