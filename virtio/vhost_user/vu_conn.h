/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_VU_CONN_H
#define SQUEEZE_VU_CONN_H

#include <pthread.h>

#include "virtio/vhost_user/vu_proto.h"
#include "vmm/base/err.h"
#include "vmm/core/guest_mem.h"

/*
 * One vhost-user connection as the front-end sees it: requests go out one
 * at a time (the lock), each waits for its reply when it has one, and with
 * REPLY_ACK negotiated every other request waits for the back-end's ack,
 * so a request that returns 0 has been carried out.
 *
 * A connection that fails (closed, timed out, malformed reply) is dead:
 * vu_conn_shutdown() marks it and shuts the socket down, which also wakes
 * whoever watches it for EPOLLRDHUP, and every later request fails with
 * -EPIPE at once. A non-zero ack is -EIO and leaves the connection up.
 *
 * Requests return 0 or a negative errno; vu_conn_strerror() words it.
 */
struct vhost_user {
	int sock;
	pthread_mutex_t lock; /* one request/reply at a time */
	int timeout_ms;	      /* per request, reply included */
	u64 features;	      /* the back-end's, from GET_FEATURES */
	u64 protocol;	      /* negotiated protocol features */
	int dead;	      /* atomic */
	int error;	      /* what killed it (-errno), once dead */
};

/* Protocol features squeeze can use; the rest are never negotiated. */
#define VU_PROTOCOL_WANTED                                                \
	((1ULL << VU_PROTOCOL_F_MQ) | (1ULL << VU_PROTOCOL_F_REPLY_ACK) | \
	 (1ULL << VU_PROTOCOL_F_CONFIG))

/*
 * Connect to the back-end listening at @path (a bad path, or nobody
 * listening, is the user's input: ERR_INPUT). The socket in *@sock.
 */
int vu_conn_connect(const char *path, int *sock, const char *what,
		    struct err *err);

/* Take over @sock (closed by vu_conn_close()). */
void vu_conn_init(struct vhost_user *vu, int sock, int timeout_ms);
void vu_conn_close(struct vhost_user *vu);
/* Mark it dead because of @why (-errno) and shut the socket down. */
void vu_conn_shutdown(struct vhost_user *vu, int why);
bool vu_conn_dead(struct vhost_user *vu);

/*
 * GET_FEATURES; when the back-end has VU_F_PROTOCOL_FEATURES,
 * GET_PROTOCOL_FEATURES and SET_PROTOCOL_FEATURES (theirs & @want);
 * then SET_OWNER.
 */
int vu_conn_handshake(struct vhost_user *vu, u64 want);

static inline bool vu_conn_has_protocol(const struct vhost_user *vu,
					unsigned int bit)
{
	return vu->protocol & (1ULL << bit);
}

int vu_conn_get_queue_num(struct vhost_user *vu, u64 *nr);
/* The regions of @mem, each with its fd (shared RAM only: else -EINVAL). */
int vu_conn_set_mem_table(struct vhost_user *vu, const struct guest_mem *mem);
/* The first @size bytes of the device configuration (VU_PROTOCOL_F_CONFIG). */
int vu_conn_get_config(struct vhost_user *vu, void *buf, u32 size);
int vu_conn_set_features(struct vhost_user *vu, u64 features);
/* SET_VRING_NUM, SET_VRING_BASE or SET_VRING_ENABLE: index and value. */
int vu_conn_set_vring(struct vhost_user *vu, enum vu_request req, u32 index,
		      u32 num);
int vu_conn_set_vring_addr(struct vhost_user *vu,
			   const struct vu_vring_addr *a);
/* SET_VRING_KICK, _CALL or _ERR with @fd (>= 0, else -EINVAL). */
int vu_conn_set_vring_fd(struct vhost_user *vu, enum vu_request req, u32 index,
			 int fd);
/* Stop ring @index; its next available index in *@base. */
int vu_conn_get_vring_base(struct vhost_user *vu, u32 index, u32 *base);

/* Fill @t and @fds (t->nr of them) from @mem; -EINVAL for private RAM. */
int vu_mem_table_build(const struct guest_mem *mem, struct vu_mem_table *t,
		       int *fds);

/* "closed the connection", "sent a malformed reply", ... for one -errno. */
const char *vu_conn_strerror(int ret);

#endif
