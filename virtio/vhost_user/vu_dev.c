// SPDX-License-Identifier: MIT
/*
 * The generic vhost-user device: set-up exchange, features, configuration
 * space, and the rings handed to the back-end at DRIVER_OK and taken back
 * at reset. The order of messages is in vu_dev.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "virtio/vhost_user/vu_dev.h"
#include "vmm/base/log.h"

/* What the transport may offer when the back-end implements it. */
#define VU_TRANSPORT_FEATURES                    \
	((1ULL << VIRTIO_F_VERSION_1) |          \
	 (1ULL << VIRTIO_F_RING_INDIRECT_DESC) | \
	 (1ULL << VIRTIO_F_RING_EVENT_IDX))

static struct vu_dev *to_vu(struct virtio_dev *vd)
{
	return container_of(vd, struct vu_dev, vdev);
}

static void vu_read_config(struct virtio_dev *vd, u32 off, void *data, u32 len)
{
	struct vu_dev *d = to_vu(vd);

	/* The transport checked off + len against config_size. */
	memcpy(data, d->config + off, len);
}

/* Hand queue @q to the back-end; kick last, once the rest is in place. */
static int start_queue(struct vu_dev *d, u32 q)
{
	struct virtqueue *vq = &d->vdev.vq[q];
	struct vhost_user *vu = &d->conn;
	struct vu_vring_addr a = {
		.index = q,
		.desc = (u64)(uintptr_t)vq->desc,
		.used = (u64)(uintptr_t)vq->used,
		.avail = (u64)(uintptr_t)vq->avail,
	};
	int call = __atomic_load_n(&vq->call_fd, __ATOMIC_ACQUIRE);
	int ret;

	if (call < 0)
		call = d->idle_call_fd[q];

	virtio_eventfd_drain(&d->vdev, d->err_fd[q]);
	ret = vu_conn_set_vring(vu, VU_SET_VRING_NUM, q, vq->size);
	if (!ret)
		ret = vu_conn_set_vring(vu, VU_SET_VRING_BASE, q, 0);
	if (!ret)
		ret = vu_conn_set_vring_addr(vu, &a);
	if (!ret)
		ret = vu_conn_set_vring_fd(vu, VU_SET_VRING_CALL, q, call);
	if (!ret)
		ret = vu_conn_set_vring_fd(vu, VU_SET_VRING_ERR, q,
					   d->err_fd[q]);
	if (ret)
		return ret;
	/* From here the back-end may run the ring: GET_VRING_BASE it later. */
	d->started[q] = true;
	ret = vu_conn_set_vring_fd(vu, VU_SET_VRING_KICK, q, vq->kick_fd);
	if (!ret && (vu->features & (1ULL << VU_F_PROTOCOL_FEATURES)))
		ret = vu_conn_set_vring(vu, VU_SET_VRING_ENABLE, q, 1);
	return ret;
}

/* activate and reset run on the I/O thread: it alone talks to the back-end. */
struct vu_call {
	struct vu_dev *d;
	int ret;
};

static void reset_fn(void *arg)
{
	struct vu_dev *d = ((struct vu_call *)arg)->d;
	u32 q, base;

	/* Stops each ring; a dead back-end answers -EPIPE at once. */
	for (q = 0; q < d->ops.nr_queues; q++) {
		if (!d->started[q])
			continue;
		vu_conn_get_vring_base(&d->conn, q, &base);
		d->started[q] = false;
	}
}

static void vu_reset(struct virtio_dev *vd)
{
	struct vu_call c = { to_vu(vd), 0 };

	iothread_call(&c.d->io, reset_fn, &c);
}

/* NEEDS_RESET, saying what the back-end did (one line, once). */
static void backend_failed(struct vu_dev *d, int ret)
{
	char why[96];

	snprintf(why, sizeof(why), "%s: vhost-user back-end %s", d->name,
		 vu_conn_strerror(ret));
	virtio_dev_needs_reset(&d->vdev, why);
}

static void activate_fn(void *arg)
{
	struct vu_call *c = arg;
	struct vu_dev *d = c->d;
	struct virtio_dev *vd = &d->vdev;
	u64 f = vd->driver_features;
	u32 q;
	int ret;

	if (d->conn.features & (1ULL << VU_F_PROTOCOL_FEATURES))
		f |= 1ULL << VU_F_PROTOCOL_FEATURES;
	ret = vu_conn_set_features(&d->conn, f);
	for (q = 0; !ret && q < d->ops.nr_queues; q++)
		if (vd->vq[q].ready)
			ret = start_queue(d, q);
	if (ret)
		backend_failed(d, ret);
	c->ret = ret;
}

static int vu_activate(struct virtio_dev *vd)
{
	struct vu_call c = { to_vu(vd), 0 };

	iothread_call(&c.d->io, activate_fn, &c);
	return c.ret;
}

/* The features the device offers: what both sides implement. */
static int choose_features(struct vu_dev *d, const struct vu_dev_params *p,
			   const char *what, u64 *out, struct err *err)
{
	u64 offered = d->conn.features & (p->features | VU_TRANSPORT_FEATURES);

	if (!(offered & (1ULL << VIRTIO_F_VERSION_1)))
		return err_input(
			err, -EINVAL,
			"%s: the vhost-user back-end does not offer virtio 1.0 (VIRTIO_F_VERSION_1)",
			what);
	*out = offered;
	return 0;
}

