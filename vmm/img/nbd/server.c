// SPDX-License-Identifier: MIT
/*
 * The NBD server (nbd.h): the listening socket and the stop signals are
 * the first worker's; it hands each new client to the worker with the
 * fewest (itself included), through that worker's inbox. A stop signal
 * writes the stop eventfd every worker watches; the first worker then
 * waits for the others and flushes the disk.
 */
#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vmm/base/log.h"
#include "vmm/img/nbd/nbd_int.h"
#include "vmm/img/nbd/nbd_listen.h"

#define EV_LISTEN ((void *)1)
#define EV_SIGNAL ((void *)2)

static struct nbd_worker *least_busy(struct nbd_server *s)
{
	struct nbd_worker *best = &s->w[0];
	unsigned int i;

	for (i = 1; i < s->nr_workers; i++)
		if (__atomic_load_n(&s->w[i].nr_clients, __ATOMIC_RELAXED) <
		    __atomic_load_n(&best->nr_clients, __ATOMIC_RELAXED))
			best = &s->w[i];
	return best;
}

static void accept_all(struct nbd_server *s)
{
	struct nbd_handover h;
	struct nbd_worker *w;
	int fd;

	while ((fd = accept4(s->lfd, NULL, NULL,
			     SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		nbd_listen_tune(fd, s->cfg.port != 0);
		h = (struct nbd_handover){ .fd = fd, .id = ++s->next_id };
		h.refused = __atomic_fetch_add(&s->nr_clients, 1,
					       __ATOMIC_RELAXED) >=
			    s->cfg.max_clients;
		w = least_busy(s);
		__atomic_add_fetch(&w->nr_clients, 1, __ATOMIC_RELAXED);
		if (w == &s->w[0])
			nbd_worker_adopt(w, &h);
		else if (write(w->inbox[1], &h, sizeof(h)) != sizeof(h))
			nbd_worker_adopt(&s->w[0], &h); /* cannot fail */
	}
}

static void stop(struct nbd_server *s)
{
	u64 one = 1;

	if (s->lfd < 0)
		return;
	pr_info("nbd: stopping: finishing what is in flight, then flushing");
	nbd_listen_close(s->lfd, &s->cfg);
	s->lfd = -1;
	if (write(s->stopfd, &one, sizeof(one)) != sizeof(one))
		pr_err("nbd: cannot signal the stop: %s", strerror(errno));
}

bool nbd_server_event(struct nbd_worker *w, void *tag)
{
	struct signalfd_siginfo si;

	if (tag == EV_LISTEN) {
		accept_all(w->srv);
	} else if (tag == EV_SIGNAL) {
		while (read(w->srv->sigfd, &si, sizeof(si)) == sizeof(si))
			stop(w->srv);
	} else {
		return false;
	}
	return true;
}

/* The thread's confinement, then its clients. */
static int confine_and_run(struct nbd_worker *w)
{
	const struct nbd_config *cfg = &w->srv->cfg;
	int ret = cfg->confine ? cfg->confine(cfg->confine_opaque) : 0;

	if (ret) {
		stop(w->srv);
		return err_host(&w->err, ret,
				"nbd: cannot confine a thread: %s",
				strerror(-ret));
	}
	return nbd_worker_run(w);
}

static void *worker_thread(void *opaque)
{
	struct nbd_worker *w = opaque;

	w->ret = confine_and_run(w);
	return NULL;
}

int nbd_server_run(struct nbd_server *s, struct err *err)
{
	char name[16];
	unsigned int i;
	int ret;

	for (i = 1; i < s->nr_workers; i++) {
		ret = -pthread_create(&s->w[i].thread, NULL, worker_thread,
				      &s->w[i]);
		if (ret) {
			stop(s);
			err_host(err, ret, "nbd: cannot start a thread: %s",
				 strerror(-ret));
			break;
		}
		s->w[i].started = true;
		snprintf(name, sizeof(name), "nbd%u", i);
		pthread_setname_np(s->w[i].thread, name);
	}
	s->w[0].ret = confine_and_run(&s->w[0]);
	for (i = 1; i < s->nr_workers; i++)
		if (s->w[i].started)
			pthread_join(s->w[i].thread, NULL);
	for (i = 0; i < s->nr_workers; i++)
		if (s->w[i].ret && !err_is_set(err))
			*err = s->w[i].err;
	if (err_is_set(err))
		return err->code;
	ret = s->cfg.readonly ? 0 : disk_flush_sync(s->w[0].disk);
	if (ret)
		return err_host(err, ret, "nbd: final flush failed: %s",
				strerror(-ret));
	return 0;
}

static int add_workers(struct nbd_server *s, struct disk *disk, struct err *err)
{
	unsigned int i, n = s->cfg.workers;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	struct nbd_worker *w;
	int ret;

	if (!n)
		n = cpus > 0 ? cpus : 1;
	if (!s->cfg.readonly || !s->cfg.reopen)
		n = 1;
	s->nr_workers = MIN(n, NBD_MAX_WORKERS);
	for (i = 0; i < s->nr_workers; i++) {
		w = &s->w[i];
		*w = (struct nbd_worker){ .srv = s,
					  .index = i,
					  .disk = disk,
					  .epfd = -1,
					  .inbox = { -1, -1 } };
		if (i) {
			ret = disk_open(&w->own, s->cfg.reopen, err);
			if (ret)
				return ret;
			w->own_open = true;
			w->disk = &w->own;
		}
		ret = nbd_worker_init(w, err);
		if (ret)
			return ret;
	}
	ret = nbd_watch(s->w[0].epfd, s->lfd, EPOLLIN, EV_LISTEN);
	if (!ret)
		ret = nbd_watch(s->w[0].epfd, s->sigfd, EPOLLIN, EV_SIGNAL);
	return ret ? err_host(err, ret, "nbd: epoll: %s", strerror(-ret)) : 0;
}

static void tune(struct nbd_server *s, const struct disk *disk)
{
	s->size = disk->size;
	s->tflags = NBD_FLAG_HAS_FLAGS | NBD_FLAG_SEND_FLUSH |
		    NBD_FLAG_SEND_FUA | NBD_FLAG_SEND_DF |
		    NBD_FLAG_CAN_MULTI_CONN;
	if (s->cfg.readonly)
		s->tflags |= NBD_FLAG_READ_ONLY;
	if (!s->cfg.readonly && disk->can_discard)
		s->tflags |= NBD_FLAG_SEND_TRIM;
	if (!s->cfg.readonly && disk->can_write_zeroes)
		s->tflags |= NBD_FLAG_SEND_WRITE_ZEROES;
	/*
	 * Reply buffers come and go at the rate of requests: keep them in
	 * the heap rather than mmap()ing and faulting in each one afresh.
	 */
	mallopt(M_MMAP_THRESHOLD, 2 * NBD_MAX_PAYLOAD);
	mallopt(M_TRIM_THRESHOLD, 256 * MiB);
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
	s->sigfd = s->lfd = s->stopfd = -1;
	tune(s, disk);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	s->sigfd = signalfd(-1, &sigs, SFD_NONBLOCK | SFD_CLOEXEC);
	s->stopfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (s->sigfd < 0 || s->stopfd < 0) {
		ret = err_host(err, -errno, "nbd: %s", strerror(errno));
		goto fail;
	}
	ret = nbd_listen_open(&s->cfg, &s->lfd, err);
	if (!ret)
		ret = add_workers(s, disk, err);
	if (ret)
		goto fail;
	*out = s;
	return 0;
fail:
	nbd_server_free(s);
	return ret;
}

void nbd_server_free(struct nbd_server *s)
{
	unsigned int i;

	if (!s)
		return;
	for (i = 0; i < s->nr_workers; i++)
		nbd_worker_fini(&s->w[i]);
	nbd_listen_close(s->lfd, &s->cfg);
	if (s->sigfd >= 0)
		close(s->sigfd);
	if (s->stopfd >= 0)
		close(s->stopfd);
	free(s);
}
