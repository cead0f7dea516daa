// SPDX-License-Identifier: MIT
/*
 * virtio-console, virtio 1.2 section 5.3: the device model and its
 * lifecycle. Only VIRTIO_CONSOLE_F_MULTIPORT is offered; port data and
 * the control queues are handled on the I/O thread (console_io.c,
 * console_ctrl.c).
 */
#include <endian.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "virtio/console/console_int.h"
#include "vmm/base/log.h"

#define VCON_QUEUE_SIZE	 256
#define VCON_CONFIG_SIZE 12 /* cols, rows, max_nr_ports, emerg_wr */

static struct virtio_console *to_con(struct virtio_dev *vd)
{
	return container_of(vd, struct virtio_console, vdev);
}

static void vcon_read_config(struct virtio_dev *vd, u32 off, void *data,
			     u32 len)
{
	struct virtio_console *c = to_con(vd);
	u8 cfg[VCON_CONFIG_SIZE] = { 0 };
	u32 max = htole32(c->nr_ports);

	memcpy(cfg + 4, &max, 4);
	memset(data, 0, len);
	if (off < sizeof(cfg))
		memcpy(data, cfg + off, MIN(len, sizeof(cfg) - off));
}

static int vcon_activate(struct virtio_dev *vd)
{
	if (!virtio_has_feature(vd, VIRTIO_F_VERSION_1) ||
	    !virtio_has_feature(vd, VIRTIO_CONSOLE_F_MULTIPORT))
		return -EINVAL; /* port 0 alone would have no name */
	return vcon_io_start(to_con(vd));
}

static void vcon_reset(struct virtio_dev *vd)
{
	vcon_io_stop(to_con(vd));
}

static const struct virtio_dev_ops vcon_ops = {
	.device_id = VIRTIO_ID_CONSOLE,
	.queue_size = VCON_QUEUE_SIZE,
	.features = 1ULL << VIRTIO_CONSOLE_F_MULTIPORT,
	.config_size = VCON_CONFIG_SIZE,
	.read_config = vcon_read_config,
	/* No write_config: emerg_wr is not offered, the rest read-only. */
	.activate = vcon_activate,
	.reset = vcon_reset,
};

/* How the I/O thread must treat @fd: a socket, a regular file, or poll. */
static int classify(int fd, bool *sock, bool *file, unsigned int port,
		    struct err *err)
{
	struct stat st;

	if (fd < 0)
		return 0;
	if (fstat(fd, &st) < 0)
		return err_input(err, -errno,
				 "virtio-console port %u: fd %d: %s", port, fd,
				 strerror(errno));
	*sock = S_ISSOCK(st.st_mode);
	*file = S_ISREG(st.st_mode) || S_ISBLK(st.st_mode);
	return 0;
}

static int init_port(struct virtio_console *c, unsigned int i,
		     const struct vcon_port_options *o, struct err *err)
{
	struct vcon_port *p = &c->port[i];
	int ret;

	p->id = i;
	p->in_fd = o->in_fd;
	p->out_fd = o->out_fd;
	if (o->name && strlen(o->name) > VCON_NAME_MAX)
		return err_input(
			err, -EINVAL,
			"virtio-console port %u: name longer than %d bytes", i,
			VCON_NAME_MAX);
	snprintf(p->name, sizeof(p->name), "%s", o->name ? o->name : "");
	ret = classify(p->in_fd, &p->in_sock, &p->in_file, i, err);
	if (!ret)
		ret = classify(p->out_fd, &p->out_sock, &p->out_file, i, err);
	if (ret)
		return ret;
	p->host_open = true;
	p->tx_chain = malloc(sizeof(*p->tx_chain));
	if (!p->tx_chain)
		return err_host(err, -ENOMEM, "virtio-console: out of memory");
	return 0;
}

static void vcon_free(struct virtio_console *c)
{
	unsigned int i;

	iothread_destroy(&c->io);
	for (i = 0; i < VCON_MAX_PORTS; i++)
		free(c->port[i].tx_chain);
	free(c->chain);
	free(c->iov);
	pthread_mutex_destroy(&c->vdev.lock);
	free(c);
}

struct virtio_console *virtio_console_create(const struct guest_mem *mem,
					     const struct vcon_options *o,
					     unsigned int index,
					     struct err *err)
{
	char what[IOTHREAD_NAME_LEN], name[IOTHREAD_NAME_LEN];
	struct virtio_console *c;
	unsigned int i;

	if (!o->nr_ports || o->nr_ports > VCON_MAX_PORTS) {
		err_input(err, -EINVAL, "virtio-console: 1 to %d ports",
			  VCON_MAX_PORTS);
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		err_host(err, -ENOMEM, "virtio-console: out of memory");
		return NULL;
	}
	c->ops = vcon_ops;
	c->nr_ports = o->nr_ports;
	c->ops.nr_queues = 2 + 2 * o->nr_ports;
	c->drain_fd = -1;
	c->out_failed = o->out_failed;
	c->opaque = o->opaque;
	virtio_dev_init(&c->vdev, &c->ops, mem);
	c->chain = malloc(sizeof(*c->chain));
	c->iov = calloc(VQ_MAX_SEGS, sizeof(*c->iov));
	if (!c->chain || !c->iov) {
		err_host(err, -ENOMEM, "virtio-console: out of memory");
		goto free_con;
	}
	for (i = 0; i < o->nr_ports; i++)
		if (init_port(c, i, &o->port[i], err))
			goto free_con;
	snprintf(what, sizeof(what), "con%u", index);
	thread_name(name, o->vm_name, what);
	if (iothread_create(&c->io, name, &vcon_io_ops, c, err))
		goto free_con;
	return c;
free_con:
	vcon_free(c);
	return NULL;
}

struct iothread *virtio_console_iothread(struct virtio_console *c)
{
	return &c->io;
}

struct virtio_dev *virtio_console_vdev(struct virtio_console *c)
{
	return &c->vdev;
}

int virtio_console_drain(struct virtio_console *c, int timeout_ms)
{
	struct pollfd p = { .events = POLLIN };
	int ret;

	p.fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (p.fd < 0)
		return -errno;
	vcon_io_drain(c, p.fd, true);
	do {
		ret = poll(&p, 1, timeout_ms);
	} while (ret < 0 && errno == EINTR);
	vcon_io_drain(c, p.fd, false);
	close(p.fd);
	return ret > 0 ? 0 : -ETIMEDOUT;
}

void virtio_console_destroy(struct virtio_console *c)
{
	if (!c)
		return;
	vcon_io_stop(c);
	vcon_free(c);
}
