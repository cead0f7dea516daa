// SPDX-License-Identifier: MIT
/*
 * net_bench NS_A NS_B NS_DEV SECONDS
 *
 * Frames per second and Gbit/s, 1514-byte frames and 64 KiB TSO frames,
 * each way:
 *   - host limit: AF_PACKET on veth end "va" (namespace NS_A) to AF_PACKET
 *     on its peer "vb" (NS_B), and back;
 *   - squeeze: the in-process virtio-net driver through squeeze's device,
 *     I/O thread and tap on bridge br0 (NS_DEV) to an AF_PACKET socket on
 *     br0, and back.
 * The namespaces and links are made by tests/bench/bench_net.sh. Prints a
 * table with the ratio squeeze / veth, each cell the best of REPEAT runs.
 * Not a test: it asserts nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "tests/driver/lib/confine.h"
#include "tests/driver/lib/net_drv.h"
#include "tests/driver/lib/net_host.h"
#include "virtio/pci/virtio_pci.h"

#define F(b) (1ULL << (b))
#define FEATURES                                          \
	(NET_DRV_FEATURES & ~F(VIRTIO_NET_F_GUEST_TSO6) & \
	 ~F(VIRTIO_NET_F_HOST_TSO6))
#define MSS	    1448
#define TSO_PAYLOAD (44 * MSS)
#define SMALL	    1514
#define KICK_BATCH  32
#define REPEAT	    3
/*
 * Frames a sender may have in flight. Without a window the sender
 * overruns the receiver and the numbers measure drop storms, not
 * throughput; with it both paths are flow-controlled the same way.
 */
#define WINDOW 256

enum kind { K_SMALL, K_TSO };

struct frame {
	u8 buf[10 + NET_MAX_FRAME]; /* 10-byte vnet header, then frame */
	size_t len;		    /* frame only */
	struct net_hdr h;
};

struct result {
	u64 frames, bytes;
	double secs;
};

struct counter {
	int fd; /* AF_PACKET receiver */
	volatile bool stop;
	struct result r; /* r.frames: atomic, senders read it */
};

static double now(void);

/*
 * Wait until fewer than WINDOW of @sent frames are not yet received, or
 * for a second at most: a frame the kernel dropped on the way (a full tap
 * queue) never arrives, and the run must not hang on it.
 */
