// SPDX-License-Identifier: MIT
/*
 * vhost-user framing: what vu_msg_send() puts on the wire (header,
 * payload, descriptors) and what vu_msg_recv_reply() accepts; each
 * malformed reply is refused without reading past it.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "virtio/vhost_user/vu_msg.h"

static int sv[2];

static void setup(void)
{
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
}

static void teardown(void)
{
	close(sv[0]);
	close(sv[1]);
}

TestSuite(vu_msg, .init = setup, .fini = teardown, .timeout = 10);

/* Receive one message on sv[1] with its fds, as a back-end would. */
static ssize_t peer_recv(void *buf, size_t len, int *fds, unsigned int *nr)
{
	union {
		char buf[CMSG_SPACE(VU_MAX_FDS * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { buf, len };
	struct msghdr mh = { .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = ctl.buf,
			     .msg_controllen = sizeof(ctl.buf) };
	struct cmsghdr *c;
	ssize_t n = recvmsg(sv[1], &mh, MSG_WAITALL);

	*nr = 0;
	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		cr_assert_eq(c->cmsg_type, SCM_RIGHTS);
		*nr = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		memcpy(fds, CMSG_DATA(c), *nr * sizeof(int));
	}
	return n;
}

Test(vu_msg, header_and_payload_on_the_wire)
{
	struct vu_msg m = { .hdr = { VU_SET_VRING_NUM, VU_VERSION, 8 } };
	u8 wire[20];
	unsigned int nr;
	int fds[VU_MAX_FDS];
	u32 v;

	m.p.state = (struct vu_vring_state){ 1, 256 };
	cr_assert_eq(vu_msg_send(sv[0], &m, NULL, 0), 0);
	cr_assert_eq(peer_recv(wire, sizeof(wire), fds, &nr), 20);
	cr_assert_eq(nr, 0);
	memcpy(&v, wire, 4);
	cr_assert_eq(v, VU_SET_VRING_NUM);
	memcpy(&v, wire + 4, 4);
	cr_assert_eq(v, VU_VERSION);
	memcpy(&v, wire + 8, 4);
	cr_assert_eq(v, 8);
	memcpy(&v, wire + 12, 4);
	cr_assert_eq(v, 1);
	memcpy(&v, wire + 16, 4);
	cr_assert_eq(v, 256);
}

Test(vu_msg, fds_arrive_as_the_same_files)
{
	struct vu_msg m = { .hdr = { VU_SET_VRING_KICK, VU_VERSION, 8 } };
	int efd[2], fds[VU_MAX_FDS];
	struct stat a, b;
	unsigned int nr, i;
	u64 one = 1, got;
	u8 wire[20];

	for (i = 0; i < 2; i++)
		efd[i] = eventfd(0, EFD_CLOEXEC);
	cr_assert_eq(vu_msg_send(sv[0], &m, efd, 2), 0);
	cr_assert_eq(peer_recv(wire, sizeof(wire), fds, &nr), 20);
	cr_assert_eq(nr, 2);
	for (i = 0; i < 2; i++) {
		cr_assert_neq(fds[i], efd[i]);
		cr_assert_eq(fstat(fds[i], &a), 0);
		cr_assert_eq(fstat(efd[i], &b), 0);
		cr_assert_eq(a.st_ino, b.st_ino);
	}
	/* A write on the sender's eventfd is seen through the passed one. */
	cr_assert_eq(write(efd[1], &one, 8), 8);
	cr_assert_eq(read(fds[1], &got, 8), 8);
	cr_assert_eq(got, 1);
	for (i = 0; i < 2; i++) {
		close(fds[i]);
		close(efd[i]);
	}
}

Test(vu_msg, refuses_oversized_send)
{
	struct vu_msg m = { .hdr = { VU_SET_FEATURES, VU_VERSION, 4096 } };
	int fds[VU_MAX_FDS + 1] = { 0 };

	cr_assert_eq(vu_msg_send(sv[0], &m, NULL, 0), -EINVAL);
	m.hdr.size = 8;
	cr_assert_eq(vu_msg_send(sv[0], &m, fds, VU_MAX_FDS + 1), -EINVAL);
}

static void peer_write(const void *buf, size_t len)
{
	cr_assert_eq(write(sv[1], buf, len), (ssize_t)len);
}

static int recv_features(struct vu_msg *m)
{
	return vu_msg_recv_reply(sv[0], VU_GET_FEATURES, m, 500);
}

Test(vu_msg, reply_in_pieces_is_whole)
{
	struct vu_hdr h = { VU_GET_FEATURES, VU_VERSION | VU_FLAG_REPLY, 8 };
	u64 v = 0x140000000ULL;
	struct vu_msg m;

	peer_write(&h, 5);
	usleep(20000);
	peer_write((u8 *)&h + 5, sizeof(h) - 5);
	peer_write(&v, 3);
	usleep(20000);
	peer_write((u8 *)&v + 3, 5);
	cr_assert_eq(recv_features(&m), 0);
	cr_assert_eq(m.hdr.size, 8);
	cr_assert_eq(m.p.u64, v);
}

Test(vu_msg, wrong_request_id_is_malformed)
{
	struct vu_hdr h = { VU_GET_PROTOCOL_FEATURES,
			    VU_VERSION | VU_FLAG_REPLY, 8 };
	u64 v = 1;
	struct vu_msg m;

	peer_write(&h, sizeof(h));
	peer_write(&v, 8);
	cr_assert_eq(recv_features(&m), -EPROTO);
}

Test(vu_msg, oversized_payload_is_malformed)
{
	struct vu_hdr h = { VU_GET_FEATURES, VU_VERSION | VU_FLAG_REPLY,
			    sizeof(union vu_payload) + 1 };
	struct vu_msg m;

	peer_write(&h, sizeof(h));
	cr_assert_eq(recv_features(&m), -EPROTO);
}

Test(vu_msg, not_a_reply_or_wrong_version_is_malformed)
{
	struct vu_hdr h = { VU_GET_FEATURES, VU_VERSION, 0 };
	struct vu_msg m;

	peer_write(&h, sizeof(h));
	cr_assert_eq(recv_features(&m), -EPROTO);
	h.flags = 2 | VU_FLAG_REPLY;
	peer_write(&h, sizeof(h));
	cr_assert_eq(recv_features(&m), -EPROTO);
}

Test(vu_msg, truncated_reply_is_malformed)
{
	struct vu_hdr h = { VU_GET_FEATURES, VU_VERSION | VU_FLAG_REPLY, 8 };
	u32 half = 7;
	struct vu_msg m;

	peer_write(&h, sizeof(h));
	peer_write(&half, 4);
	shutdown(sv[1], SHUT_WR);
	cr_assert_eq(recv_features(&m), -EPROTO);
}

Test(vu_msg, short_header_then_hangup_is_malformed)
{
	struct vu_hdr h = { VU_GET_FEATURES, VU_VERSION | VU_FLAG_REPLY, 8 };
	struct vu_msg m;

	peer_write(&h, 6);
	shutdown(sv[1], SHUT_WR);
	cr_assert_eq(recv_features(&m), -EPROTO);
}

Test(vu_msg, hangup_before_reply_is_reset)
{
	struct vu_msg m;

	shutdown(sv[1], SHUT_WR);
	cr_assert_eq(recv_features(&m), -ECONNRESET);
}

Test(vu_msg, silence_times_out)
{
	struct vu_msg m;

	cr_assert_eq(recv_features(&m), -ETIMEDOUT);
}

Test(vu_msg, fds_sent_with_a_reply_are_closed)
{
	struct vu_hdr h = { VU_GET_FEATURES, VU_VERSION | VU_FLAG_REPLY, 8 };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct vu_msg out = { .hdr = h, .p.u64 = 3 }, m;
	struct iovec iov = { &out, sizeof(h) + 8 };
	struct msghdr mh = { .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = ctl.buf,
			     .msg_controllen = sizeof(ctl.buf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	int efd = eventfd(0, EFD_CLOEXEC), probe;

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &efd, sizeof(int));
	cr_assert_eq(sendmsg(sv[1], &mh, 0), (ssize_t)(sizeof(h) + 8));
	/* The received copy gets the lowest free number; it must be gone. */
	probe = dup(0);
	close(probe);
	cr_assert_eq(recv_features(&m), 0);
	cr_assert_eq(m.p.u64, 3);
	cr_assert_eq(fcntl(probe, F_GETFD), -1, "the passed fd was kept open");
	close(efd);
}
