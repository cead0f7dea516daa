// SPDX-License-Identifier: MIT
/*
 * A client's socket: reading exactly the bytes the protocol expects next,
 * and a queue of outgoing messages written as the socket takes them. All
 * of it non-blocking; a client that cannot keep up is only ever slowed
 * (the server stops reading from it), never allowed to stall the others.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "vmm/base/log.h"
#include "vmm/img/nbd/nbd_int.h"

#define OUT_BATCH 64 /* buffers per sendmsg() */

void nbd_client_log(const struct nbd_client *c, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pr_info("nbd client %u: %s", c->id, msg);
}

void nbd_rx_expect(struct nbd_client *c, void *p, u32 len)
{
	c->rx = (struct nbd_rx){ .p = p, .want = len };
}

int nbd_rx(struct nbd_client *c)
{
	struct nbd_rx *rx = &c->rx;
	ssize_t n;

	while (rx->got < rx->want) {
		n = recv(c->fd, rx->p + rx->got, rx->want - rx->got,
			 MSG_DONTWAIT);
		if (n > 0) {
			rx->got += n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n == 0 &&
		    (c->st == NBD_ST_REQ_HEADER ||
		     c->st == NBD_ST_OPT_HEADER) &&
		    !rx->got)
			nbd_client_log(c, "disconnected");
		else
			nbd_client_log(c, "connection lost mid-message (%s)",
				       n ? strerror(errno) : "end of stream");
		return -1;
	}
	return 1;
}

struct nbd_buf *nbd_buf_new(u64 len)
{
	struct nbd_buf *b = malloc(sizeof(*b) + len);

	if (!b)
		return NULL;
	b->next = NULL;
	b->len = len;
	b->sent = 0;
	b->data = (u8 *)(b + 1);
	return b;
}

void nbd_queue(struct nbd_client *c, struct nbd_buf *b)
{
	if (c->out_tail)
		c->out_tail->next = b;
	else
		c->out = b;
	c->out_tail = b;
	c->out_bytes += b->len;
}

int nbd_send(struct nbd_client *c, const void *data, u64 len)
{
	struct nbd_buf *b = nbd_buf_new(len);

	if (!b)
		return -1;
	memcpy(b->data, data, len);
	nbd_queue(c, b);
	return 0;
}

/* Account for @n bytes sent from the head of the queue. */
static void consume(struct nbd_client *c, u64 n)
{
	while (n && c->out) {
		struct nbd_buf *b = c->out;
		u64 k = MIN(n, b->len - b->sent);

		b->sent += k;
		n -= k;
		c->out_bytes -= k;
		if (b->sent < b->len)
			break;
		c->out = b->next;
		if (!c->out)
			c->out_tail = NULL;
		free(b);
	}
}

int nbd_flush_out(struct nbd_client *c)
{
	struct iovec iov[OUT_BATCH];
	struct msghdr msg = { .msg_iov = iov };
	struct nbd_buf *b;
	ssize_t n;
	int i;

	while (c->out && !c->dead) {
		for (i = 0, b = c->out; b && i < OUT_BATCH; b = b->next, i++)
			iov[i] = (struct iovec){ b->data + b->sent,
						 b->len - b->sent };
		msg.msg_iovlen = i;
		n = sendmsg(c->fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n < 0) {
			nbd_client_log(c, "cannot send: %s", strerror(errno));
			return -1;
		}
		consume(c, n);
	}
	nbd_update_events(c);
	return 0;
}
