// SPDX-License-Identifier: MIT
/*
 * The virtio-pci transport end to end, in process: the driver library
 * probes and drives an "echo" device (one queue; copies each request's
 * readable bytes into its writable ones, upper-cased when ECHO_F_UPPER
 * was negotiated) on an I/O thread of its own (vmm/core/iothread.h) that
 * watches the queue's kick eventfd, like blk and net do. Proves probing, feature negotiation, the
 * ioeventfd and bus doorbell paths, MSI-X through irqfds with masking,
 * queue validation, NEEDS_RESET, and reset with re-initialisation.
 */
#include <criterion/criterion.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "tests/driver/lib/driver.h"
#include "vmm/core/iothread.h"

#define ECHO_ID	     43
#define ECHO_F_UPPER 0
#define QSIZE	     64
#define TIMEOUT_MS   2000

struct echo {
	struct virtio_dev vd;
	struct iothread io;
	bool running;
	bool ok; /* the driver has not broken the ring */
	u64 requests;
	int activations, resets;
	struct vq_chain chain; /* I/O thread only */
	u8 buf[65536];
};

static u32 echo_one(struct echo *e, const struct vq_chain *c)
{
	size_t n = MIN(MIN(c->out_len, c->in_len), sizeof(e->buf)), i;

	vq_copy_from_out(c, 0, e->buf, n);
	if (virtio_has_feature(&e->vd, ECHO_F_UPPER))
		for (i = 0; i < n; i++)
			e->buf[i] = toupper(e->buf[i]);
	return vq_copy_to_in(c, 0, e->buf, n);
}

/* Drain the ring; false once the driver broke it. */
static bool echo_process(struct echo *e, struct virtqueue *vq)
{
	int ret;

	do {
		vq_set_kick(vq, false);
		while ((ret = vq_pop(vq, &e->chain)) > 0) {
			vq_push(vq, e->chain.head, echo_one(e, &e->chain));
			e->requests++;
		}
		virtio_vq_notify(&e->vd, vq);
		if (ret < 0) {
			virtio_dev_needs_reset(&e->vd, "echo: bad chain");
			return false;
		}
		vq_set_kick(vq, true);
	} while (vq_has_avail(vq));
	return true;
}

/* On the I/O thread (vmm/core/iothread.h), as blk and net use it. */
static void echo_events(void *opaque, const struct epoll_event *ev, int n)
{
	struct echo *e = opaque;
	struct virtqueue *vq = &e->vd.vq[0];

	if (n && e->running) {
		virtio_eventfd_drain(&e->vd, vq->kick_fd);
		if (e->ok)
			e->ok = echo_process(e, vq);
	}
	(void)ev;
}

static const struct iothread_ops echo_io_ops = { .events = echo_events };

static void echo_start(void *arg)
{
	struct echo *e = arg;

	e->ok = true;
	e->running = !iothread_add(&e->io, e->vd.vq[0].kick_fd, EPOLLIN, 0);
}

static int echo_activate(struct virtio_dev *vd)
{
	struct echo *e = container_of(vd, struct echo, vd);

	e->activations++;
	iothread_call(&e->io, echo_start, e);
	return e->running ? 0 : -EIO;
}

static void echo_stop(void *arg)
{
	struct echo *e = arg;

	if (e->running)
		iothread_del(&e->io, e->vd.vq[0].kick_fd);
	e->running = false;
}

static void echo_reset(struct virtio_dev *vd)
{
	struct echo *e = container_of(vd, struct echo, vd);

	e->resets++;
	iothread_call(&e->io, echo_stop, e);
}

static void echo_read_config(struct virtio_dev *vd, u32 off, void *data,
			     u32 len)
{
	static const u8 cfg[4] = { 'e', 'c', 'h', 'o' };

	(void)vd;
	memcpy(data, cfg + off, len);
}

static const struct virtio_dev_ops echo_ops = {
	.device_id = ECHO_ID,
	.nr_queues = 1,
	.queue_size = QSIZE,
	.features = 1ULL << ECHO_F_UPPER,
	.config_size = 4,
	.read_config = echo_read_config,
	.activate = echo_activate,
	.reset = echo_reset,
};

struct t {
	struct drv_env env;
	struct echo echo;
	struct virtio_pci *vp;
	struct drv_dev d;
	u64 out_gpa, in_gpa;
};

static struct t *T;

