// SPDX-License-Identifier: MIT
/*
 * The in-process virtio-console driver (con_drv.h): ports brought up as
 * Linux's virtio_console does, control messages, and the streams the
 * console tests and bench-exec push through a port both ways.
 */
#include <endian.h>
#include <errno.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "tests/driver/lib/con_drv.h"

static int cbuf_post(struct con_drv *d, u64 gpa)
{
	struct drv_buf b = { .gpa = gpa,
			     .len = CON_DRV_CBUF,
			     .writable = true };
	int head = drv_vq_add(&d->dev.vq[VCON_CTRL_RXQ], &b, 1, false);

	if (head < 0)
		return head;
	d->cbuf[head] = gpa;
	return 0;
}

int con_drv_open(struct con_drv *d, struct drv_env *env, u64 want, u16 qsize,
		 bool no_ready)
{
	unsigned int i;
	u32 max;
	u64 gpa;
	int ret;

	memset(d, 0, sizeof(*d));
	d->env = env;
	ret = drv_probe(env, VIRTIO_ID_CONSOLE, 0, &d->dev);
	if (ret)
		return ret;
	/* max_nr_ports first: it says how many queues there are. */
	ret = drv_config_read(&d->dev, 4, &max, 4);
	if (ret)
		return ret;
	d->max_ports = le32toh(max);
	if (!d->max_ports || d->max_ports > VCON_MAX_PORTS)
		return -EINVAL;
	ret = drv_start(&d->dev, want | 1ULL << VIRTIO_CONSOLE_F_MULTIPORT,
			2 + 2 * d->max_ports, qsize);
	if (ret)
		return ret;
	d->ctx = drv_alloc(env, VCON_CTRL_SIZE, 8);
	for (i = 0; i < CON_DRV_NCBUF; i++) {
		gpa = drv_alloc(env, CON_DRV_CBUF, 64);
		if (!gpa || !d->ctx)
			return -ENOMEM;
		ret = cbuf_post(d, gpa);
		if (ret)
			return ret;
	}
	drv_vq_kick(&d->dev.vq[VCON_CTRL_RXQ]);
	if (no_ready)
		return 0;
	return con_drv_send(d, ~0u, VIRTIO_CONSOLE_DEVICE_READY, 1);
}

int con_drv_send(struct con_drv *d, u32 id, u16 event, u16 value)
{
	struct drv_vq *q = &d->dev.vq[VCON_CTRL_TXQ];
	struct drv_buf b = { .gpa = d->ctx, .len = VCON_CTRL_SIZE };
	u8 *m = drv_ptr(d->env, d->ctx, VCON_CTRL_SIZE);
	u32 i = htole32(id), uid, len;
	u16 e = htole16(event), v = htole16(value);
	int head;

	memcpy(m, &i, 4);
	memcpy(m + 4, &e, 2);
	memcpy(m + 6, &v, 2);
	head = drv_vq_add(q, &b, 1, false);
	if (head < 0)
		return head;
	drv_vq_kick(q);
	return drv_vq_wait(q, 2000, &uid, &len);
}

static int handle(struct con_drv *d, const u8 *m, u32 len)
{
	struct con_drv_port *p;
	u32 id;
	u16 event, value;

	if (len < VCON_CTRL_SIZE)
		return -EIO;
	memcpy(&id, m, 4);
	memcpy(&event, m + 4, 2);
	memcpy(&value, m + 6, 2);
	id = le32toh(id);
	event = le16toh(event);
	value = le16toh(value);
	if (id >= d->max_ports)
		return -ERANGE;
	p = &d->port[id];
	d->nr_msgs++;
	switch (event) {
	case VIRTIO_CONSOLE_DEVICE_ADD:
		if (p->added)
			return -EEXIST;
		p->added = true;
		return con_drv_send(d, id, VIRTIO_CONSOLE_PORT_READY, 1);
	case VIRTIO_CONSOLE_PORT_NAME:
		len = MIN(len - VCON_CTRL_SIZE, (u32)sizeof(p->name) - 1);
		memcpy(p->name, m + VCON_CTRL_SIZE, len);
		p->name[len] = 0;
		return p->added ? 0 : -EPROTO;
	case VIRTIO_CONSOLE_PORT_OPEN:
		p->host_open = value;
		p->nr_open_msgs++;
		return p->added ? 0 : -EPROTO;
	default:
		return -EPROTO;
	}
}

