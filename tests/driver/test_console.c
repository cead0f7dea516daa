// SPDX-License-Identifier: MIT
/*
 * virtio-console end to end in process: the test driver (con_drv) talks
 * to squeeze's real virtio-pci transport, virtio-console device and I/O
 * thread; the host side of each port is a pipe or a socket.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "tests/driver/lib/con_drv.h"

#define BIG   (1ULL << 30)
#define CHUNK (64 * 1024)

struct tcon {
	struct drv_env env;
	struct virtio_console *vc;
	struct virtio_pci *vp;
	struct con_drv d;
	/* Per port: [0] the test's end, [1] the device's end. */
	int in[VCON_MAX_PORTS][2];  /* the test writes, the guest reads */
	int out[VCON_MAX_PORTS][2]; /* the guest writes, the test reads */
};

static const char *const names[] = { "squeeze.stdin", "squeeze.stdout",
				     "squeeze.stderr", "squeeze.status" };

static void nonblock(int fd)
{
	cr_assert_eq(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK), 0);
}

/* Port i: input from a pipe if @in has bit i, output to one if @out. */
static void tcon_up(struct tcon *t, unsigned int nr, unsigned int in,
		    unsigned int out, bool ready)
{
	struct vcon_options o = { .nr_ports = nr };
	struct err err;
	unsigned int i;
	int p[2];

	memset(t, 0, sizeof(*t));
	cr_assert_eq(drv_env_init(&t->env, 64 * MiB, &err), 0, "%s", err.msg);
	for (i = 0; i < nr; i++) {
		t->in[i][0] = t->in[i][1] = t->out[i][0] = t->out[i][1] = -1;
		o.port[i].name = names[i % 4];
		o.port[i].in_fd = o.port[i].out_fd = -1;
		if (in & (1u << i)) {
			cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
			t->in[i][0] = p[1];
			t->in[i][1] = o.port[i].in_fd = p[0];
			nonblock(p[0]);
		}
		if (out & (1u << i)) {
			cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
			t->out[i][0] = p[0];
			t->out[i][1] = o.port[i].out_fd = p[1];
			nonblock(p[1]);
		}
	}
	t->vc = virtio_console_create(&t->env.mem, &o, 0, &err);
	cr_assert_not_null(t->vc, "%s", err.msg);
	t->vp = virtio_pci_add(&t->env.pci, virtio_console_vdev(t->vc),
			       &t->env.irq_ctl, &err);
	cr_assert_not_null(t->vp, "%s", err.msg);
	cr_assert_eq(con_drv_open(&t->d, &t->env, 0, 64, !ready), 0);
}