static void setup(void)
{
	struct err err;

	T = calloc(1, sizeof(*T));
	cr_assert_eq(drv_env_init(&T->env, 64 * MiB, &err), 0, "%s", err.msg);
	virtio_dev_init(&T->echo.vd, &echo_ops, &T->env.mem);
	cr_assert_eq(iothread_create(&T->echo.io, "echo0", &echo_io_ops,
				     &T->echo, &err),
		     0, "%s", err.msg);
	T->vp = virtio_pci_add(&T->env.pci, &T->echo.vd, &T->env.irq_ctl, &err);
	cr_assert_not_null(T->vp, "%s", err.msg);
	cr_assert_eq(drv_probe(&T->env, ECHO_ID, 0, &T->d), 0);
	T->out_gpa = drv_alloc(&T->env, QSIZE * 4096, 4096);
	T->in_gpa = drv_alloc(&T->env, QSIZE * 4096, 4096);
	cr_assert(T->out_gpa && T->in_gpa);
}

static void teardown(void)
{
	virtio_pci_destroy(T->vp);
	iothread_destroy(&T->echo.io);
	drv_env_destroy(&T->env);
	free(T);
}

TestSuite(vpci, .init = setup, .fini = teardown, .timeout = 30);

static const u64 EV = 1ULL << VIRTIO_F_RING_EVENT_IDX;
static const u64 IND = 1ULL << VIRTIO_F_RING_INDIRECT_DESC;

/* Submit one echo of @msg in slot @slot; returns the head. */
static int submit(struct drv_vq *q, unsigned int slot, const char *msg,
		  bool indirect)
{
	u64 out = T->out_gpa + slot * 4096, in = T->in_gpa + slot * 4096;
	struct drv_buf b[2] = {
		{ out, strlen(msg), false },
		{ in, 4096, true },
	};

	memcpy(drv_ptr(&T->env, out, 4096), msg, strlen(msg));
	memset(drv_ptr(&T->env, in, 4096), 0, 4096);
	return drv_vq_add(q, b, 2, indirect);
}

static void expect_echo(struct drv_vq *q, unsigned int slot, const char *want)
{
	u32 id, len;

	cr_assert_eq(drv_vq_wait(q, TIMEOUT_MS, &id, &len), 0, "no completion");
	cr_assert_eq(len, strlen(want));
	cr_assert_arr_eq(drv_ptr(&T->env, T->in_gpa + slot * 4096, len), want,
			 len);
}

Test(vpci, probe_finds_device_and_layout)
{
	char cfg[4];

	cr_assert_eq(T->d.slot, 1);
	cr_assert(T->d.common && T->d.notify && T->d.isr && T->d.device);
	cr_assert_eq(T->d.notify_mult, 4);
	cr_assert_eq(T->d.msix_nr, 2);
	cr_assert(drv_device_features(&T->d) & (1ULL << VIRTIO_F_VERSION_1));
	cr_assert_eq(drv_config_read(&T->d, 0, cfg, 4), 0);
	cr_assert_arr_eq(cfg, "echo", 4);
	cr_assert_eq(drv_probe(&T->env, ECHO_ID, 1, &(struct drv_dev){ 0 }),
		     -ENODEV);
}

Test(vpci, roundtrip_ioeventfd_and_msix)
{
	struct drv_vq *q = &T->d.vq[0];

	cr_assert_eq(drv_start(&T->d, EV, 1, 0), 0);
	cr_assert_eq(q->size, QSIZE);
	cr_assert_geq(fake_irq_ioeventfd(&T->env.irq, q->notify_addr, true), 0,
		      "the doorbell has an ioeventfd");
	cr_assert_geq(submit(q, 0, "hello", false), 0);
	cr_assert(drv_vq_kick(q), "first kick is never suppressed");
	/* The completion interrupt arrives through the vector's irqfd. */
	cr_assert_eq(drv_wait_irq(&T->d, q->vector, TIMEOUT_MS), 1);
	expect_echo(q, 0, "hello");
	cr_assert_eq(T->env.mmio.unhandled, 0);
}

Test(vpci, bus_notify_path)
{
	struct drv_vq *q = &T->d.vq[0];

	cr_assert_eq(drv_start(&T->d, 0, 1, 16), 0);
	q->notify_via_bus = true;
	cr_assert_geq(submit(q, 0, "through the bus", false), 0);
	cr_assert(drv_vq_kick(q));
	expect_echo(q, 0, "through the bus");
	cr_assert_eq(T->env.mmio.unhandled, 0);
}

