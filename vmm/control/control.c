// SPDX-License-Identifier: MIT
/*
 * The control socket's thread (control.h): accepting, reading lines,
 * parsing, handing requests to the main thread through a one-slot mailbox
 * and writing the answers back.
 *
 * The mailbox: the thread fills it and signals req_fd (which the main
 * thread polls); the main thread answers and signals rep_fd (which this
 * thread watches). While a request is out, the client is not read, so
 * there is never more than one.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vmm/base/log.h"
#include "vmm/control/control.h"
#include "vmm/control/ctl_socket.h"
#include "vmm/core/iothread.h"

enum { EV_LISTEN, EV_CLIENT, EV_REPLY };

struct control {
	struct iothread io;
	char *path;
	struct ctl_socket_id id;
	int listen_fd;
	int req_fd, rep_fd; /* eventfds: request out, answer back */

	/* The thread's alone. */
	int client; /* -1: none */
	char *in;   /* CTL_LINE_MAX bytes of a line */
	size_t in_len;
	bool discarding; /* the rest of an overlong line */
	bool out;	 /* a request is with the main thread */
	json_t *out_id;

	/* The mailbox, under lock. */
	pthread_mutex_t lock;
	bool full, answered;
	struct ctl_request req;
	json_t *result;
	struct err err;
};