static void tcon_down(struct tcon *t)
{
	unsigned int i, j;

	virtio_pci_destroy(t->vp);
	virtio_console_destroy(t->vc);
	for (i = 0; i < VCON_MAX_PORTS; i++)
		for (j = 0; j < 2; j++) {
			if (t->in[i][j] > 0)
				close(t->in[i][j]);
			if (t->out[i][j] > 0)
				close(t->out[i][j]);
		}
	drv_env_destroy(&t->env);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Post one receive buffer of @len bytes on port @p. */
static u64 post_rx(struct tcon *t, unsigned int p, u32 len)
{
	u64 gpa = drv_alloc(&t->env, len, 64);
	struct drv_buf b = { .gpa = gpa, .len = len, .writable = true };

	cr_assert_neq(gpa, 0);
	cr_assert_geq(drv_vq_add(con_drv_rxq(&t->d, p), &b, 1, false), 0);
	drv_vq_kick(con_drv_rxq(&t->d, p));
	return gpa;
}

Test(console, multiport_names_and_open)
{
	struct tcon t;
	unsigned int i;
	char buf[64];
	u32 id, len;
	u64 gpa;

	tcon_up(&t, 4, 1u << 0, 0xe, true);
	cr_assert_eq(t.d.max_ports, 4);
	cr_assert(t.d.dev.features & (1ULL << VIRTIO_CONSOLE_F_MULTIPORT));
	cr_assert_eq(con_drv_ports_up(&t.d, 4, 2000), 0);
	for (i = 0; i < 4; i++) {
		cr_assert_str_eq(t.d.port[i].name, names[i]);
		cr_assert(t.d.port[i].host_open, "port %u", i);
	}
	/* Data waits until the guest opens the port: Linux drops it else. */
	gpa = post_rx(&t, 0, 64);
	cr_assert_eq(write(t.in[0][0], "hello", 5), 5);
	cr_assert_eq(drv_vq_wait(con_drv_rxq(&t.d, 0), 200, &id, &len),
		     -ETIMEDOUT);
	cr_assert_eq(con_drv_send(&t.d, 0, VIRTIO_CONSOLE_PORT_OPEN, 1), 0);
	cr_assert_eq(drv_vq_wait(con_drv_rxq(&t.d, 0), 2000, &id, &len), 0);
	cr_assert_eq(len, 5);
	cr_assert_eq(memcmp(drv_ptr(&t.env, gpa, 5), "hello", 5), 0);
	/* EOF on the host side: PORT_OPEN 0, after the data. */
	post_rx(&t, 0, 64);
	cr_assert_eq(write(t.in[0][0], "bye", 3), 3);
	close(t.in[0][0]);
	t.in[0][0] = -1;
	cr_assert_eq(drv_vq_wait(con_drv_rxq(&t.d, 0), 2000, &id, &len), 0);
	cr_assert_eq(len, 3);
	/* EOF is seen when the next read is tried: with a buffer posted. */
	post_rx(&t, 0, 64);
	for (i = 0; i < 20 && t.d.port[0].host_open; i++)
		cr_assert_geq(con_drv_poll(&t.d, 100), 0);
	cr_assert_not(t.d.port[0].host_open);
	/* Guest output reaches the host end of its port. */
	gpa = drv_alloc(&t.env, 16, 16);
	memcpy(drv_ptr(&t.env, gpa, 16), "to stderr", 9);
	cr_assert_geq(drv_vq_add(con_drv_txq(&t.d, 2),
				 &(struct drv_buf){ gpa, 9, false }, 1, false),
		      0);
	drv_vq_kick(con_drv_txq(&t.d, 2));
	cr_assert_eq(drv_vq_wait(con_drv_txq(&t.d, 2), 2000, &id, &len), 0);
	cr_assert_eq(read(t.out[2][0], buf, sizeof(buf)), 9);
	cr_assert_eq(memcmp(buf, "to stderr", 9), 0);
	tcon_down(&t);
}

/* The host's ends of the big transfers, on their own threads. */
struct pump {
	int fd;
	u64 bytes;
	uLong crc;
};

static void *host_reader(void *arg)
{
	struct pump *p = arg;
	static u8 buf[CHUNK];
	ssize_t n;

	p->crc = crc32(0, NULL, 0);
	while ((n = read(p->fd, buf, sizeof(buf))) > 0) {
		p->crc = crc32(p->crc, buf, n);
		p->bytes += n;
	}
	return NULL;
}

static void *host_writer(void *arg)
{
	struct pump *p = arg;
	static u8 buf[CHUNK];
	u64 seed = 0x1234567, done = 0;
	ssize_t n;

	p->crc = crc32(0, NULL, 0);
	while (done < BIG) {
		con_drv_fill(buf, sizeof(buf), &seed);
		n = write(p->fd, buf, sizeof(buf));
		if (n != sizeof(buf))
			break;
		p->crc = crc32(p->crc, buf, n);
		done += n;
	}
	p->bytes = done;
	close(p->fd);
	return NULL;
}

Test(console, gib_each_way_with_crc, .timeout = 240)
{
	struct con_drv_stream s = {
		.out_port = 1,
		.in_port = 0,
		.out_bytes = BIG,
		.in_bytes = BIG,
		.chunk = CHUNK,
		.seed = 0x7654321,
		.verify = true,
	};
	struct pump rd, wr;
	pthread_t trd, twr;
	struct tcon t;
	double t0;

	tcon_up(&t, 2, 1u << 0, 1u << 1, true);
	fcntl(t.out[1][1], F_SETPIPE_SZ, 1 << 20);
	fcntl(t.in[0][1], F_SETPIPE_SZ, 1 << 20);
	cr_assert_eq(con_drv_ports_up(&t.d, 2, 2000), 0);
	cr_assert_eq(con_drv_send(&t.d, 0, VIRTIO_CONSOLE_PORT_OPEN, 1), 0);
	rd = (struct pump){ .fd = t.out[1][0] };
	wr = (struct pump){ .fd = t.in[0][0] };
	t.in[0][0] = -1; /* the writer closes it at the end */
	t0 = now();
	pthread_create(&trd, NULL, host_reader, &rd);
	pthread_create(&twr, NULL, host_writer, &wr);
	cr_assert_eq(con_drv_stream(&t.d, &s), 0);
	pthread_join(twr, NULL);
	cr_assert_eq(virtio_console_drain(t.vc, 5000), 0);
	/*
	 * The device writes to this very fd (it does not dup it): closed,
	 * the reader sees EOF once it has read what the pipe still holds.
	 * Its own end stays open until then: tcon_down() closes every fd.
	 */
	close(t.out[1][1]);
	t.out[1][1] = -1;
	pthread_join(trd, NULL);
	tcon_down(&t);
	cr_log_info("1 GiB each way in %.2f s", now() - t0);
	cr_assert_eq(rd.bytes, BIG, "host read %llu bytes",
		     (unsigned long long)rd.bytes);
	cr_assert_eq(rd.crc, s.crc_out, "guest to host CRC differs");
	cr_assert_eq(wr.bytes, BIG);
	cr_assert_eq(s.got, BIG);
	cr_assert_eq(wr.crc, s.crc_in, "host to guest CRC differs");
}

#define STALL_CHUNK (32 * 1024)
#define STALL_QSIZE 64

Test(console, stalled_reader_makes_the_guest_wait)
{
	u64 gpa[STALL_QSIZE], w, expect = 0, total = 0;
	unsigned int i, used = 0;
	static u8 buf[STALL_CHUNK];
	struct tcon t;
	u32 id, len;
	ssize_t n;
	int pipe_size;

	tcon_up(&t, 2, 0, 1u << 1, true);
	pipe_size = fcntl(t.out[1][1], F_GETPIPE_SZ);
	cr_assert_eq(con_drv_ports_up(&t.d, 2, 2000), 0);
	for (i = 0; i < STALL_QSIZE; i++) {
		u64 *p;

		gpa[i] = drv_alloc(&t.env, STALL_CHUNK, 4096);
		p = drv_ptr(&t.env, gpa[i], STALL_CHUNK);
		for (w = 0; w < STALL_CHUNK / 8; w++)
			p[w] = expect++;
		cr_assert_geq(drv_vq_add(con_drv_txq(&t.d, 1),
					 &(struct drv_buf){ gpa[i], STALL_CHUNK,
							    false },
					 1, false),
			      0);
	}
	drv_vq_kick(con_drv_txq(&t.d, 1));
	usleep(300 * 1000);
	while (drv_vq_get_used(con_drv_txq(&t.d, 1), &id, &len) > 0)
		used++;
	/* Only what the pipe holds was taken; the rest waits in the ring. */
	cr_assert_leq((u64)used * STALL_CHUNK, (u64)pipe_size,
		      "%u chunks used with a %d-byte pipe", used, pipe_size);
	cr_assert_lt(used, STALL_QSIZE);
	/* Now read: every byte arrives, in order. */
	expect = 0;
	while (total < (u64)STALL_QSIZE * STALL_CHUNK) {
		struct pollfd p = { .fd = t.out[1][0], .events = POLLIN };

		cr_assert_eq(poll(&p, 1, 2000), 1, "stalled at %llu",
			     (unsigned long long)total);
		n = read(t.out[1][0], buf, sizeof(buf));
		cr_assert_gt(n, 0);
		cr_assert_eq(n % 8, 0);
		for (w = 0; w < (u64)n / 8; w++)
			cr_assert_eq(((u64 *)buf)[w], expect++);
		total += n;
		while (drv_vq_get_used(con_drv_txq(&t.d, 1), &id, &len) > 0)
			used++;
	}
	cr_assert_eq(virtio_console_drain(t.vc, 2000), 0);
	while (drv_vq_get_used(con_drv_txq(&t.d, 1), &id, &len) > 0)
		used++;
	cr_assert_eq(used, STALL_QSIZE);
	tcon_down(&t);
}

/* Host input waiting, and a driver that never gives a buffer for it. */
static void no_buffers(bool ready)
{
	static u8 junk[256 * 1024];
	struct tcon t;
	double t0;

	tcon_up(&t, 1, 1u << 0, 0, ready);
	if (ready) {
		cr_assert_eq(con_drv_ports_up(&t.d, 1, 2000), 0);
		cr_assert_eq(con_drv_send(&t.d, 0, VIRTIO_CONSOLE_PORT_OPEN, 1),
			     0);
	}
	nonblock(t.in[0][0]);
	cr_assert_gt(write(t.in[0][0], junk, sizeof(junk)), 0);
	usleep(100 * 1000);
	cr_assert_eq(virtio_console_drain(t.vc, 1000), 0);
	t0 = now();
	tcon_down(&t);
	cr_assert_lt(now() - t0, 1.0, "teardown took %.2f s", now() - t0);
}

Test(console, driver_without_buffers_does_not_hang)
{
	no_buffers(true);
}

Test(console, driver_without_device_ready_does_not_hang)
{
	no_buffers(false);
}

Test(console, readable_receive_buffer_needs_reset)
{
	struct tcon t;
	u64 gpa;
	int i;

	tcon_up(&t, 1, 1u << 0, 0, true);
	cr_assert_eq(con_drv_ports_up(&t.d, 1, 2000), 0);
	cr_assert_eq(con_drv_send(&t.d, 0, VIRTIO_CONSOLE_PORT_OPEN, 1), 0);
	/* A control message for a port that does not exist is ignored. */
	cr_assert_eq(con_drv_send(&t.d, 9, VIRTIO_CONSOLE_PORT_OPEN, 1), 0);
	cr_assert_eq(write(t.in[0][0], "x", 1), 1);
	gpa = drv_alloc(&t.env, 64, 64);
	cr_assert_geq(drv_vq_add(con_drv_rxq(&t.d, 0),
				 &(struct drv_buf){ gpa, 64, false }, 1, false),
		      0);
	drv_vq_kick(con_drv_rxq(&t.d, 0));
	for (i = 0; i < 100; i++) {
		if (drv_status(&t.d.dev) & VIRTIO_STATUS_NEEDS_RESET)
			break;
		usleep(10 * 1000);
	}
	cr_assert(drv_status(&t.d.dev) & VIRTIO_STATUS_NEEDS_RESET);
	/* A reset brings it back: ports are announced again. */
	cr_assert_eq(con_drv_open(&t.d, &t.env, 0, 64, false), 0);
	cr_assert_eq(con_drv_ports_up(&t.d, 1, 2000), 0);
	tcon_down(&t);
}

static void note_failed(void *opaque, unsigned int port)
{
	__atomic_store_n((int *)opaque, (int)port + 1, __ATOMIC_RELEASE);
}

Test(console, a_reader_that_left_discards_and_tells_the_owner)
{
	struct vcon_options o = { .nr_ports = 2, .out_failed = note_failed };
	struct drv_env env;
	struct virtio_console *vc;
	struct virtio_pci *vp;
	struct con_drv d;
	struct err err;
	int p[2], failed = 0, i;
	u32 id, len;
	u64 gpa;

	o.opaque = &failed;
	cr_assert_eq(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
	o.port[0] = (struct vcon_port_options){ "a", -1, -1 };
	o.port[1] = (struct vcon_port_options){ "b", -1, p[1] };
	cr_assert_eq(drv_env_init(&env, 64 * MiB, &err), 0);
	vc = virtio_console_create(&env.mem, &o, 0, &err);
	cr_assert_not_null(vc);
	vp = virtio_pci_add(&env.pci, virtio_console_vdev(vc), &env.irq_ctl,
			    &err);
	cr_assert_eq(con_drv_open(&d, &env, 0, 64, false), 0);
	cr_assert_eq(con_drv_ports_up(&d, 2, 2000), 0);
	close(p[0]); /* the reader goes away */
	gpa = drv_alloc(&env, 4096, 4096);
	for (i = 0; i < 3; i++) {
		cr_assert_geq(drv_vq_add(con_drv_txq(&d, 1),
					 &(struct drv_buf){ gpa, 4096, false },
					 1, false),
			      0);
		drv_vq_kick(con_drv_txq(&d, 1));
		/* Taken (and dropped), never left to fill the ring. */
		cr_assert_eq(drv_vq_wait(con_drv_txq(&d, 1), 2000, &id, &len),
			     0);
	}
	cr_assert_eq(__atomic_load_n(&failed, __ATOMIC_ACQUIRE), 2,
		     "the owner was told about port %d", failed - 1);
	virtio_pci_destroy(vp);
	virtio_console_destroy(vc);
	drv_env_destroy(&env);
	close(p[1]);
}
