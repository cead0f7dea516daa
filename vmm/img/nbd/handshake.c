// SPDX-License-Identifier: MIT
/*
 * The fixed newstyle handshake: greeting, client flags, then options
 * until one (GO or EXPORT_NAME) starts transmission. Every length in an
 * option is checked against the data that came; a client that breaks
 * the framing is dropped, one whose option merely makes no sense gets an
 * error reply and may go on.
 */
#include <stdlib.h>
#include <string.h>

#include "vmm/img/nbd/nbd_int.h"

static int reply(struct nbd_client *c, u32 opt, u32 type, const void *data,
		 u32 len)
{
	struct nbd_buf *b = nbd_buf_new(NBD_OPT_REPLY_LEN + len);

	if (!b)
		return -1;
	nbd_put64(b->data, NBD_OPT_REPLY_MAGIC);
	nbd_put32(b->data + 8, opt);
	nbd_put32(b->data + 12, type);
	nbd_put32(b->data + 16, len);
	if (len)
		memcpy(b->data + NBD_OPT_REPLY_LEN, data, len);
	nbd_queue(c, b);
	return 0;
}

static int reply_err(struct nbd_client *c, u32 opt, u32 type, const char *msg)
{
	return reply(c, opt, type, msg, strlen(msg));
}

int nbd_hello(struct nbd_client *c)
{
	u8 g[18];

	nbd_put64(g, NBD_MAGIC);
	nbd_put64(g + 8, NBD_IHAVEOPT);
	nbd_put16(g + 16, NBD_FLAG_FIXED_NEWSTYLE | NBD_FLAG_NO_ZEROES);
	c->st = NBD_ST_FLAGS;
	nbd_rx_expect(c, c->hdr, 4);
	return nbd_send(c, g, sizeof(g));
}

static int info_export(struct nbd_client *c, u32 opt)
{
	u8 d[12];

	nbd_put16(d, NBD_INFO_EXPORT);
	nbd_put64(d + 2, c->srv->size);
	nbd_put16(d + 10, c->srv->tflags);
	return reply(c, opt, NBD_REP_INFO, d, sizeof(d));
}

static int info_block_size(struct nbd_client *c, u32 opt)
{
	u8 d[14];

	nbd_put16(d, NBD_INFO_BLOCK_SIZE);
	nbd_put32(d + 2, 1);
	nbd_put32(d + 6, 4096);
	nbd_put32(d + 10, NBD_MAX_PAYLOAD);
	return reply(c, opt, NBD_REP_INFO, d, sizeof(d));
}

/* INFO and GO: u32 name length, name, u16 count, count u16 requests. */
static int info_go(struct nbd_client *c, u32 opt, const u8 *d, u32 len)
{
	u32 nlen, nreq, i;
	u8 name_info[2];

	if (len < 6 || (nlen = nbd_get32(d)) > len - 6)
		return reply_err(c, opt, NBD_REP_ERR_INVALID,
				 "bad option length");
	nreq = nbd_get16(d + 4 + nlen);
	if (len != 6 + nlen + 2 * nreq)
		return reply_err(c, opt, NBD_REP_ERR_INVALID,
				 "bad option length");
	if (nlen)
		return reply_err(c, opt, NBD_REP_ERR_UNKNOWN,
				 "no such export; the export is named \"\"");
	if (c->refused)
		return reply_err(c, opt, NBD_REP_ERR_POLICY,
				 "too many clients connected; try again later");
	if (info_export(c, opt))
		return -1;
	for (i = 0; i < nreq; i++) {
		u16 t = nbd_get16(d + 6 + nlen + 2 * i);

		if (t == NBD_INFO_BLOCK_SIZE && info_block_size(c, opt))
			return -1;
		nbd_put16(name_info, NBD_INFO_NAME);
		if (t == NBD_INFO_NAME &&
		    reply(c, opt, NBD_REP_INFO, name_info, 2))
			return -1;
	}
	if (reply(c, opt, NBD_REP_ACK, NULL, 0))
		return -1;
	if (opt == NBD_OPT_GO)
		nbd_trans_start(c);
	return 0;
}

static int meta_reply(struct nbd_client *c, u32 opt)
{
	u8 d[4 + sizeof(NBD_META_ALLOCATION) - 1];

	nbd_put32(d, NBD_META_ID);
	memcpy(d + 4, NBD_META_ALLOCATION, sizeof(d) - 4);
	return reply(c, opt, NBD_REP_META_CONTEXT, d, sizeof(d));
}

static bool query_matches(u32 opt, const u8 *q, u32 qlen)
{
	size_t n = strlen(NBD_META_ALLOCATION);

	if (qlen == n && !memcmp(q, NBD_META_ALLOCATION, n))
		return true;
	/* LIST may ask for a whole namespace. */
	return opt == NBD_OPT_LIST_META_CONTEXT && qlen == 5 &&
	       !memcmp(q, "base:", 5);
}

