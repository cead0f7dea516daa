/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_VU_MSG_H
#define SQUEEZE_VU_MSG_H

#include "virtio/vhost_user/vu_proto.h"

/*
 * Framing of vhost-user messages on a connected Unix stream socket. Both
 * calls handle partial transfers and EINTR; neither keeps any state, so a
 * failed call leaves the connection in an unknown place and the caller
 * must stop using it.
 */

/*
 * Send @m (the header and its hdr.size payload bytes) with @nfds file
 * descriptors attached. 0, or -EPIPE when the peer is gone, -EINVAL for a
 * payload or fd count out of range, another -errno.
 */
int vu_msg_send(int sock, const struct vu_msg *m, const int *fds,
		unsigned int nfds);

/*
 * Receive the reply to @request into @m, waiting at most @timeout_ms in
 * all. Returns 0 with the payload size in m->hdr.size, or:
 *   -ETIMEDOUT     nothing (or not all of it) arrived in time
 *   -ECONNRESET    the peer closed the connection before a reply began
 *   -EPROTO        a malformed reply: truncated, not flagged as a reply,
 *                  another version, another request, or a payload larger
 *                  than union vu_payload
 * File descriptors a reply carries are closed: no reply squeeze reads
 * has any.
 */
int vu_msg_recv_reply(int sock, u32 request, struct vu_msg *m, int timeout_ms);

#endif
