// SPDX-License-Identifier: MIT
/* The NBD server's listening socket (nbd_listen.h). */
#include <errno.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "vmm/img/nbd/nbd_listen.h"

#define BACKLOG	 16
#define SOCK_BUF (4 * 1024 * 1024)

/* A socket file left by a server that is gone may be replaced. */
static int clear_stale(const char *path, const struct sockaddr_un *sa,
		       struct err *err)
{
	struct stat st;
	int fd, ret;

	if (lstat(path, &st))
		return errno == ENOENT ? 0 :
					 err_input(err, -errno, "nbd: %s: %s",
						   path, strerror(errno));
	if (!S_ISSOCK(st.st_mode))
		return err_input(err, -EEXIST,
				 "nbd: %s exists and is not a socket", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return err_host(err, -errno, "nbd: socket: %s",
				strerror(errno));
	ret = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	close(fd);
	if (!ret)
		return err_input(err, -EADDRINUSE,
				 "nbd: %s: another server is listening there",
				 path);
	if (unlink(path))
		return err_input(err, -errno, "nbd: cannot replace %s: %s",
				 path, strerror(errno));
	return 0;
}

static int open_unix(const char *path, int *out, struct err *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	mode_t mask;
	int fd, ret;

	if (strlen(path) >= sizeof(sa.sun_path))
		return err_input(err, -ENAMETOOLONG,
				 "nbd: socket path %s too long", path);
	strcpy(sa.sun_path, path);
	ret = clear_stale(path, &sa, err);
	if (ret)
		return ret;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return err_host(err, -errno, "nbd: socket: %s",
				strerror(errno));
	mask = umask(0077); /* the owner only: no authentication */
	ret = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(mask);
	if (ret || chmod(path, 0600) || listen(fd, BACKLOG)) {
		ret = err_input(err, -errno, "nbd: cannot listen on %s: %s",
				path, strerror(errno));
		close(fd);
		return ret;
	}
	*out = fd;
	return 0;
}

/* A numeric IPv4 or IPv6 address (no name lookup in a static binary). */
static int tcp_addr(const char *host, unsigned int port,
		    struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, host, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons(port);
		*len = sizeof(*in);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		*len = sizeof(*in6);
		return 0;
	}
	return -EINVAL;
}

static int open_tcp(const char *host, unsigned int port, int *out,
		    struct err *err)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, one = 1, ret;

	if (tcp_addr(host, port, &ss, &len))
		return err_input(
			err, -EINVAL,
			"nbd: --bind %s: not a numeric IPv4 or IPv6 address",
			host);
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
		    0);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&ss, len) || listen(fd, BACKLOG)) {
		ret = err_input(err, -errno,
				"nbd: cannot listen on %s port %u: %s", host,
				port, strerror(errno));
		if (fd >= 0)
			close(fd);
		return ret;
	}
	*out = fd;
	return 0;
}

int nbd_listen_open(const struct nbd_config *cfg, int *fd, struct err *err)
{
	if (cfg->port)
		return open_tcp(cfg->bind ? cfg->bind : "127.0.0.1", cfg->port,
				fd, err);
	return open_unix(cfg->socket_path, fd, err);
}

void nbd_listen_close(int fd, const struct nbd_config *cfg)
{
	if (fd < 0)
		return;
	close(fd);
	if (!cfg->port)
		unlink(cfg->socket_path);
}

void nbd_listen_tune(int fd, bool tcp)
{
	int one = 1, buf = SOCK_BUF;

	if (tcp)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
}
