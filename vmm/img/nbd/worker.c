// SPDX-License-Identifier: MIT
/*
 * One serving thread of the NBD server (nbd_int.h): an epoll set over its
 * disk's completions, its inbox of handed-over clients, the stop eventfd
 * and its clients' sockets. A client is read from only while its queued
 * replies and requests in flight stay under a budget; a stop reads
 * nothing new, lets what is in flight finish and go out (for at most
 * STOP_DRAIN_MS), then the thread ends.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "vmm/img/nbd/nbd_int.h"
#include "vmm/img/nbd/nbd_listen.h"

#define EV_INBOX	    ((void *)4)
#define EV_STOP		    ((void *)5)
#define EV_DISK		    ((void *)6)
#define CLIENT_BUDGET	    (64 * MiB) /* replies queued + data in flight */
#define CLIENT_MAX_INFLIGHT 256
#define STOP_DRAIN_MS	    30000 /* for replies to slow clients */

int nbd_watch(int epfd, int fd, u32 events, void *tag)
{
	struct epoll_event ev = { .events = events, .data.ptr = tag };

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

static bool may_read(const struct nbd_client *c)
{
	return !c->dead && !c->closing && !c->w->stopping &&
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
	epoll_ctl(c->w->epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

void nbd_drop(struct nbd_client *c)
{
	struct nbd_buf *b;

	if (c->dead)
		return;
	c->dead = true;
	epoll_ctl(c->w->epfd, EPOLL_CTL_DEL, c->fd, NULL);
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
		nbd_req_free(c->req); /* its data never came: nothing done */
	c->req = NULL;
	__atomic_sub_fetch(&c->srv->nr_clients, 1, __ATOMIC_RELAXED);
	__atomic_sub_fetch(&c->w->nr_clients, 1, __ATOMIC_RELAXED);
}

void nbd_worker_adopt(struct nbd_worker *w, const struct nbd_handover *h)
{
	struct nbd_client *c = calloc(1, sizeof(*c));

	if (!c) {
		close(h->fd);
		__atomic_sub_fetch(&w->srv->nr_clients, 1, __ATOMIC_RELAXED);
		__atomic_sub_fetch(&w->nr_clients, 1, __ATOMIC_RELAXED);
		return;
	}
	c->srv = w->srv;
	c->w = w;
	c->fd = h->fd;
	c->id = h->id;
	c->refused = h->refused;
	c->events = EPOLLIN;
	c->next = w->clients;
	w->clients = c;
	if (c->refused)
		nbd_client_log(
			c,
			"refused: %u clients are connected already (the limit)",
			w->srv->cfg.max_clients);
	if (nbd_watch(w->epfd, c->fd, EPOLLIN, c) || nbd_hello(c) ||
	    nbd_flush_out(c))
		nbd_drop(c);
}

static void client_input(struct nbd_client *c)
{
	int ret;

	while (may_read(c)) {
		ret = nbd_rx(c);
		if (ret == 0)
			break;
		if (ret > 0)
			ret = c->st <= NBD_ST_OPT_DATA ? nbd_handshake_step(c) :
							 nbd_trans_step(c);
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

static void stop(struct nbd_worker *w)
{
	struct nbd_client *c;

	if (w->stopping)
		return;
	w->stopping = true;
	epoll_ctl(w->epfd, EPOLL_CTL_DEL, w->srv->stopfd, NULL);
	for (c = w->clients; c; c = c->next)
		if (c->st <= NBD_ST_OPT_DATA)
			nbd_drop(c);
}

/* Free dropped clients with nothing in flight; close finished ones. */
static bool reap(struct nbd_worker *w, bool force)
{
	struct nbd_client **p = &w->clients, *c;
	bool busy = false;

	while ((c = *p)) {
		if (!c->dead && (c->closing || w->stopping) && !c->inflight &&
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

static void inbox(struct nbd_worker *w)
{
	struct nbd_handover h;

	while (read(w->inbox[0], &h, sizeof(h)) == sizeof(h))
		nbd_worker_adopt(w, &h);
}

static void dispatch(struct nbd_worker *w, const struct epoll_event *ev)
{
	if (ev->data.ptr == EV_DISK)
		w->disk->ops->complete(w->disk);
	else if (ev->data.ptr == EV_INBOX)
		inbox(w);
	else if (ev->data.ptr == EV_STOP)
		stop(w);
	else if (!nbd_server_event(w, ev->data.ptr))
		client_event(ev->data.ptr, ev->events);
}

int nbd_worker_run(struct nbd_worker *w)
{
	struct epoll_event ev[64];
	int n, i, waited = 0;

	for (;;) {
		n = epoll_wait(w->epfd, ev, ARRAY_SIZE(ev),
			       w->stopping ? 100 : -1);
		if (n < 0 && errno != EINTR)
			return err_host(&w->err, -errno, "nbd: epoll_wait: %s",
					strerror(errno));
		for (i = 0; i < n; i++)
			dispatch(w, &ev[i]);
		if (w->disk->event_fd < 0)
			w->disk->ops->complete(w->disk);
		if (w->stopping && n <= 0)
			waited += 100;
		if (!reap(w, waited >= STOP_DRAIN_MS) && w->stopping)
			return 0;
	}
}

int nbd_worker_init(struct nbd_worker *w, struct err *err)
{
	int ret;

	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (w->epfd < 0 || pipe2(w->inbox, O_CLOEXEC | O_NONBLOCK))
		return err_host(err, -errno, "nbd: %s", strerror(errno));
	ret = nbd_watch(w->epfd, w->inbox[0], EPOLLIN, EV_INBOX);
	if (!ret)
		ret = nbd_watch(w->epfd, w->srv->stopfd, EPOLLIN, EV_STOP);
	if (!ret && w->disk->event_fd >= 0)
		ret = nbd_watch(w->epfd, w->disk->event_fd, EPOLLIN, EV_DISK);
	return ret ? err_host(err, ret, "nbd: epoll: %s", strerror(-ret)) : 0;
}

void nbd_worker_fini(struct nbd_worker *w)
{
	struct nbd_client *c;

	while ((c = w->clients)) {
		nbd_drop(c);
		w->clients = c->next;
		free(c);
	}
	if (w->epfd >= 0)
		close(w->epfd);
	if (w->inbox[0] >= 0) {
		close(w->inbox[0]);
		close(w->inbox[1]);
	}
	if (w->own_open)
		disk_close(&w->own);
}