/* GET_QUEUE_NUM where MQ allows asking; a back-end with fewer is refused. */
static int check_queues(struct vu_dev *d, const struct vu_dev_params *p,
			const char *what, struct err *err)
{
	u64 nr;
	int ret;

	if (!vu_conn_has_protocol(&d->conn, VU_PROTOCOL_F_MQ))
		return 0;
	ret = vu_conn_get_queue_num(&d->conn, &nr);
	if (ret)
		return err_input(err, ret, "%s: vhost-user back-end %s", what,
				 vu_conn_strerror(ret));
	if (nr < p->nr_queues)
		return err_input(
			err, -EINVAL,
			"%s: the vhost-user back-end serves %llu queues, the device needs %u",
			what, (unsigned long long)nr, p->nr_queues);
	return 0;
}

/* The set-up exchange, up to the configuration space. */
static int setup_backend(struct vu_dev *d, const struct guest_mem *mem,
			 const struct vu_dev_params *p, const char *what,
			 struct err *err)
{
	int ret = vu_conn_handshake(&d->conn, VU_PROTOCOL_WANTED);

	if (ret)
		return err_input(err, ret, "%s: vhost-user back-end %s", what,
				 vu_conn_strerror(ret));
	if ((d->conn.protocol & p->protocol_needed) != p->protocol_needed)
		return err_input(
			err, -EINVAL,
			"%s: the vhost-user back-end lacks protocol features %#llx",
			what,
			(unsigned long long)(p->protocol_needed &
					     ~d->conn.protocol));
	ret = check_queues(d, p, what, err);
	if (ret)
		return ret;
	ret = vu_conn_set_mem_table(&d->conn, mem);
	if (ret == -EINVAL)
		return err_host(err, ret, "%s: guest RAM is not shared memory",
				what);
	if (!ret && !p->config)
		ret = vu_conn_get_config(&d->conn, d->config, p->config_size);
	if (ret)
		return err_input(err, ret, "%s: vhost-user back-end %s", what,
				 vu_conn_strerror(ret));
	if (p->config)
		memcpy(d->config, p->config, p->config_size);
	return 0;
}

static int open_queue_fds(struct vu_dev *d, u32 nr)
{
	u32 q;

	for (q = 0; q < nr; q++) {
		d->err_fd[q] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		d->idle_call_fd[q] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (d->err_fd[q] < 0 || d->idle_call_fd[q] < 0)
			return -errno;
	}
	return 0;
}

struct vu_dev *vu_dev_create(const struct guest_mem *mem, int sock,
			     const struct vu_dev_params *p, const char *what,
			     struct err *err)
{
	struct vu_dev *d = calloc(1, sizeof(*d));
	u64 features = 0;
	u32 q;
	int ret;

	if (!d) {
		close(sock);
		err_host(err, -ENOMEM, "%s: out of memory", what);
		return NULL;
	}
	vu_conn_init(&d->conn, sock, p->timeout_ms);
	for (q = 0; q < VIRTIO_MAX_QUEUES; q++)
		d->err_fd[q] = d->idle_call_fd[q] = -1;
	snprintf(d->name, sizeof(d->name), "%s", p->name);
	if (p->nr_queues > VIRTIO_MAX_QUEUES ||
	    p->config_size > VU_CONFIG_MAX) {
		err_host(err, -EINVAL, "%s: %u queues, %u config bytes", what,
			 p->nr_queues, p->config_size);
		goto destroy;
	}
	if (setup_backend(d, mem, p, what, err) ||
	    choose_features(d, p, what, &features, err))
		goto destroy;
	ret = open_queue_fds(d, p->nr_queues);
	if (ret) {
		err_host(err, ret, "%s: eventfd: %s", what, strerror(-ret));
		goto destroy;
	}
	d->ops = (struct virtio_dev_ops){
		.device_id = p->device_id,
		.nr_queues = p->nr_queues,
		.queue_size = p->queue_size,
		.features = features,
		.config_size = p->config_size,
		.read_config = vu_read_config,
		.activate = vu_activate,
		.reset = vu_reset,
	};
	virtio_dev_init(&d->vdev, &d->ops, mem);
	/* Not the transport's defaults: only what the back-end implements. */
	d->vdev.device_features = features;
	if (vu_watch_start(d, p->vm_name, err))
		goto destroy;
	return d;
destroy:
	vu_dev_destroy(d);
	return NULL;
}

struct virtio_dev *vu_dev_vdev(struct vu_dev *d)
{
	return &d->vdev;
}

u64 vu_dev_backend_features(const struct vu_dev *d)
{
	return d->conn.features;
}

int vu_dev_quiesce(struct vu_dev *d)
{
	vu_watch_stop(d);
	return d->conn.sock;
}

void vu_dev_destroy(struct vu_dev *d)
{
	u32 q;

	if (!d)
		return;
	vu_watch_stop(d);
	vu_conn_close(&d->conn);
	for (q = 0; q < VIRTIO_MAX_QUEUES; q++) {
		if (d->err_fd[q] >= 0)
			close(d->err_fd[q]);
		if (d->idle_call_fd[q] >= 0)
			close(d->idle_call_fd[q]);
	}
	/* Zeroed (a valid initialiser) when virtio_dev_init() never ran. */
	pthread_mutex_destroy(&d->vdev.lock);
	free(d);
}
