// SPDX-License-Identifier: MIT
/*
 * The I/O-thread helper (see iothread.h): a named thread in an epoll loop
 * that hands ready events to its owner's handler and runs the functions
 * other threads pass it with iothread_call(), one at a time, between two
 * batches of events.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "vmm/base/log.h"
#include "vmm/core/iothread.h"

#define IOTHREAD_MAX_EVENTS 8

static int wait_ms(struct iothread *t)
{
	return t->ops->timeout ? t->ops->timeout(t->opaque) : -1;
}

/* A call came: run it and tell its caller. False when told to return. */
static bool run_call(struct iothread *t)
{
	void (*fn)(void *arg);
	void *arg;
	u64 v;
	bool exit;

	if (read(t->call_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		pr_warn("%s: eventfd read: %s", t->name, strerror(errno));
	pthread_mutex_lock(&t->lock);
	fn = t->fn;
	arg = t->arg;
	t->fn = NULL;
	pthread_mutex_unlock(&t->lock);
	if (fn)
		fn(arg);
	pthread_mutex_lock(&t->lock);
	if (fn)
		t->done = true;
	exit = t->exit;
	pthread_cond_broadcast(&t->cond);
	pthread_mutex_unlock(&t->lock);
	return !exit;
}

static void *iothread_main(void *arg)
{
	struct iothread *t = arg;
	struct epoll_event ev[IOTHREAD_MAX_EVENTS];
	bool call;
	int n, m, i;

	pthread_setname_np(pthread_self(), t->name);
	for (;;) {
		n = epoll_wait(t->epfd, ev, IOTHREAD_MAX_EVENTS, wait_ms(t));
		if (n < 0 && errno != EINTR)
			break;
		call = false;
		for (i = m = 0; i < n; i++) {
			if (ev[i].data.u64 == IOTHREAD_TAG_CALL)
				call = true;
			else
				ev[m++] = ev[i];
		}
		if (m || n <= 0)
			t->ops->events(t->opaque, ev, m);
		if (call && !run_call(t))
			return NULL;
	}
	/* Cannot happen with a valid epoll fd; callers then run calls. */
	pr_warn("%s: epoll_wait: %s; the I/O thread stops", t->name,
		strerror(errno));
	pthread_mutex_lock(&t->lock);
	t->exit = true;
	pthread_cond_broadcast(&t->cond);
	pthread_mutex_unlock(&t->lock);
	return NULL;
}

/* Start the thread with every signal blocked: they are the main thread's. */
static int start_thread(struct iothread *t)
{
	pthread_attr_t attr;
	sigset_t all, old;
	int ret;

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, IOTHREAD_STACK_SIZE);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	ret = pthread_create(&t->thread, &attr, iothread_main, t);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	return -ret;
}

void thread_name(char buf[IOTHREAD_NAME_LEN], const char *vm, const char *what)
{
	int room = IOTHREAD_NAME_LEN - 2 - (int)strlen(what);

	if (vm && room > 0)
		snprintf(buf, IOTHREAD_NAME_LEN, "%.*s:%s", room, vm, what);
	else
		snprintf(buf, IOTHREAD_NAME_LEN, "%s", what);
}

int iothread_create(struct iothread *t, const char *name,
		    const struct iothread_ops *ops, void *opaque,
		    struct err *err)
{
	int ret;

	memset(t, 0, sizeof(*t));
	t->epfd = t->call_fd = -1;
	snprintf(t->name, sizeof(t->name), "%s", name);
	t->ops = ops;
	t->opaque = opaque;
	pthread_mutex_init(&t->call_lock, NULL);
	pthread_mutex_init(&t->lock, NULL);
	pthread_cond_init(&t->cond, NULL);
	t->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (t->epfd < 0)
		return err_host(err, -errno, "%s: epoll_create1: %s", name,
				strerror(errno));
	t->call_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (t->call_fd < 0)
		return err_host(err, -errno, "%s: eventfd: %s", name,
				strerror(errno));
	ret = iothread_add(t, t->call_fd, EPOLLIN, IOTHREAD_TAG_CALL);
	if (ret)
		return err_host(err, ret, "%s: epoll_ctl: %s", name,
				strerror(-ret));
	ret = start_thread(t);
	if (ret)
		return err_host(err, ret,
				"%s: cannot create the I/O thread: %s", name,
				strerror(-ret));
	t->started = true;
	return 0;
}

static void wake(struct iothread *t)
{
	u64 one = 1;

	if (write(t->call_fd, &one, sizeof(one)) < 0)
		pr_warn("%s: eventfd write: %s", t->name, strerror(errno));
}

void iothread_call(struct iothread *t, void (*fn)(void *arg), void *arg)
{
	bool done;

	if (!t->started || pthread_equal(pthread_self(), t->thread)) {
		fn(arg);
		return;
	}
	pthread_mutex_lock(&t->call_lock);
	pthread_mutex_lock(&t->lock);
	t->fn = fn;
	t->arg = arg;
	t->done = false;
	pthread_mutex_unlock(&t->lock);
	wake(t);
	pthread_mutex_lock(&t->lock);
	while (!t->done && !t->exit)
		pthread_cond_wait(&t->cond, &t->lock);
	done = t->done;
	t->fn = NULL;
	pthread_mutex_unlock(&t->lock);
	/* The thread is gone: nobody else touches the state now. */
	if (!done)
		fn(arg);
	pthread_mutex_unlock(&t->call_lock);
}

void iothread_destroy(struct iothread *t)
{
	if (!t->ops)
		return; /* never created */
	if (t->started) {
		pthread_mutex_lock(&t->lock);
		t->exit = true;
		pthread_mutex_unlock(&t->lock);
		wake(t);
		pthread_join(t->thread, NULL);
		t->started = false;
	}
	if (t->call_fd >= 0)
		close(t->call_fd);
	if (t->epfd >= 0)
		close(t->epfd);
	t->call_fd = t->epfd = -1;
	pthread_cond_destroy(&t->cond);
	pthread_mutex_destroy(&t->lock);
	pthread_mutex_destroy(&t->call_lock);
	t->ops = NULL;
}

static int ctl(struct iothread *t, int op, int fd, u32 events, u64 tag)
{
	struct epoll_event ev = { .events = events, .data.u64 = tag };

	if (fd < 0)
		return 0;
	return epoll_ctl(t->epfd, op, fd, &ev) < 0 ? -errno : 0;
}

int iothread_add(struct iothread *t, int fd, u32 events, u64 tag)
{
	return ctl(t, EPOLL_CTL_ADD, fd, events, tag);
}

int iothread_mod(struct iothread *t, int fd, u32 events, u64 tag)
{
	return ctl(t, EPOLL_CTL_MOD, fd, events, tag);
}

void iothread_del(struct iothread *t, int fd)
{
	int ret = ctl(t, EPOLL_CTL_DEL, fd, 0, 0);

	/* Not watched (a start that failed half-way) is fine. */
	if (ret && ret != -ENOENT)
		pr_warn("%s: cannot stop watching fd %d: %s", t->name, fd,
			strerror(-ret));
}
