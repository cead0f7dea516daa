/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_TEST_CON_DRV_H
#define SQUEEZE_TEST_CON_DRV_H

#include "tests/driver/lib/driver.h"
#include "virtio/console/console.h"

/*
 * A multiport virtio-console driver on the in-process virtio driver, the
 * way Linux's virtio_console uses the device: every queue set up for
 * max_nr_ports, page-sized control receive buffers, DEVICE_READY, then
 * PORT_READY for each DEVICE_ADD; data buffers are the caller's.
 */

#define CON_DRV_CBUF  4096
#define CON_DRV_NCBUF 16

struct con_drv_port {
	bool added;
	bool host_open;
	unsigned int nr_open_msgs; /* PORT_OPEN messages seen */
	char name[VCON_NAME_MAX + 2];
};

struct con_drv {
	struct drv_env *env;
	struct drv_dev dev;
	u32 max_ports;
	u64 cbuf[VQ_MAX_SIZE]; /* control receive buffer by head */
	u64 ctx;	       /* one control transmit message */
	unsigned int nr_msgs;  /* control messages received */
	struct con_drv_port port[VCON_MAX_PORTS];
};

/*
 * Probe, negotiate @want (MULTIPORT is added), set up every queue with
 * @qsize entries, DRIVER_OK, post control receive buffers and, unless
 * @no_ready, send DEVICE_READY. 0 or -errno.
 */
int con_drv_open(struct con_drv *d, struct drv_env *env, u64 want, u16 qsize,
		 bool no_ready);
/* Send one control message and wait until the device used it. */
int con_drv_send(struct con_drv *d, u32 id, u16 event, u16 value);
/*
 * Handle the control messages the device sent (DEVICE_ADD is answered
 * with PORT_READY 1), waiting up to @timeout_ms for the first. The
 * number handled, or -errno.
 */
int con_drv_poll(struct con_drv *d, int timeout_ms);
/* Poll until @nr ports are added, named and open on the host side. */
int con_drv_ports_up(struct con_drv *d, unsigned int nr, int timeout_ms);

/*
 * A stream in each direction at once, as a guest program would run it:
 * @out_bytes written to port @out_port in @chunk-byte buffers (up to 32
 * in flight) and @in_bytes read from port @in_port into as many posted
 * buffers. With @verify the data written is con_drv_fill()'s sequence
 * from @seed and both directions are CRC-32'd (zlib's); without, the
 * buffers are filled once and nothing is computed (for benchmarks).
 */
struct con_drv_stream {
	unsigned int out_port, in_port;
	u64 out_bytes, in_bytes;
	u32 chunk;
	u64 seed;
	bool verify;
	u32 crc_out, crc_in; /* results */
	u64 got;
};

int con_drv_stream(struct con_drv *d, struct con_drv_stream *s);
/* A xorshift sequence (8-byte words) continuing from *@seed. */
void con_drv_fill(u8 *buf, size_t len, u64 *seed);

static inline struct drv_vq *con_drv_rxq(struct con_drv *d, unsigned int p)
{
	return &d->dev.vq[vcon_rxq(p)];
}

static inline struct drv_vq *con_drv_txq(struct con_drv *d, unsigned int p)
{
	return &d->dev.vq[vcon_txq(p)];
}

#endif
