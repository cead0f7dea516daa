// SPDX-License-Identifier: MIT
/*
 * The generic vhost-user device against a scripted fake back-end: which
 * features it offers the driver, the exact set-up it sends at DRIVER_OK
 * (rings by user address, the very kick and call eventfds), GET_VRING_BASE
 * at reset, back-ends it refuses, and NEEDS_RESET when the back-end hangs
 * up.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/unit/vu_fake.h"
#include "virtio/vhost_user/vu_dev.h"

#define BIT(n) (1ULL << (n))
#define PF     BIT(VU_F_PROTOCOL_FEATURES)
#define V1     BIT(VIRTIO_F_VERSION_1)
#define DEVF   BIT(5) /* the device feature we pass on */

static struct vu_fake fake;
static struct guest_mem mem;
static struct vu_dev *dev;
static struct err err;
static const u8 cfg[8] = "cfgdata";

static void add(struct fake_step s)
{
	fake.step[fake.nr_steps++] = s;
}

static void setup(void)
{
	memset(&fake, 0, sizeof(fake));
	memset(&err, 0, sizeof(err));
	cr_assert_eq(guest_mem_alloc_shared(&mem, 32 * MiB), 0);
}

static void teardown(void)
{
	vu_dev_destroy(dev);
	if (fake.thread) {
		fake_join(&fake);
		fake_free(&fake);
	}
	guest_mem_free(&mem);
}

TestSuite(vu_dev, .init = setup, .fini = teardown, .timeout = 10);

static struct vu_dev *create(u32 nr_queues)
{
	struct vu_dev_params p = {
		.name = "test0",
		.device_id = 42,
		.nr_queues = nr_queues,
		.queue_size = 64,
		.features = DEVF,
		.config_size = sizeof(cfg),
		.config = cfg,
		.timeout_ms = 1000,
	};

	fake_start(&fake);
	dev = vu_dev_create(&mem, fake.sock[0], &p, "--test", &err);
	return dev;
}

/* A back-end offering much, MQ with @queues, REPLY_ACK. */
static void script_create(u64 queues)
{
	add(fake_reply(
		VU_GET_FEATURES, 8,
		V1 | PF | DEVF | BIT(7) | BIT(VIRTIO_F_RING_INDIRECT_DESC) |
			BIT(VIRTIO_F_RING_EVENT_IDX) | BIT(33) | BIT(34)));
	add(fake_reply(VU_GET_PROTOCOL_FEATURES, 8,
		       BIT(VU_PROTOCOL_F_MQ) | BIT(VU_PROTOCOL_F_REPLY_ACK)));
	add(fake_silent(VU_SET_PROTOCOL_FEATURES));
	add(fake_reply(VU_SET_OWNER, 8, 0));
	add(fake_reply(VU_GET_QUEUE_NUM, 8, queues));
	add(fake_reply(VU_SET_MEM_TABLE, 8, 0));
}

Test(vu_dev, offers_only_what_both_sides_implement)
{
	script_create(2);
	cr_assert_not_null(create(2), "%s", err.msg);
	/* Not bit 7 (unknown), ACCESS_PLATFORM or PACKED: we lack them. */
	cr_assert_eq(dev->vdev.device_features,
		     V1 | DEVF | BIT(VIRTIO_F_RING_INDIRECT_DESC) |
			     BIT(VIRTIO_F_RING_EVENT_IDX));
	cr_assert_arr_eq(dev->config, cfg, sizeof(cfg));
}

/* Queue 0 set up as a driver would, in guest RAM. */
static void ready_queue0(struct virtqueue *vq, int kick, int call)
{
	vq->size = 64;
	vq->desc_gpa = 0x10000;
	vq->avail_gpa = 0x11000;
	vq->used_gpa = 0x12000;
	cr_assert_eq(vq_enable(vq, false), 0);
	vq->ready = true;
	vq->kick_fd = kick;
	vq->call_fd = call;
}

