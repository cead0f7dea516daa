// SPDX-License-Identifier: MIT
/*
 * The NBD server's loop (nbd.h): one epoll set over the listening socket,
 * a signalfd for the stop signals, the disk's completions and the
 * clients. A client is read from only while its replies and requests in
 * flight stay under a budget; a stop reads nothing new, lets what is in
 * flight finish and go out, then flushes the disk.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vmm/base/log.h"
#include "vmm/img/nbd/nbd_int.h"
#include "vmm/img/nbd/nbd_listen.h"

#define EV_LISTEN	((void *)1)
#define EV_SIGNAL	((void *)2)
#define EV_DISK		((void *)3)
#define CLIENT_BUDGET	(64 * MiB)	/* replies queued + data in flight */
#define CLIENT_MAX_INFLIGHT 256
#define STOP_DRAIN_MS	30000		/* for replies to slow clients */

static int watch(struct nbd_server *s, int fd, u32 events, void *tag)
{
	struct epoll_event ev = { .events = events, .data.ptr = tag };

	return epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

static bool may_read(const struct nbd_client *c)
{
	return !c->dead && !c->closing && !c->srv->stopping &&
	       c->out_bytes + c->inflight_bytes < CLIENT_BUDGET &&
	       c->inflight < CLIENT_MAX_INFLIGHT;
}

void nbd_update_events(struct nbd_client *c)
{
	u32 want = (may_read(c) ? EPOLLIN : 0) | (c->out ? EPOLLOUT : 0);
	struct epoll_event ev = { .events = want, .data.ptr = c };

	if (c->dead || want == c->events)
		return;
	c->events = want;
	epoll_ctl(c->srv->epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

void nbd_drop(struct nbd_client *c)
{
	struct nbd_buf *b;

	if (c->dead)
		return;
	c->dead = true;
	epoll_ctl(c->srv->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	c->fd = -1;
	while ((b = c->out)) {
		c->out = b->next;
		free(b);
	}
	c->out_tail = NULL;
	c->out_bytes = 0;
	free(c->opt);
	c->opt = NULL;
	if (c->req)
		nbd_req_free(c->req);	/* its data never came: nothing done */
	c->req = NULL;
	c->srv->nr_clients--;
}

static void add_client(struct nbd_server *s, int fd)
{
	struct nbd_client *c = calloc(1, sizeof(*c));

	if (!c) {
		close(fd);
		return;
	}
	c->srv = s;
	c->fd = fd;
	c->id = ++s->next_id;
	c->refused = s->nr_clients >= s->cfg.max_clients;
	c->events = EPOLLIN;
	c->next = s->clients;
	s->clients = c;
	s->nr_clients++;
	if (c->refused)
		nbd_client_log(c, "refused: %u clients are connected already (the limit)",
			       s->cfg.max_clients);
	if (watch(s, fd, EPOLLIN, c) || nbd_hello(c) || nbd_flush_out(c))
		nbd_drop(c);
}

static void accept_all(struct nbd_server *s)
{
	int fd;

	while ((fd = accept4(s->lfd, NULL, NULL,
			     SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		nbd_listen_tune(fd, s->cfg.port != 0);
		add_client(s, fd);
	}
}

static void client_input(struct nbd_client *c)
{
	int ret;

	while (may_read(c)) {
		ret = nbd_rx(c);
		if (ret == 0)
			break;
		if (ret > 0)
			ret = c->st <= NBD_ST_OPT_DATA ?
			      nbd_handshake_step(c) : nbd_trans_step(c);
		if (ret < 0) {
			nbd_drop(c);
			return;
		}
	}
	if (nbd_flush_out(c))
		nbd_drop(c);
}

static void client_event(struct nbd_client *c, u32 events)
{
	if (c->dead)
		return;
	if (events & EPOLLOUT && nbd_flush_out(c)) {
		nbd_drop(c);
		return;
	}
	if (events & EPOLLIN)
		client_input(c);
	else if (events & (EPOLLERR | EPOLLHUP))
		nbd_drop(c);
}

static void stop(struct nbd_server *s)
{
	struct nbd_client *c;

	if (s->stopping)
		return;
	s->stopping = true;
	pr_info("nbd: stopping: finishing what is in flight, then flushing");
	nbd_listen_close(s->lfd, &s->cfg);
	s->lfd = -1;
	for (c = s->clients; c; c = c->next)
		if (c->st <= NBD_ST_OPT_DATA)
			nbd_drop(c);
}

/* Free dropped clients with nothing in flight; close finished ones. */
static bool reap(struct nbd_server *s, bool force)
{
	struct nbd_client **p = &s->clients, *c;
	bool busy = false;

	while ((c = *p)) {
		if (!c->dead && (c->closing || s->stopping) && !c->inflight &&
		    (!c->out || force))
			nbd_drop(c);
		if (c->dead && !c->inflight) {
			*p = c->next;
			free(c);
			continue;
		}
		if (!c->dead)
			nbd_update_events(c);
		busy = true;
		p = &c->next;
	}
	return busy;
}

static void dispatch(struct nbd_server *s, const struct epoll_event *ev)
{
	struct signalfd_siginfo si;

	if (ev->data.ptr == EV_LISTEN) {
		accept_all(s);
	} else if (ev->data.ptr == EV_SIGNAL) {
		while (read(s->sigfd, &si, sizeof(si)) == sizeof(si))
			stop(s);
	} else if (ev->data.ptr == EV_DISK) {
		s->disk->ops->complete(s->disk);
	} else {
		client_event(ev->data.ptr, ev->events);
	}
}

int nbd_server_run(struct nbd_server *s, struct err *err)
{
	struct epoll_event ev[64];
	int n, i, waited = 0, ret;

	for (;;) {
		n = epoll_wait(s->epfd, ev, ARRAY_SIZE(ev),
			       s->stopping ? 100 : -1);
		if (n < 0 && errno != EINTR)
			return err_host(err, -errno, "nbd: epoll_wait: %s",
					strerror(errno));
		for (i = 0; i < n; i++)
			dispatch(s, &ev[i]);
		if (s->kick) {
			s->kick = false;
			s->disk->ops->kick(s->disk);
		}
		if (s->disk->event_fd < 0)
			s->disk->ops->complete(s->disk);
		if (s->stopping && n <= 0)
			waited += 100;
		if (!reap(s, waited >= STOP_DRAIN_MS) && s->stopping)
			break;
	}
	ret = s->cfg.readonly ? 0 : disk_flush_sync(s->disk);
	if (ret)
		return err_host(err, ret, "nbd: final flush failed: %s",
				strerror(-ret));
	return 0;
}

int nbd_server_new(struct nbd_server **out, struct disk *disk,
		   const struct nbd_config *cfg, struct err *err)
{
	struct nbd_server *s = calloc(1, sizeof(*s));
	sigset_t sigs;
	int ret;

	if (!s)
		return err_host(err, -ENOMEM, "out of memory");
	s->cfg = *cfg;
	s->disk = disk;
	s->epfd = s->sigfd = s->lfd = -1;
	s->tflags = NBD_FLAG_HAS_FLAGS | NBD_FLAG_SEND_FLUSH |
		    NBD_FLAG_SEND_FUA | NBD_FLAG_SEND_DF |
		    NBD_FLAG_CAN_MULTI_CONN;
	if (cfg->readonly)
		s->tflags |= NBD_FLAG_READ_ONLY;
	if (!cfg->readonly && disk->can_discard)
		s->tflags |= NBD_FLAG_SEND_TRIM;
	if (!cfg->readonly && disk->can_write_zeroes)
		s->tflags |= NBD_FLAG_SEND_WRITE_ZEROES;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	s->sigfd = signalfd(-1, &sigs, SFD_NONBLOCK | SFD_CLOEXEC);
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (s->sigfd < 0 || s->epfd < 0) {
		ret = err_host(err, -errno, "nbd: %s", strerror(errno));
		goto fail;
	}
	ret = nbd_listen_open(&s->cfg, &s->lfd, err);
	if (!ret)
		ret = watch(s, s->lfd, EPOLLIN, EV_LISTEN);
	if (!ret)
		ret = watch(s, s->sigfd, EPOLLIN, EV_SIGNAL);
	if (!ret && disk->event_fd >= 0)
		ret = watch(s, disk->event_fd, EPOLLIN, EV_DISK);
	if (ret) {
		if (!err_is_set(err))
			err_host(err, ret, "nbd: epoll: %s", strerror(-ret));
		goto fail;
	}
	*out = s;
	return 0;
fail:
	nbd_server_free(s);
	return ret;
}

void nbd_server_free(struct nbd_server *s)
{
	struct nbd_client *c;

	if (!s)
		return;
	while ((c = s->clients)) {
		nbd_drop(c);
		s->clients = c->next;
		free(c);
	}
	nbd_listen_close(s->lfd, &s->cfg);
	if (s->sigfd >= 0)
		close(s->sigfd);
	if (s->epfd >= 0)
		close(s->epfd);
	free(s);
}
