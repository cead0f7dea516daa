// SPDX-License-Identifier: MIT
/*
 * The front-end side of one vhost-user connection: request/reply
 * transactions, REPLY_ACK, the handshake and the per-ring requests.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "virtio/vhost_user/vu_conn.h"
#include "virtio/vhost_user/vu_msg.h"

int vu_conn_connect(const char *path, int *sock, const char *what,
		    struct err *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, e;

	if (strlen(path) >= sizeof(sa.sun_path))
		return err_input(err, -ENAMETOOLONG,
				 "%s: socket path longer than %zu bytes", what,
				 sizeof(sa.sun_path) - 1);
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return err_host(err, -errno, "%s: socket: %s", what,
				strerror(errno));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		e = errno;
		close(fd);
		if (e == ECONNREFUSED)
			return err_input(err, -e,
					 "%s: nobody listens on socket %s",
					 what, path);
		return err_input(err, -e, "%s: cannot connect to %s: %s", what,
				 path, strerror(e));
	}
	*sock = fd;
	return 0;
}

void vu_conn_init(struct vhost_user *vu, int sock, int timeout_ms)
{
	memset(vu, 0, sizeof(*vu));
	vu->sock = sock;
	vu->timeout_ms = timeout_ms;
	pthread_mutex_init(&vu->lock, NULL);
}

void vu_conn_close(struct vhost_user *vu)
{
	if (vu->sock >= 0)
		close(vu->sock);
	vu->sock = -1;
	pthread_mutex_destroy(&vu->lock);
}

void vu_conn_shutdown(struct vhost_user *vu, int why)
{
	int none = 0;

	/* The first reason stays. */
	__atomic_compare_exchange_n(&vu->error, &none, why, false,
				    __ATOMIC_RELAXED, __ATOMIC_RELAXED);
	if (__atomic_exchange_n(&vu->dead, 1, __ATOMIC_ACQ_REL))
		return;
	shutdown(vu->sock, SHUT_RDWR);
}

bool vu_conn_dead(struct vhost_user *vu)
{
	return __atomic_load_n(&vu->dead, __ATOMIC_ACQUIRE);
}

const char *vu_conn_strerror(int ret)
{
	switch (ret) {
	case -EPIPE:
	case -ECONNRESET:
		return "closed the connection";
	case -ETIMEDOUT:
		return "did not answer in time";
	case -EPROTO:
		return "sent a malformed reply";
	case -EIO:
		return "refused a request";
	default:
		return strerror(-ret);
	}
}

/*
 * Send @m and wait for its answer: the reply of a request that has one
 * (@reply_size bytes exactly), else the ack when REPLY_ACK is on. A
 * broken exchange kills the connection; a refused one does not.
 */
static int transact(struct vhost_user *vu, struct vu_msg *m, const int *fds,
		    unsigned int nfds, bool has_reply, u32 reply_size)
{
	bool ack =
		!has_reply && vu_conn_has_protocol(vu, VU_PROTOCOL_F_REPLY_ACK);
	u32 req = m->hdr.request;
	int ret;

	m->hdr.flags = VU_VERSION | (ack ? VU_FLAG_NEED_REPLY : 0);
	pthread_mutex_lock(&vu->lock);
	if (vu_conn_dead(vu)) {
		ret = -EPIPE;
		goto unlock;
	}
	ret = vu_msg_send(vu->sock, m, fds, nfds);
	if (!ret && (has_reply || ack))
		ret = vu_msg_recv_reply(vu->sock, req, m, vu->timeout_ms);
	if (!ret && ack)
		reply_size = sizeof(m->p.u64);
	/* An empty GET_CONFIG reply is how a back-end refuses it. */
	if (!ret && req == VU_GET_CONFIG && m->hdr.size == 0)
		ret = -EIO;
	else if (!ret && (has_reply || ack) && m->hdr.size != reply_size)
		ret = -EPROTO; /* short, or longer than asked */
	if (ret && ret != -EIO)
		vu_conn_shutdown(vu, ret);
	else if (!ret && ack && m->p.u64)
		ret = -EIO;
unlock:
	pthread_mutex_unlock(&vu->lock);
	return ret;
}

static void msg_init(struct vu_msg *m, enum vu_request req, u32 size)
{
	memset(&m->hdr, 0, sizeof(m->hdr));
	m->hdr.request = req;
	m->hdr.size = size;
}

static int get_u64(struct vhost_user *vu, enum vu_request req, u64 *val)
{
	struct vu_msg m;
	int ret;

	msg_init(&m, req, 0);
	ret = transact(vu, &m, NULL, 0, true, sizeof(m.p.u64));
	if (!ret)
		*val = m.p.u64;
	return ret;
}

static int set_u64(struct vhost_user *vu, enum vu_request req, u64 val)
{
	struct vu_msg m;

	msg_init(&m, req, sizeof(m.p.u64));
	m.p.u64 = val;
	return transact(vu, &m, NULL, 0, false, 0);
}

