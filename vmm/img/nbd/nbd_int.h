/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_NBD_INT_H
#define SQUEEZE_NBD_INT_H

#include <pthread.h>

#include "devices/block/disk.h"
#include "vmm/img/nbd/nbd.h"
#include "vmm/img/nbd/nbd_proto.h"

/*
 * The NBD server's insides, per serving thread: an epoll loop (server.c)
 * over the listening socket, a signalfd, the disk's completion eventfd
 * and every client's socket. Each client is a small state machine that
 * reads exactly the bytes the protocol says come next (io.c), answers
 * options (handshake.c), then turns requests into asynchronous disk
 * requests and queues their replies (trans.c). Requests of all clients
 * go to that thread's disk from that thread only, as the disk layer
 * requires (a read-only export opens the image once per thread).
 */

/* Bytes still to come into @p. */
struct nbd_rx {
	u8 *p;
	u32 want, got;
};

/* One queued reply (or handshake message); data follows the struct. */
struct nbd_buf {
	struct nbd_buf *next;
	u64 len, sent;
	u8 *data;
};

enum nbd_state {
	NBD_ST_FLAGS,	    /* waiting for the client's flags */
	NBD_ST_OPT_HEADER,  /* an option's header */
	NBD_ST_OPT_DATA,    /* its data */
	NBD_ST_REQ_HEADER,  /* a request's header */
	NBD_ST_REQ_PAYLOAD, /* a write's data */
};

struct nbd_req;
struct nbd_worker;

struct nbd_client {
	struct nbd_server *srv;
	struct nbd_worker *w; /* the thread that serves it */
	struct nbd_client *next;
	int fd;
	unsigned int id;
	enum nbd_state st;
	struct nbd_rx rx;
	u8 hdr[NBD_REQUEST_LEN]; /* the header being read */
	u8 *opt;		 /* option data being read */
	struct nbd_req *req;	 /* a write whose data is coming */
	bool no_zeroes, structured, meta, closing;
	bool dead;    /* socket closed; waits for its I/O */
	bool refused; /* over the client limit */
	u32 events;   /* what epoll watches for it */
	struct nbd_buf *out, *out_tail;
	u64 out_bytes;	       /* queued, unsent */
	unsigned int inflight; /* disk requests not yet done */
	u64 inflight_bytes;
};

/*
 * One serving thread with its own epoll set and its own open disk. A
 * read-write export has one; a read-only export one per CPU (at most
 * NBD_MAX_WORKERS), each with the image opened (and read-locked) anew, so
 * that clients are served in parallel with nothing shared but the
 * configuration and two counters.
 */
struct nbd_worker {
	struct nbd_server *srv;
	unsigned int index;
	struct disk *disk;
	struct disk own; /* workers but the first */
	bool own_open;
	int epfd;
	int inbox[2]; /* pipe: clients handed over */
	struct nbd_client *clients;
	unsigned int nr_clients; /* read by the acceptor (atomic) */
	bool stopping;
	pthread_t thread;
	bool started;
	int ret; /* of its run */
	struct err err;
};

#define NBD_MAX_WORKERS 8

struct nbd_server {
	struct nbd_config cfg;
	u16 tflags; /* transmission flags */
	u64 size;
	int sigfd, lfd, stopfd;
	unsigned int nr_clients; /* all workers' (atomic) */
	unsigned int next_id;
	unsigned int nr_workers;
	struct nbd_worker w[NBD_MAX_WORKERS];
};

/* A client handed from the acceptor to a worker, through its inbox. */
struct nbd_handover {
	int fd;
	unsigned int id;
	bool refused;
};

/* io.c */
/* Read into c->rx: 1 when complete, 0 when more must come, -1: drop. */
int nbd_rx(struct nbd_client *c);
void nbd_rx_expect(struct nbd_client *c, void *p, u32 len);
/* Queue @len bytes (copied) or a buffer made by nbd_buf_new(). */
int nbd_send(struct nbd_client *c, const void *data, u64 len);
struct nbd_buf *nbd_buf_new(u64 len);
void nbd_queue(struct nbd_client *c, struct nbd_buf *b);
/* Write what is queued; 0, or -1 when the client must be dropped. */
int nbd_flush_out(struct nbd_client *c);
void nbd_client_log(const struct nbd_client *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* handshake.c */
int nbd_hello(struct nbd_client *c);
/* A complete client-flags or option message arrived: 0, or -1: drop. */
int nbd_handshake_step(struct nbd_client *c);

/* trans.c */
/* A complete request header (or write payload) arrived: 0 or -1. */
int nbd_trans_step(struct nbd_client *c);
void nbd_trans_start(struct nbd_client *c);
void nbd_req_free(struct nbd_req *r);

/* worker.c */
/*
 * Drop the client: its socket is closed at once; the client itself is
 * freed by its worker once none of its disk requests is in flight.
 */
void nbd_drop(struct nbd_client *c);
/* Watch the socket for what the client needs now (input, output). */
void nbd_update_events(struct nbd_client *c);
int nbd_worker_init(struct nbd_worker *w, struct err *err);
void nbd_worker_fini(struct nbd_worker *w);
/* Serve its clients until told to stop and they are done. */
int nbd_worker_run(struct nbd_worker *w);
/* Take over a client (on its own thread): greet it. */
void nbd_worker_adopt(struct nbd_worker *w, const struct nbd_handover *h);
int nbd_watch(int epfd, int fd, u32 events, void *tag);

/* server.c: the acceptor and stop signals, on the first worker. */
bool nbd_server_event(struct nbd_worker *w, void *tag);

#endif