/* u32 name length, name, u32 count, count x (u32 length, query). */
static int meta(struct nbd_client *c, u32 opt, const u8 *d, u32 len)
{
	u32 nlen, nq, pos, qlen, i;
	bool found = false;

	if (opt == NBD_OPT_SET_META_CONTEXT && !c->structured)
		return reply_err(c, opt, NBD_REP_ERR_INVALID,
				 "negotiate structured replies first");
	if (len < 8 || (nlen = nbd_get32(d)) > len - 8)
		return reply_err(c, opt, NBD_REP_ERR_INVALID,
				 "bad option length");
	nq = nbd_get32(d + 4 + nlen);
	for (pos = 8 + nlen, i = 0; i < nq; i++, pos += 4 + qlen)
		if (len - pos < 4 ||
		    (qlen = nbd_get32(d + pos)) > len - pos - 4)
			return reply_err(c, opt, NBD_REP_ERR_INVALID,
					 "bad option length");
	if (pos != len)
		return reply_err(c, opt, NBD_REP_ERR_INVALID,
				 "bad option length");
	if (nlen)
		return reply_err(c, opt, NBD_REP_ERR_UNKNOWN,
				 "no such export; the export is named \"\"");
	for (pos = 8 + nlen, i = 0; i < nq; i++, pos += 4 + qlen) {
		qlen = nbd_get32(d + pos);
		found |= query_matches(opt, d + pos + 4, qlen);
	}
	if (opt == NBD_OPT_LIST_META_CONTEXT && !nq)
		found = true;
	if (opt == NBD_OPT_SET_META_CONTEXT)
		c->meta = found;
	if (found && meta_reply(c, opt))
		return -1;
	return reply(c, opt, NBD_REP_ACK, NULL, 0);
}

/* The old way in: no reply header, then transmission at once. */
static int export_name(struct nbd_client *c, u32 len)
{
	u8 d[10 + 124] = { 0 };

	if (len || c->refused) {
		nbd_client_log(c, "%s; dropped",
			       c->refused ?
				       "too many clients connected" :
				       "asked for an export other than \"\"");
		return -1;
	}
	nbd_put64(d, c->srv->size);
	nbd_put16(d + 8, c->srv->tflags);
	if (nbd_send(c, d, c->no_zeroes ? 10 : sizeof(d)))
		return -1;
	nbd_trans_start(c);
	return 0;
}

static int option(struct nbd_client *c, u32 opt, const u8 *d, u32 len)
{
	switch (opt) {
	case NBD_OPT_EXPORT_NAME:
		return export_name(c, len);
	case NBD_OPT_ABORT:
		c->closing = true;
		return reply(c, opt, NBD_REP_ACK, NULL, 0);
	case NBD_OPT_LIST:
		if (len)
			return reply_err(c, opt, NBD_REP_ERR_INVALID,
					 "LIST takes no data");
		if (reply(c, opt, NBD_REP_SERVER, "\0\0\0\0", 4))
			return -1;
		return reply(c, opt, NBD_REP_ACK, NULL, 0);
	case NBD_OPT_STARTTLS:
		return reply_err(c, opt, NBD_REP_ERR_POLICY,
				 "TLS is not supported");
	case NBD_OPT_INFO:
	case NBD_OPT_GO:
		return info_go(c, opt, d, len);
	case NBD_OPT_STRUCTURED_REPLY:
		if (len)
			return reply_err(c, opt, NBD_REP_ERR_INVALID,
					 "STRUCTURED_REPLY takes no data");
		c->structured = true;
		return reply(c, opt, NBD_REP_ACK, NULL, 0);
	case NBD_OPT_LIST_META_CONTEXT:
	case NBD_OPT_SET_META_CONTEXT:
		return meta(c, opt, d, len);
	}
	return reply_err(c, opt, NBD_REP_ERR_UNSUP, "unknown option");
}

static int option_header(struct nbd_client *c)
{
	u32 len = nbd_get32(c->hdr + 12);

	if (nbd_get64(c->hdr) != NBD_IHAVEOPT) {
		nbd_client_log(c, "bad option magic; dropped");
		return -1;
	}
	if (len > NBD_MAX_OPTION) {
		nbd_client_log(c, "option of %u bytes; dropped", len);
		return -1;
	}
	if (!len)
		return option(c, nbd_get32(c->hdr + 8), NULL, 0);
	c->opt = malloc(len);
	if (!c->opt)
		return -1;
	c->st = NBD_ST_OPT_DATA;
	nbd_rx_expect(c, c->opt, len);
	return 0;
}

int nbd_handshake_step(struct nbd_client *c)
{
	u32 flags;
	int ret;

	switch (c->st) {
	case NBD_ST_FLAGS:
		flags = nbd_get32(c->hdr);
		if (!(flags & NBD_FLAG_FIXED_NEWSTYLE) ||
		    (flags & ~(NBD_FLAG_FIXED_NEWSTYLE | NBD_FLAG_NO_ZEROES))) {
			nbd_client_log(
				c, "client flags 0x%x not supported; dropped",
				flags);
			return -1;
		}
		c->no_zeroes = flags & NBD_FLAG_NO_ZEROES;
		break;
	case NBD_ST_OPT_HEADER:
		ret = option_header(c);
		if (ret || c->st != NBD_ST_OPT_HEADER)
			return ret;
		break;
	case NBD_ST_OPT_DATA:
		ret = option(c, nbd_get32(c->hdr + 8), c->opt, c->rx.want);
		free(c->opt);
		c->opt = NULL;
		if (ret || c->st == NBD_ST_REQ_HEADER)
			return ret;
		break;
	default:
		return -1;
	}
	c->st = NBD_ST_OPT_HEADER;
	nbd_rx_expect(c, c->hdr, NBD_OPT_HEADER_LEN);
	return 0;
}