static const struct fake_seen *seen(unsigned int i, u32 req)
{
	cr_assert_lt(i, fake.nr_seen);
	cr_assert_eq(fake.seen[i].msg.hdr.request, req, "message %u is %u", i,
		     fake.seen[i].msg.hdr.request);
	return &fake.seen[i];
}

static void assert_same_file(int a, int b)
{
	struct stat x, y;

	cr_assert_eq(fstat(a, &x), 0);
	cr_assert_eq(fstat(b, &y), 0);
	cr_assert_eq(x.st_ino, y.st_ino);
}

Test(vu_dev, driver_ok_hands_over_ready_rings_and_reset_stops_them)
{
	static const u32 order[] = {
		VU_SET_FEATURES,   VU_SET_VRING_NUM,	VU_SET_VRING_BASE,
		VU_SET_VRING_ADDR, VU_SET_VRING_CALL,	VU_SET_VRING_ERR,
		VU_SET_VRING_KICK, VU_SET_VRING_ENABLE,
	};
	int kick = eventfd(0, EFD_CLOEXEC), call = eventfd(0, EFD_CLOEXEC);
	struct fake_step base = fake_reply(VU_GET_VRING_BASE, 8, 0);
	struct virtio_dev *vd;
	const struct fake_seen *s;
	u64 desc, avail, used;
	unsigned int i;

	script_create(2);
	for (i = 0; i < ARRAY_SIZE(order); i++)
		add(fake_reply(order[i], 8, 0));
	base.reply.p.state = (struct vu_vring_state){ 0, 5 };
	add(base);
	cr_assert_not_null(create(2), "%s", err.msg);
	vd = vu_dev_vdev(dev);
	ready_queue0(&vd->vq[0], kick, call); /* queue 1 stays off */
	vd->driver_features = V1 | DEVF;
	cr_assert_eq(vd->ops->activate(vd), 0);
	vd->ops->reset(vd);
	desc = (u64)(uintptr_t)vd->vq[0].desc;
	avail = (u64)(uintptr_t)vd->vq[0].avail;
	used = (u64)(uintptr_t)vd->vq[0].used;
	vu_dev_destroy(dev); /* hang up: the fake stops */
	dev = NULL;
	fake_join(&fake);

	cr_assert_eq(fake.nr_seen, 6 + ARRAY_SIZE(order) + 1);
	for (i = 0; i < ARRAY_SIZE(order); i++) {
		s = seen(6 + i, order[i]);
		cr_assert_eq(s->msg.hdr.flags, VU_VERSION | VU_FLAG_NEED_REPLY);
		if (order[i] != VU_SET_FEATURES)
			cr_assert_eq(s->msg.p.state.index, 0, "queue 1 too");
	}
	cr_assert_eq(seen(6, VU_SET_FEATURES)->msg.p.u64, V1 | DEVF | PF);
	cr_assert_eq(seen(7, VU_SET_VRING_NUM)->msg.p.state.num, 64);
	cr_assert_eq(seen(8, VU_SET_VRING_BASE)->msg.p.state.num, 0);
	s = seen(9, VU_SET_VRING_ADDR);
	cr_assert_eq(s->msg.p.addr.desc, desc);
	cr_assert_eq(s->msg.p.addr.avail, avail);
	cr_assert_eq(s->msg.p.addr.used, used);
	cr_assert_eq(desc, (u64)(uintptr_t)guest_mem_ptr(&mem, 0x10000, 1));
	s = seen(10, VU_SET_VRING_CALL);
	cr_assert_eq(s->nr_fds, 1);
	assert_same_file(s->fds[0], call);
	cr_assert_eq(seen(11, VU_SET_VRING_ERR)->nr_fds, 1);
	s = seen(12, VU_SET_VRING_KICK);
	cr_assert_eq(s->nr_fds, 1);
	assert_same_file(s->fds[0], kick);
	cr_assert_eq(seen(13, VU_SET_VRING_ENABLE)->msg.p.state.num, 1);
	cr_assert_eq(seen(14, VU_GET_VRING_BASE)->msg.p.state.index, 0);
	close(kick);
	close(call);
}

