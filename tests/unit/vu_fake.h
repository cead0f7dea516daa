/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_TEST_VU_FAKE_H
#define SQUEEZE_TEST_VU_FAKE_H

/*
 * A scripted fake vhost-user back-end for unit tests: a thread on the far
 * end of a socketpair that reads each request (header, payload, fds),
 * records it, and answers as its script says: a well-formed reply, a
 * malformed one, an ack, silence, or a hang-up; when the script ends it
 * stays connected and silent. Tests then assert on what
 * the front-end sent and on what it made of the answers.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "virtio/vhost_user/vu_proto.h"

enum fake_action {
	FAKE_NONE,  /* read the request, send nothing */
	FAKE_REPLY, /* send reply (hdr + payload) as given */
	FAKE_RAW,   /* send raw bytes (nr_raw of them) */
	FAKE_CLOSE, /* read the request, then hang up */
};

struct fake_step {
	u32 expect; /* request we expect (0: any) */
	enum fake_action action;
	struct vu_msg reply; /* hdr.size payload bytes are sent */
	u8 raw[64];
	unsigned int nr_raw;
};

struct fake_seen {
	struct vu_msg msg;
	int fds[VU_MAX_FDS];
	unsigned int nr_fds;
};

#define FAKE_MAX 32

struct vu_fake {
	int sock[2]; /* [0] front-end's, [1] the fake's */
	pthread_t thread;
	struct fake_step step[FAKE_MAX];
	unsigned int nr_steps;
	struct fake_seen seen[FAKE_MAX];
	unsigned int nr_seen;
	bool bad_order; /* a request other than the expected came */
};

/* A reply to @req of @size payload bytes, flagged as a reply, version 1. */
static inline struct fake_step fake_reply(u32 req, u32 size, u64 value)
{
	struct fake_step s = { .expect = req, .action = FAKE_REPLY };

	s.reply.hdr = (struct vu_hdr){ req, VU_VERSION | VU_FLAG_REPLY, size };
	s.reply.p.u64 = value;
	return s;
}

static inline struct fake_step fake_silent(u32 req)
{
	return (struct fake_step){ .expect = req, .action = FAKE_NONE };
}

static inline bool fake_read_full(int fd, void *buf, size_t len,
				  struct fake_seen *seen)
{
	union {
		char buf[CMSG_SPACE(VU_MAX_FDS * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	size_t done = 0;

	while (done < len) {
		struct iovec iov = { (char *)buf + done, len - done };
		struct msghdr mh = { .msg_iov = &iov,
				     .msg_iovlen = 1,
				     .msg_control = ctl.buf,
				     .msg_controllen = sizeof(ctl.buf) };
		struct cmsghdr *c;
		ssize_t n = recvmsg(fd, &mh, 0);

		if (n <= 0)
			return false;
		for (c = CMSG_FIRSTHDR(&mh); c && seen;
		     c = CMSG_NXTHDR(&mh, c)) {
			unsigned int k =
				(c->cmsg_len - CMSG_LEN(0)) / sizeof(int);

			memcpy(seen->fds + seen->nr_fds, CMSG_DATA(c),
			       k * sizeof(int));
			seen->nr_fds += k;
		}
		done += n;
	}
	return true;
}

static inline void *fake_thread(void *arg)
{
	struct vu_fake *f = arg;
	unsigned int i;

	for (i = 0; i < f->nr_steps; i++) {
		struct fake_step *s = &f->step[i];
		struct fake_seen *seen = &f->seen[f->nr_seen];

		memset(seen, 0, sizeof(*seen));
		if (!fake_read_full(f->sock[1], &seen->msg.hdr,
				    sizeof(seen->msg.hdr), seen) ||
		    seen->msg.hdr.size > sizeof(seen->msg.p) ||
		    !fake_read_full(f->sock[1], &seen->msg.p,
				    seen->msg.hdr.size, seen))
			break;
		f->nr_seen++;
		if (s->expect && s->expect != seen->msg.hdr.request)
			f->bad_order = true;
		if (s->action == FAKE_REPLY &&
		    write(f->sock[1], &s->reply,
			  sizeof(s->reply.hdr) + s->reply.hdr.size) < 0)
			break;
		if (s->action == FAKE_RAW &&
		    write(f->sock[1], s->raw, s->nr_raw) < 0)
			break;
		if (s->action == FAKE_CLOSE) {
			shutdown(f->sock[1], SHUT_RDWR);
			return NULL;
		}
	}
	/* Script done: stay connected, silent, until the front-end leaves. */
	while (i == f->nr_steps && read(f->sock[1], &f->step[0].raw, 1) > 0)
		;
	return NULL;
}

static inline void fake_start(struct vu_fake *f)
{
	cr_assert_eq(
		socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, f->sock), 0);
	cr_assert_eq(pthread_create(&f->thread, NULL, fake_thread, f), 0);
}

/* Wait for the script to end (or the front-end to hang up). */
static inline void fake_join(struct vu_fake *f)
{
	pthread_join(f->thread, NULL);
}

/* After fake_join(): close the fake's socket and the fds it was given. */
static inline void fake_free(struct vu_fake *f)
{
	unsigned int i, k;

	close(f->sock[1]);
	for (i = 0; i < f->nr_seen; i++)
		for (k = 0; k < f->seen[i].nr_fds; k++)
			close(f->seen[i].fds[k]);
}

#endif
