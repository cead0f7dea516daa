// SPDX-License-Identifier: MIT
/* vhost-user message framing: whole messages out, validated replies in. */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "virtio/vhost_user/vu_msg.h"

int vu_msg_send(int sock, const struct vu_msg *m, const int *fds,
		unsigned int nfds)
{
	union {
		char buf[CMSG_SPACE(VU_MAX_FDS * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	size_t len = sizeof(m->hdr) + m->hdr.size, done = 0;
	struct iovec iov;
	struct msghdr mh;
	struct cmsghdr *c;
	ssize_t n;

	if (m->hdr.size > sizeof(m->p) || nfds > VU_MAX_FDS)
		return -EINVAL;
	while (done < len) {
		memset(&mh, 0, sizeof(mh));
		iov.iov_base = (char *)m + done;
		iov.iov_len = len - done;
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		/* The fds go with the first byte, and only once. */
		if (nfds && !done) {
			memset(&ctl, 0, sizeof(ctl));
			mh.msg_control = ctl.buf;
			mh.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
			c = CMSG_FIRSTHDR(&mh);
			c->cmsg_level = SOL_SOCKET;
			c->cmsg_type = SCM_RIGHTS;
			c->cmsg_len = CMSG_LEN(nfds * sizeof(int));
			memcpy(CMSG_DATA(c), fds, nfds * sizeof(int));
		}
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == ECONNRESET ? -EPIPE : -errno;
		done += n;
	}
	return 0;
}

static s64 now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (s64)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Close every fd an SCM_RIGHTS message brought along. */
static void close_passed_fds(struct msghdr *mh)
{
	struct cmsghdr *c;
	size_t i, n;
	int fd;

	for (c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++) {
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(fd));
			close(fd);
		}
	}
}

/*
 * Read exactly @len bytes by @deadline. 0; -ETIMEDOUT; -ECONNRESET at EOF
 * before the first byte, -EPROTO at EOF after it (a truncated message).
 */
static int read_full(int sock, void *buf, size_t len, s64 deadline, bool first)
{
	union {
		char buf[CMSG_SPACE(VU_MAX_FDS * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct pollfd p = { .fd = sock, .events = POLLIN };
	size_t done = 0;
	struct msghdr mh;
	struct iovec iov;
	s64 left;
	ssize_t n;

	while (done < len) {
		left = deadline - now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		n = poll(&p, 1, left > 0x7fffffff ? 0x7fffffff : (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ETIMEDOUT;
		memset(&mh, 0, sizeof(mh));
		iov.iov_base = (char *)buf + done;
		iov.iov_len = len - done;
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = ctl.buf;
		mh.msg_controllen = sizeof(ctl.buf);
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return errno == ECONNRESET && first && !done ?
				       -ECONNRESET :
				       -errno;
		close_passed_fds(&mh);
		if (n == 0)
			return first && !done ? -ECONNRESET : -EPROTO;
		done += n;
	}
	return 0;
}

int vu_msg_recv_reply(int sock, u32 request, struct vu_msg *m, int timeout_ms)
{
	s64 deadline = now_ms() + timeout_ms;
	int ret;

	ret = read_full(sock, &m->hdr, sizeof(m->hdr), deadline, true);
	if (ret)
		return ret;
	if ((m->hdr.flags & VU_VERSION_MASK) != VU_VERSION ||
	    !(m->hdr.flags & VU_FLAG_REPLY) || m->hdr.request != request ||
	    m->hdr.size > sizeof(m->p))
		return -EPROTO;
	return read_full(sock, &m->p, m->hdr.size, deadline, false);
}