Test(vpci, negotiated_feature_reaches_device)
{
	struct drv_vq *q = &T->d.vq[0];

	cr_assert_eq(drv_start(&T->d, 1ULL << ECHO_F_UPPER, 1, 0), 0);
	cr_assert_geq(submit(q, 0, "shout", false), 0);
	drv_vq_kick(q);
	expect_echo(q, 0, "SHOUT");
}

Test(vpci, unoffered_features_dropped)
{
	u64 offered = drv_device_features(&T->d);

	drv_reset(&T->d);
	drv_set_status(&T->d, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	drv_write_features(&T->d, ~0ULL);
	cr_assert_eq(drv_driver_features(&T->d), offered);
	cr_assert_eq(T->echo.vd.driver_features, offered);
	/* Without VERSION_1, FEATURES_OK does not stick. */
	drv_write_features(&T->d, 1ULL << ECHO_F_UPPER);
	drv_set_status(&T->d, drv_status(&T->d) | VIRTIO_STATUS_FEATURES_OK);
	cr_assert_not(drv_status(&T->d) & VIRTIO_STATUS_FEATURES_OK);
}

Test(vpci, many_requests_direct_and_indirect_event_idx)
{
	struct drv_vq *q = &T->d.vq[0];
	unsigned int i, done = 0, total = 20000;
	char msg[32];
	u32 id, len;

	cr_assert_eq(drv_start(&T->d, EV | IND, 1, 0), 0);
	for (i = 0; i < total; i++) {
		snprintf(msg, sizeof(msg), "req %u", i);
		while (submit(q, i % QSIZE, msg, i & 1) == -ENOSPC) {
			cr_assert_eq(drv_vq_wait(q, TIMEOUT_MS, &id, &len), 0);
			done++;
		}
		if (i % 8 == 7)
			drv_vq_kick(q);
	}
	drv_vq_kick(q);
	while (done < total) {
		cr_assert_eq(drv_vq_wait(q, TIMEOUT_MS, &id, &len), 0,
			     "%u of %u completed", done, total);
		done++;
	}
	cr_assert_eq(T->echo.requests, total);
	cr_assert_eq(q->nr_free, q->size, "every chain came back");
}

Test(vpci, bad_ring_address_needs_reset_then_reinit)
{
	struct drv_vq *q = &T->d.vq[0];

	cr_assert_eq(drv_reset(&T->d), 0);
	cr_assert_eq(drv_negotiate(&T->d, 0), 0);
	drv_common_write(&T->d, VIRTIO_PCI_COMMON_Q_SELECT, 0, 2);
	drv_common_write(&T->d, VIRTIO_PCI_COMMON_Q_SIZE, 16, 2);
	drv_common_write(&T->d, VIRTIO_PCI_COMMON_Q_DESCLO, 0, 4);
	drv_common_write(&T->d, VIRTIO_PCI_COMMON_Q_DESCHI, 0x10, 4);
	drv_common_write(&T->d, VIRTIO_PCI_COMMON_Q_ENABLE, 1, 2);
	cr_assert(drv_status(&T->d) & VIRTIO_STATUS_NEEDS_RESET);
	cr_assert_eq(drv_common_read(&T->d, VIRTIO_PCI_COMMON_Q_ENABLE, 2), 0);
	/* A reset clears it and the device works again. */
	cr_assert_eq(drv_start(&T->d, 0, 1, 0), 0);
	cr_assert_eq(drv_status(&T->d) & VIRTIO_STATUS_NEEDS_RESET, 0);
	cr_assert_geq(submit(q, 0, "again", false), 0);
	drv_vq_kick(q);
	expect_echo(q, 0, "again");
}

Test(vpci, broken_chain_needs_reset_with_config_irq)
{
	struct drv_vq *q = &T->d.vq[0];
	int head;

	cr_assert_eq(drv_start(&T->d, 0, 1, 16), 0);
	head = submit(q, 0, "loop", false);
	cr_assert_geq(head, 0);
	/* Make the chain loop onto itself before the device sees it. */
	q->desc[head].flags |= VRING_DESC_F_NEXT;
	q->desc[head].next = head;
	drv_vq_kick(q);
	cr_assert_eq(drv_wait_irq(&T->d, 0, TIMEOUT_MS), 1, "config irq");
	cr_assert(drv_status(&T->d) & VIRTIO_STATUS_NEEDS_RESET);
	cr_assert_eq(q->used->idx, 0, "nothing was completed");
}

Test(vpci, masked_vector_is_pending_until_unmasked)
{
	struct drv_vq *q = &T->d.vq[0];
	time_t deadline;

	cr_assert_eq(drv_start(&T->d, 0, 1, 16), 0);
	drv_msix_mask(&T->d, q->vector, true);
	cr_assert_eq(drv_wait_irq(&T->d, q->vector, 0), -ENOENT);
	cr_assert_geq(submit(q, 0, "masked", false), 0);
	drv_vq_kick(q);
	deadline = time(NULL) + 3;
	while (!drv_msix_pending(&T->d, q->vector) && time(NULL) < deadline)
		usleep(100);
	cr_assert(drv_msix_pending(&T->d, q->vector), "PBA bit set");
	drv_msix_mask(&T->d, q->vector, false);
	cr_assert_not(drv_msix_pending(&T->d, q->vector));
	cr_assert_eq(drv_wait_irq(&T->d, q->vector, TIMEOUT_MS), 1,
		     "delivered on unmask");
	expect_echo(q, 0, "masked");
}

Test(vpci, reset_mid_stream_and_reinit)
{
	struct drv_vq *q = &T->d.vq[0];
	unsigned int i;

	cr_assert_eq(drv_start(&T->d, EV, 1, 0), 0);
	for (i = 0; i < QSIZE / 2; i++) /* 2 descriptors each */
		cr_assert_geq(submit(q, i, "in flight", false), 0);
	drv_vq_kick(q);
	cr_assert_eq(drv_reset(&T->d), 0);
	cr_assert_eq(T->echo.resets, 1);
	cr_assert_not(T->echo.running, "I/O thread stopped");
	cr_assert_eq(drv_start(&T->d, EV, 1, 0), 0);
	cr_assert_eq(T->echo.activations, 2);
	cr_assert_geq(submit(q, 0, "after reset", false), 0);
	drv_vq_kick(q);
	expect_echo(q, 0, "after reset");
}

static double secs(const struct timespec *a, const struct timespec *b)
{
	return (b->tv_sec - a->tv_sec) + (b->tv_nsec - a->tv_nsec) / 1e9;
}

/* Not a pass/fail number: printed so reports can quote it. */
Test(vpci, measure_roundtrip_rate)
{
	struct drv_vq *q = &T->d.vq[0];
	unsigned int i, n = 20000;
	struct timespec a, b;
	u32 id, len;

	cr_assert_eq(drv_start(&T->d, EV, 1, 0), 0);
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < n; i++) {
		cr_assert_geq(submit(q, 0, "ping", false), 0);
		drv_vq_kick(q);
		cr_assert_eq(drv_vq_wait(q, TIMEOUT_MS, &id, &len), 0);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	cr_log_info("echo QD1: %.0f round trips/s (kicks %llu, irqs %llu)",
		    n / secs(&a, &b), (unsigned long long)q->nr_kicks,
		    (unsigned long long)q->nr_irqs);
}

/* Batches of 16 in flight, event index on: the doorbell and interrupt rate. */
Test(vpci, measure_batched_rate)
{
	struct drv_vq *q = &T->d.vq[0];
	unsigned int i, n = 100000, inflight = 0, done = 0;
	struct timespec a, b;
	u32 id, len;

	cr_assert_eq(drv_start(&T->d, EV, 1, 0), 0);
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < n; i++) {
		cr_assert_geq(submit(q, i % QSIZE, "ping", false), 0);
		if (++inflight < QSIZE / 4)
			continue;
		drv_vq_kick(q);
		while (inflight && drv_vq_get_used(q, &id, &len) == 1) {
			inflight--;
			done++;
		}
		if (inflight >= QSIZE / 4) {
			cr_assert_eq(drv_vq_wait(q, TIMEOUT_MS, &id, &len), 0);
			inflight--;
			done++;
		}
	}
	drv_vq_kick(q);
	while (done < n) {
		cr_assert_eq(drv_vq_wait(q, TIMEOUT_MS, &id, &len), 0);
		done++;
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	cr_assert_eq(T->echo.requests, n);
	cr_log_info("echo batched: %.0f requests/s, %.3f kicks and %.3f irqs "
		    "per request (%llu kicks suppressed)",
		    n / secs(&a, &b), (double)q->nr_kicks / n,
		    (double)q->nr_irqs / n,
		    (unsigned long long)q->nr_kicks_suppressed);
}