/* A queue without an MSI-X vector still gets a call eventfd to write. */
Test(vu_dev, queue_without_vector_gets_an_idle_call_fd)
{
	static const u32 order[] = {
		VU_SET_FEATURES,   VU_SET_VRING_NUM,  VU_SET_VRING_BASE,
		VU_SET_VRING_ADDR, VU_SET_VRING_CALL,
	};
	int kick = eventfd(0, EFD_CLOEXEC);
	struct virtio_dev *vd;
	struct stat idle, got;
	unsigned int i;

	script_create(1);
	for (i = 0; i < ARRAY_SIZE(order); i++)
		add(fake_reply(order[i], 8, 0));
	add(fake_reply(VU_SET_VRING_ERR, 8, 1)); /* refused: stop here */
	cr_assert_not_null(create(1), "%s", err.msg);
	vd = vu_dev_vdev(dev);
	ready_queue0(&vd->vq[0], kick, -1);
	vd->driver_features = V1;
	cr_assert_eq(vd->ops->activate(vd), -EIO);
	cr_assert_eq(fstat(dev->idle_call_fd[0], &idle), 0);
	vu_dev_destroy(dev); /* hang up: the fake stops */
	dev = NULL;
	fake_join(&fake);
	cr_assert_eq(seen(10, VU_SET_VRING_CALL)->nr_fds, 1);
	cr_assert_eq(fstat(fake.seen[10].fds[0], &got), 0);
	cr_assert_eq(got.st_ino, idle.st_ino);
	close(kick);
}

Test(vu_dev, backend_hangup_sets_needs_reset)
{
	int i;

	script_create(2);
	add((struct fake_step){ .action = FAKE_CLOSE });
	cr_assert_not_null(create(2), "%s", err.msg);
	/* The close step waits for one more message: nudge it. */
	vu_conn_set_vring(&dev->conn, VU_SET_VRING_NUM, 0, 1);
	for (i = 0; i < 1000; i++) {
		if (dev->vdev.status & VIRTIO_STATUS_NEEDS_RESET)
			break;
		usleep(1000);
	}
	cr_assert(dev->vdev.status & VIRTIO_STATUS_NEEDS_RESET);
	/* The driver's next DRIVER_OK fails at once, without hanging. */
	dev->vdev.driver_features = V1;
	cr_assert_neq(dev->vdev.ops->activate(&dev->vdev), 0);
}

Test(vu_dev, refuses_backend_with_too_few_queues)
{
	script_create(1);
	cr_assert_null(create(2));
	cr_assert_eq(err.class, ERR_INPUT);
	cr_assert(strstr(err.msg, "serves 1 queues"), "%s", err.msg);
}

Test(vu_dev, refuses_backend_without_virtio_1)
{
	add(fake_reply(VU_GET_FEATURES, 8, DEVF));
	add(fake_silent(VU_SET_OWNER));
	add(fake_silent(VU_SET_MEM_TABLE));
	cr_assert_null(create(1));
	cr_assert_eq(err.class, ERR_INPUT);
	cr_assert(strstr(err.msg, "VERSION_1"), "%s", err.msg);
}

Test(vu_dev, refuses_backend_without_needed_protocol_feature)
{
	struct vu_dev_params p = {
		.name = "test0",
		.device_id = 2,
		.nr_queues = 1,
		.queue_size = 64,
		.config_size = 8,
		.timeout_ms = 1000,
		.protocol_needed = BIT(VU_PROTOCOL_F_CONFIG),
	};

	add(fake_reply(VU_GET_FEATURES, 8, V1));
	add(fake_silent(VU_SET_OWNER));
	fake_start(&fake);
	dev = vu_dev_create(&mem, fake.sock[0], &p, "--test", &err);
	cr_assert_null(dev);
	cr_assert_eq(err.class, ERR_INPUT);
	cr_assert(strstr(err.msg, "lacks protocol features"), "%s", err.msg);
}