static void window_wait(u64 sent, const u64 *received)
{
	double give_up = 0;

	while (sent - __atomic_load_n(received, __ATOMIC_ACQUIRE) >= WINDOW) {
		if (!give_up)
			give_up = now() + 1.0;
		else if (now() > give_up)
			return;
		sched_yield();
	}
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static void make_frame(struct frame *f, enum kind k, const u8 *dst,
		       const u8 *src)
{
	static const u8 fill = 0x5a;
	u8 *p = f->buf + 10;

	memset(&f->h, 0, sizeof(f->h));
	if (k == K_SMALL) {
		nh_eth(p, dst, src, NET_TEST_ETHERTYPE);
		memset(p + 14, fill, SMALL - 14);
		f->len = SMALL;
	} else {
		u8 *payload = malloc(TSO_PAYLOAD);

		memset(payload, fill, TSO_PAYLOAD);
		f->len = nh_tcp4(p, dst, src, 1, payload, TSO_PAYLOAD, MSS,
				 &f->h);
		free(payload);
	}
	nh_vnet10(&f->h, f->buf);
}

static bool ours(const u8 *fr, size_t len)
{
	return len >= 14 &&
	       ((fr[12] == 0x88 && fr[13] == 0xb5) ||
		(len >= 54 && fr[12] == 0x08 && fr[13] == 0 && fr[23] == 6));
}

/* Count frames arriving on an AF_PACKET socket (vnet header first). */
static void *count_socket(void *arg)
{
	struct counter *c = arg;
	u8 *buf = malloc(10 + NET_MAX_FRAME);
	double t0 = now();

	while (!c->stop) {
		ssize_t n = nh_recv(c->fd, buf, 10 + NET_MAX_FRAME, 100);

		if (n > 10 && ours(buf + 10, (size_t)n - 10)) {
			c->r.bytes += (u64)n - 10;
			__atomic_add_fetch(&c->r.frames, 1, __ATOMIC_RELEASE);
		}
	}
	c->r.secs = now() - t0;
	free(buf);
	return NULL;
}

struct sender {
	int fd;
	const struct frame *f;
	double secs;
	volatile bool *stop;
	const u64 *received; /* the receiver's frame count */
};

static void *send_socket(void *arg)
{
	struct sender *s = arg;
	double end = now() + s->secs;
	u64 sent = 0;

	while (!*s->stop && (sent % 64 || now() < end)) {
		window_wait(sent, s->received);
		if (send(s->fd, s->f->buf, 10 + s->f->len, 0) < 0) {
			if (errno != ENOBUFS && errno != EAGAIN)
				break;
			continue;
		}
		sent++;
	}
	return NULL;
}

/* Socket to socket: the host's own limit. */
static struct result run_host(int tx, int rx, const struct frame *f,
			      double secs)
{
	struct counter c = { .fd = rx };
	bool stop = false;
	struct sender s = { tx, f, secs, &stop, &c.r.frames };
	pthread_t ct, st;

	pthread_create(&ct, NULL, count_socket, &c);
	pthread_create(&st, NULL, send_socket, &s);
	pthread_join(st, NULL);
	usleep(100000); /* what is in flight still counts */
	c.stop = true;
	pthread_join(ct, NULL);
	c.r.secs -= 0.1;
	return c.r;
}

static struct result run_drv_tx(struct net_drv *d, int rx,
				const struct frame *f, double secs)
{
	struct counter c = { .fd = rx };
	double end = now() + secs;
	unsigned int i = 0;
	pthread_t ct;

	pthread_create(&ct, NULL, count_socket, &c);
	while (++i % 64 || now() < end) {
		if (i % KICK_BATCH == 0)
			window_wait(i, &c.r.frames);
		if (net_drv_send(d, f->h.gso_type ? &f->h : NULL, f->buf + 10,
				 (u32)f->len))
			break;
		if (i % KICK_BATCH == 0)
			net_drv_kick(d);
	}
	net_drv_kick(d);
	net_drv_tx_flush(d, 2000);
	usleep(100000);
	c.stop = true;
	pthread_join(ct, NULL);
	c.r.secs -= 0.1;
	return c.r;
}

static struct result run_drv_rx(struct net_drv *d, int tx,
				const struct frame *f, double secs)
{
	bool stop = false;
	struct result r = { 0 };
	struct sender s = { tx, f, secs, &stop, &r.frames };
	u8 *buf = malloc(NET_MAX_FRAME);
	struct net_hdr h;
	double t0 = now();
	pthread_t st;
	int n;

	pthread_create(&st, NULL, send_socket, &s);
	while (now() < t0 + secs + 0.1) {
		n = net_drv_recv(d, &h, buf, NET_MAX_FRAME, 100);
		if (n == -ETIMEDOUT)
			continue;
		if (n < 0)
			break;
		if (ours(buf, (size_t)n)) {
			r.bytes += (u64)n;
			__atomic_add_fetch(&r.frames, 1, __ATOMIC_RELEASE);
		}
	}
	r.secs = now() - t0 - 0.1;
	stop = true;
	pthread_join(st, NULL);
	free(buf);
	return r;
}

static int enter_ns(const char *name)
{
	char path[256];
	int fd, ret;

	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = setns(fd, CLONE_NEWNET) ? -errno : 0;
	close(fd);
	return ret;
}

static void best(struct result *b, struct result r)
{
	if (!b->secs || r.bytes / r.secs > b->bytes / b->secs)
		*b = r;
}

static void row(const char *what, struct result v, struct result s)
{
	double vg = v.bytes * 8 / v.secs / 1e9, sg = s.bytes * 8 / s.secs / 1e9;

	printf("%-22s %9.0f %8.2f %9.0f %8.2f %6.2f\n", what, v.frames / v.secs,
	       vg, s.frames / s.secs, sg, vg > 0 ? sg / vg : 0);
}

struct dev {
	struct drv_env env;
	struct virtio_net *vn;
	struct virtio_pci *vp;
	struct net_drv d;
	u8 br_mac[6];
};

static int dev_up(struct dev *x, struct err *err)
{
	struct virtio_net_options c = { .bridge = "br0" };

	if (drv_env_init(&x->env, 128 * MiB, err))
		return -1;
	x->vn = virtio_net_create(&x->env.mem, &c, 0, err);
	if (!x->vn)
		return -1;
	x->vp = virtio_pci_add(&x->env.pci, virtio_net_vdev(x->vn),
			       &x->env.irq_ctl, err);
	if (!x->vp)
		return -1;
	if (drv_confine_iothread(virtio_net_iothread(x->vn)))
		return err_host(err, -1, "cannot load the seccomp filter");
	if (net_drv_open(&x->d, &x->env, 0, FEATURES, 1024))
		return err_host(err, -1, "driver setup failed");
	return nh_ifmac("br0", x->br_mac) ? -1 : 0;
}

int main(int argc, char **argv)
{
	static struct frame fr;
	static struct dev x;
	struct result v[4], s[4];
	struct virtio_net_stats st;
	struct err err;
	int va, vb, br;
	u8 vamac[6], vbmac[6];
	double secs;
	int k, rep;

	if (argc != 5) {
		fprintf(stderr, "usage: %s NS_A NS_B NS_DEV SECONDS\n",
			argv[0]);
		return 2;
	}
	secs = atof(argv[4]);
	if (enter_ns(argv[1]) || (va = nh_packet_open("va", true, &err)) < 0 ||
	    nh_ifmac("va", vamac) || enter_ns(argv[2]) ||
	    (vb = nh_packet_open("vb", true, &err)) < 0 ||
	    nh_ifmac("vb", vbmac) || enter_ns(argv[3]) ||
	    (br = nh_packet_open("br0", true, &err)) < 0 || dev_up(&x, &err)) {
		fprintf(stderr, "net_bench: setup: %s\n", err.msg);
		return 1;
	}
	memset(v, 0, sizeof(v));
	memset(s, 0, sizeof(s));
	/* Interleaved, best of REPEAT: other load on the machine is noise. */
	for (rep = 0; rep < REPEAT; rep++) {
		for (k = 0; k < 2; k++) {
			make_frame(&fr, k, vbmac, vamac);
			best(&v[2 * k], run_host(va, vb, &fr, secs));
			make_frame(&fr, k, x.br_mac, x.d.mac);
			best(&s[2 * k], run_drv_tx(&x.d, br, &fr, secs));
			make_frame(&fr, k, vamac, vbmac);
			best(&v[2 * k + 1], run_host(vb, va, &fr, secs));
			make_frame(&fr, k, x.d.mac, x.br_mac);
			best(&s[2 * k + 1], run_drv_rx(&x.d, br, &fr, secs));
		}
	}
	printf("%-22s %9s %8s %9s %8s %6s\n", "", "veth", "veth", "squeeze",
	       "squeeze", "ratio");
	printf("%-22s %9s %8s %9s %8s %6s\n", "", "frames/s", "Gbit/s",
	       "frames/s", "Gbit/s", "");
	row("driver->host 1514 B", v[0], s[0]);
	row("host->driver 1514 B", v[1], s[1]);
	row("driver->host 64K TSO", v[2], s[2]);
	row("host->driver 64K TSO", v[3], s[3]);
	virtio_net_stats(x.vn, &st);
	printf("squeeze device: tx %llu frames (%llu dropped), rx %llu frames (%llu dropped)\n",
	       (unsigned long long)st.tx_frames,
	       (unsigned long long)st.tx_dropped,
	       (unsigned long long)st.rx_frames,
	       (unsigned long long)st.rx_dropped);
	virtio_pci_destroy(x.vp);
	virtio_net_destroy(x.vn);
	drv_env_destroy(&x.env);
	return 0;
}