static void send_line(int fd, const char *line)
{
	size_t len = strlen(line), done = 0;
	ssize_t n;

	/* A client that does not read its replies loses them, no more. */
	while (done < len) {
		n = send(fd, line + done, len - done,
			 MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		done += n;
	}
}

static void reply(int fd, json_t *id, json_t *result, const struct err *err,
		  const char *class_name)
{
	char *line = ctl_format_reply(id, result, err, class_name);

	if (line)
		send_line(fd, line);
	free(line);
}

static void drop_client(struct control *c)
{
	if (c->client < 0)
		return;
	iothread_del(&c->io, c->client);
	close(c->client);
	c->client = -1;
	c->in_len = 0;
	c->discarding = false;
}

/* Hand a parsed request to the main thread; stop reading meanwhile. */
static void post(struct control *c, const struct ctl_request *req, json_t *id)
{
	u64 one = 1;

	pthread_mutex_lock(&c->lock);
	c->req = *req;
	c->full = true;
	c->answered = false;
	pthread_mutex_unlock(&c->lock);
	c->out = true;
	c->out_id = id;
	if (c->client >= 0)
		iothread_mod(&c->io, c->client, 0, EV_CLIENT);
	if (write(c->req_fd, &one, sizeof(one)) < 0)
		pr_warn("control: eventfd write: %s", strerror(errno));
}

static void handle_line(struct control *c, const char *line, size_t len)
{
	struct ctl_request req;
	struct err err = { 0 };
	json_t *id;

	if (ctl_parse_request(line, len, &req, &id, &err)) {
		reply(c->client, id, NULL, &err, NULL);
		json_decref(id);
		return;
	}
	post(c, &req, id);
}

/* Whole lines in the buffer, until a request goes out. */
static void handle_lines(struct control *c)
{
	struct err err = { 0 };
	char *nl;
	size_t len;

	while (!c->out && c->client >= 0 &&
	       (nl = memchr(c->in, '\n', c->in_len))) {
		len = nl - c->in;
		if (c->discarding)
			c->discarding = false;
		else if (len && !(len == 1 && c->in[0] == '\r'))
			handle_line(c, c->in, len);
		memmove(c->in, nl + 1, c->in_len - len - 1);
		c->in_len -= len + 1;
	}
	if (c->in_len < CTL_LINE_MAX || c->out)
		return;
	/* A full buffer and no newline: refuse the line once, skip it. */
	if (!c->discarding) {
		err_input(&err, -E2BIG, "request line longer than %u bytes",
			  CTL_LINE_MAX);
		reply(c->client, NULL, NULL, &err, NULL);
	}
	c->discarding = true;
	c->in_len = 0;
}

static void read_client(struct control *c)
{
	ssize_t n;

	for (;;) {
		n = read(c->client, c->in + c->in_len,
			 CTL_LINE_MAX - c->in_len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0)
			return drop_client(c);
		c->in_len += n;
		handle_lines(c);
		if (c->out || c->client < 0)
			return;
	}
}

/* One client at a time: another gets an error and is let go. */
static void accept_client(struct control *c)
{
	struct err err = { 0 };
	int fd;

	while ((fd = accept4(c->listen_fd, NULL, NULL,
			     SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		if (c->client >= 0) {
			err_host(&err, -EBUSY,
				 "another client is connected; one at a time");
			reply(fd, NULL, NULL, &err, "busy");
			close(fd);
			continue;
		}
		c->client = fd;
		if (iothread_add(&c->io, fd, c->out ? 0 : EPOLLIN, EV_CLIENT))
			drop_client(c);
	}
}

/* The main thread answered: send it, read on. */
static void deliver(struct control *c)
{
	json_t *result;
	struct err err;
	bool answered;
	u64 v;

	if (c->rep_fd < 0)
		return;
	if (read(c->rep_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		pr_warn("control: eventfd read: %s", strerror(errno));
	pthread_mutex_lock(&c->lock);
	answered = c->answered;
	result = c->result;
	err = c->err;
	c->result = NULL;
	c->answered = false;
	pthread_mutex_unlock(&c->lock);
	if (!answered || !c->out)
		return;
	if (c->client >= 0)
		reply(c->client, c->out_id, result, &err, NULL);
	json_decref(result);
	json_decref(c->out_id);
	c->out_id = NULL;
	c->out = false;
	if (c->client < 0)
		return;
	iothread_mod(&c->io, c->client, EPOLLIN, EV_CLIENT);
	handle_lines(c);
}

static void control_events(void *opaque, const struct epoll_event *ev, int n)
{
	struct control *c = opaque;
	int i;

	for (i = 0; i < n; i++) {
		switch (ev[i].data.u64) {
		case EV_LISTEN:
			accept_client(c);
			break;
		case EV_CLIENT:
			if (c->client >= 0 && !c->out)
				read_client(c);
			break;
		case EV_REPLY:
			deliver(c);
			break;
		}
	}
}

static const struct iothread_ops control_ops = { .events = control_events };

struct iothread *control_iothread(struct control *c)
{
	return &c->io;
}

int control_request_fd(struct control *c)
{
	return c->req_fd;
}

bool control_take(struct control *c, struct ctl_request *req)
{
	bool full;
	u64 v;

	if (read(c->req_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		pr_warn("control: eventfd read: %s", strerror(errno));
	pthread_mutex_lock(&c->lock);
	full = c->full;
	if (full)
		*req = c->req;
	c->full = false;
	pthread_mutex_unlock(&c->lock);
	return full;
}

void control_answer(struct control *c, json_t *result, const struct err *err)
{
	u64 one = 1;

	pthread_mutex_lock(&c->lock);
	json_decref(c->result);
	c->result = json_incref(result);
	c->err = err ? *err : (struct err){ 0 };
	c->answered = true;
	pthread_mutex_unlock(&c->lock);
	if (write(c->rep_fd, &one, sizeof(one)) < 0)
		pr_warn("control: eventfd write: %s", strerror(errno));
}

static int add_fds(struct control *c, struct err *err)
{
	int ret;

	c->req_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	c->rep_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (c->req_fd < 0 || c->rep_fd < 0)
		return err_host(err, -errno, "control: eventfd: %s",
				strerror(errno));
	ret = iothread_add(&c->io, c->listen_fd, EPOLLIN, EV_LISTEN);
	if (!ret)
		ret = iothread_add(&c->io, c->rep_fd, EPOLLIN, EV_REPLY);
	if (ret)
		return err_host(err, ret, "control: epoll_ctl: %s",
				strerror(-ret));
	return 0;
}

int control_open(struct control **out, const char *path, const char *vm_name,
		 struct err *err)
{
	struct control *c = calloc(1, sizeof(*c));
	char name[IOTHREAD_NAME_LEN];
	int ret;

	*out = NULL;
	if (!c)
		return err_host(err, -ENOMEM, "out of memory");
	c->listen_fd = c->req_fd = c->rep_fd = c->client = -1;
	pthread_mutex_init(&c->lock, NULL);
	c->path = strdup(path);
	c->in = malloc(CTL_LINE_MAX);
	if (!c->path || !c->in) {
		ret = err_host(err, -ENOMEM, "out of memory");
		goto close;
	}
	/*
	 * jansson seeds its hash function from /dev/urandom on first use:
	 * here, before the thread is confined (it may open no file).
	 */
	json_object_seed(0);
	thread_name(name, vm_name, "ctl");
	ret = iothread_create(&c->io, name, &control_ops, c, err);
	if (ret)
		goto close;
	c->listen_fd = ctl_socket_open(path, &c->id, err);
	if (c->listen_fd < 0) {
		ret = c->listen_fd;
		goto close;
	}
	ret = add_fds(c, err);
	if (ret)
		goto close;
	*out = c;
	return 0;
close:
	control_close(c);
	return ret;
}

/* On the thread: the last answer goes out before the client is closed. */
static void control_drain(void *arg)
{
	struct control *c = arg;

	deliver(c);
	drop_client(c);
}

void control_close(struct control *c)
{
	if (!c)
		return;
	iothread_call(&c->io, control_drain, c);
	iothread_destroy(&c->io);
	if (c->listen_fd >= 0) {
		close(c->listen_fd);
		ctl_socket_remove(c->path, &c->id);
	}
	if (c->req_fd >= 0)
		close(c->req_fd);
	if (c->rep_fd >= 0)
		close(c->rep_fd);
	json_decref(c->result);
	json_decref(c->out_id);
	pthread_mutex_destroy(&c->lock);
	free(c->in);
	free(c->path);
	free(c);
}