int con_drv_poll(struct con_drv *d, int timeout_ms)
{
	struct drv_vq *q = &d->dev.vq[VCON_CTRL_RXQ];
	int n = 0, ret;
	u32 id, len;

	for (;;) {
		ret = n ? drv_vq_get_used(q, &id, &len) :
			  (drv_vq_wait(q, timeout_ms, &id, &len) ? 0 : 1);
		if (ret <= 0)
			break;
		if (len > CON_DRV_CBUF)
			return -EIO;
		ret = handle(d, drv_ptr(d->env, d->cbuf[id], CON_DRV_CBUF),
			     len);
		if (ret)
			return ret;
		ret = cbuf_post(d, d->cbuf[id]);
		if (ret)
			return ret;
		drv_vq_kick(q);
		n++;
	}
	return n;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int con_drv_ports_up(struct con_drv *d, unsigned int nr, int timeout_ms)
{
	long end = now_ms() + timeout_ms;
	unsigned int i, up;
	int ret;

	do {
		ret = con_drv_poll(d, 100);
		if (ret < 0)
			return ret;
		for (i = up = 0; i < nr; i++)
			up += d->port[i].added && d->port[i].nr_open_msgs;
		if (up == nr)
			return 0;
	} while (now_ms() < end);
	return -ETIMEDOUT;
}

void con_drv_fill(u8 *buf, size_t len, u64 *seed)
{
	u64 x = *seed;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memcpy(buf + i, &x, 8);
	}
	*seed = x;
}

#define STREAM_DEPTH 32

struct stream_q {
	struct drv_vq *q;
	u64 free[STREAM_DEPTH]; /* buffers not in flight */
	unsigned int nfree;
	u64 by_head[VQ_MAX_SIZE];
};

static int stream_add(struct stream_q *sq, u64 gpa, u32 len, bool in)
{
	int h = drv_vq_add(sq->q, &(struct drv_buf){ gpa, len, in }, 1, false);

	if (h < 0)
		return h;
	sq->by_head[h] = gpa;
	return 0;
}

static int stream_setup(struct con_drv *d, struct con_drv_stream *s,
			struct stream_q *tx, struct stream_q *rx)
{
	unsigned int i;
	u64 gpa;
	int ret;

	tx->q = con_drv_txq(d, s->out_port);
	rx->q = con_drv_rxq(d, s->in_port);
	for (i = 0; i < STREAM_DEPTH; i++) {
		gpa = drv_alloc(d->env, s->chunk, 4096);
		if (!gpa)
			return -ENOMEM;
		if (!s->verify)
			con_drv_fill(drv_ptr(d->env, gpa, s->chunk), s->chunk,
				     &s->seed);
		tx->free[tx->nfree++] = gpa;
		gpa = drv_alloc(d->env, s->chunk, 4096);
		if (!gpa)
			return -ENOMEM;
		if (s->in_bytes && (ret = stream_add(rx, gpa, s->chunk, true)))
			return ret;
	}
	drv_vq_kick(rx->q);
	return 0;
}

/* Fill the transmit ring while there is data and a free buffer. */
static int stream_send(struct con_drv *d, struct con_drv_stream *s,
		       struct stream_q *tx, u64 *sent)
{
	u64 gpa;
	u8 *p;
	int ret;

	while (*sent < s->out_bytes && tx->nfree) {
		gpa = tx->free[--tx->nfree];
		p = drv_ptr(d->env, gpa, s->chunk);
		if (s->verify) {
			con_drv_fill(p, s->chunk, &s->seed);
			s->crc_out = crc32(s->crc_out, p, s->chunk);
		}
		ret = stream_add(tx, gpa, s->chunk, false);
		if (ret)
			return ret;
		*sent += s->chunk;
	}
	drv_vq_kick(tx->q);
	return 0;
}

int con_drv_stream(struct con_drv *d, struct con_drv_stream *s)
{
	struct stream_q tx = { 0 }, rx = { 0 };
	u64 sent = 0, gpa;
	u32 id, len;
	int ret, idle = 0;

	s->crc_out = s->crc_in = crc32(0, NULL, 0);
	s->got = 0;
	ret = stream_setup(d, s, &tx, &rx);
	while (!ret && (sent < s->out_bytes || tx.nfree < STREAM_DEPTH ||
			s->got < s->in_bytes)) {
		ret = stream_send(d, s, &tx, &sent);
		if (ret)
			break;
		/* Nothing moved: sleep on a used buffer instead of spinning. */
		if (idle++ > 100 && !tx.nfree &&
		    drv_vq_wait(tx.q, 1, &id, &len) == 0) {
			tx.free[tx.nfree++] = tx.by_head[id];
			idle = 0;
		}
		while (drv_vq_get_used(tx.q, &id, &len) > 0) {
			tx.free[tx.nfree++] = tx.by_head[id];
			idle = 0;
		}
		while (s->in_bytes && drv_vq_get_used(rx.q, &id, &len) > 0) {
			gpa = rx.by_head[id];
			if (len > s->chunk)
				return -EIO;
			if (s->verify)
				s->crc_in =
					crc32(s->crc_in,
					      drv_ptr(d->env, gpa, len), len);
			s->got += len;
			ret = stream_add(&rx, gpa, s->chunk, true);
			drv_vq_kick(rx.q);
			idle = 0;
		}
	}
	return ret;
}