int vu_conn_handshake(struct vhost_user *vu, u64 want)
{
	struct vu_msg m;
	u64 theirs;
	int ret;

	ret = get_u64(vu, VU_GET_FEATURES, &vu->features);
	if (ret)
		return ret;
	if (vu->features & (1ULL << VU_F_PROTOCOL_FEATURES)) {
		ret = get_u64(vu, VU_GET_PROTOCOL_FEATURES, &theirs);
		if (!ret)
			ret = set_u64(vu, VU_SET_PROTOCOL_FEATURES,
				      theirs & want);
		if (ret)
			return ret;
		/* REPLY_ACK applies from the next request on. */
		vu->protocol = theirs & want;
	}
	msg_init(&m, VU_SET_OWNER, 0);
	return transact(vu, &m, NULL, 0, false, 0);
}

int vu_conn_get_queue_num(struct vhost_user *vu, u64 *nr)
{
	return get_u64(vu, VU_GET_QUEUE_NUM, nr);
}

int vu_mem_table_build(const struct guest_mem *mem, struct vu_mem_table *t,
		       int *fds)
{
	unsigned int i;

	if (mem->nr > VU_MAX_REGIONS)
		return -E2BIG;
	memset(t, 0, sizeof(*t));
	for (i = 0; i < mem->nr; i++) {
		const struct guest_region *r = &mem->region[i];

		if (r->fd < 0)
			return -EINVAL;
		t->region[i] = (struct vu_mem_region){
			.gpa = r->gpa,
			.size = r->size,
			.uaddr = (u64)(uintptr_t)r->hva,
			.mmap_offset = r->fd_offset,
		};
		fds[i] = r->fd;
	}
	t->nr = mem->nr;
	return 0;
}

int vu_conn_set_mem_table(struct vhost_user *vu, const struct guest_mem *mem)
{
	int fds[VU_MAX_REGIONS];
	struct vu_msg m;
	int ret;

	msg_init(&m, VU_SET_MEM_TABLE, 0);
	ret = vu_mem_table_build(mem, &m.p.mem, fds);
	if (ret)
		return ret;
	/* Header, padding, then only the regions in use. */
	m.hdr.size = offsetof(struct vu_mem_table, region) +
		     m.p.mem.nr * sizeof(struct vu_mem_region);
	return transact(vu, &m, fds, m.p.mem.nr, false, 0);
}

int vu_conn_get_config(struct vhost_user *vu, void *buf, u32 size)
{
	struct vu_msg m;
	int ret;

	if (size > VU_CONFIG_MAX)
		return -EINVAL;
	msg_init(&m, VU_GET_CONFIG, VU_CONFIG_HDR_SIZE + size);
	memset(&m.p.config, 0, sizeof(m.p.config));
	m.p.config.size = size;
	ret = transact(vu, &m, NULL, 0, true, VU_CONFIG_HDR_SIZE + size);
	if (!ret && m.p.config.size != size) {
		vu_conn_shutdown(vu, -EPROTO);
		ret = -EPROTO;
	}
	if (!ret)
		memcpy(buf, m.p.config.data, size);
	return ret;
}

int vu_conn_set_features(struct vhost_user *vu, u64 features)
{
	return set_u64(vu, VU_SET_FEATURES, features);
}

int vu_conn_set_vring(struct vhost_user *vu, enum vu_request req, u32 index,
		      u32 num)
{
	struct vu_msg m;

	msg_init(&m, req, sizeof(m.p.state));
	m.p.state = (struct vu_vring_state){ index, num };
	return transact(vu, &m, NULL, 0, false, 0);
}

int vu_conn_set_vring_addr(struct vhost_user *vu, const struct vu_vring_addr *a)
{
	struct vu_msg m;

	msg_init(&m, VU_SET_VRING_ADDR, sizeof(m.p.addr));
	m.p.addr = *a;
	return transact(vu, &m, NULL, 0, false, 0);
}

int vu_conn_set_vring_fd(struct vhost_user *vu, enum vu_request req, u32 index,
			 int fd)
{
	struct vu_msg m;

	/* No "polling" (VU_VRING_NOFD): libvhost-user writes call fds. */
	if (fd < 0)
		return -EINVAL;
	msg_init(&m, req, sizeof(m.p.u64));
	m.p.u64 = index & VU_VRING_INDEX_MASK;
	return transact(vu, &m, &fd, 1, false, 0);
}

int vu_conn_get_vring_base(struct vhost_user *vu, u32 index, u32 *base)
{
	struct vu_msg m;
	int ret;

	msg_init(&m, VU_GET_VRING_BASE, sizeof(m.p.state));
	m.p.state = (struct vu_vring_state){ index, 0 };
	ret = transact(vu, &m, NULL, 0, true, sizeof(m.p.state));
	if (!ret && m.p.state.index != index) {
		vu_conn_shutdown(vu, -EPROTO);
		ret = -EPROTO;
	}
	if (!ret)
		*base = m.p.state.num;
	return ret;
}
