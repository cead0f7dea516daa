/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_SERIAL_H
#define SQUEEZE_SERIAL_H

#include <pthread.h>

#include "vmm/core/bus.h"
#include "vmm/core/irq.h"
#include "vmm/base/types.h"

/*
 * A 16550A UART. Output is synchronous (the byte is handed to the sink
 * before the THR write returns), so THR is always empty; input comes from
 * serial_receive() into a receive FIFO. The IRQ line follows IIR: high
 * while any enabled interrupt is pending.
 */

#define SERIAL_RX_SIZE 64 /* deeper than the 16550A's 16 */

/* Register offsets from the base port. */
#define UART_RBR 0 /* read, DLAB=0 */
#define UART_THR 0 /* write, DLAB=0 */
#define UART_DLL 0 /* DLAB=1 */
#define UART_IER 1 /* DLAB=0 */
#define UART_DLM 1 /* DLAB=1 */
#define UART_IIR 2 /* read */
#define UART_FCR 2 /* write */
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_MSR 6
#define UART_SCR 7

#define UART_IER_RDI  0x01
#define UART_IER_THRI 0x02
#define UART_IER_RLSI 0x04
#define UART_IER_MSI  0x08

#define UART_IIR_NO_INT	 0x01
#define UART_IIR_MSI	 0x00
#define UART_IIR_THRI	 0x02
#define UART_IIR_RDI	 0x04
#define UART_IIR_RLSI	 0x06
#define UART_IIR_TIMEOUT 0x0c
#define UART_IIR_FIFO	 0xc0 /* FIFOs enabled */

#define UART_FCR_ENABLE 0x01
#define UART_FCR_CLR_RX 0x02
#define UART_FCR_CLR_TX 0x04

#define UART_LCR_DLAB 0x80

#define UART_MCR_DTR  0x01
#define UART_MCR_RTS  0x02
#define UART_MCR_OUT1 0x04
#define UART_MCR_OUT2 0x08
#define UART_MCR_LOOP 0x10

#define UART_LSR_DR   0x01
#define UART_LSR_THRE 0x20
#define UART_LSR_TEMT 0x40

#define UART_MSR_CTS 0x10
#define UART_MSR_DSR 0x20
#define UART_MSR_RI  0x40
#define UART_MSR_DCD 0x80

/* Where output goes, and who wants to hear that the FIFO has room again. */
struct serial_sink_ops {
	void (*write)(void *opaque, const u8 *buf, size_t len);
	/* The guest read from a full receive FIFO; may be NULL. */
	void (*rx_space)(void *opaque);
};

struct serial {
	pthread_mutex_t lock; /* vCPU register access vs. input */
	const struct irq_ctl *irq;
	u32 gsi;
	const struct serial_sink_ops *sink;
	void *sink_opaque;

	u8 ier, lcr, mcr, msr, scr, fcr, dll, dlm;
	bool thr_ipending; /* THRE interrupt latched, see IIR */
	int irq_level;	   /* last level driven on @gsi */
	u8 rx[SERIAL_RX_SIZE];
	unsigned int rx_head, rx_count;
	u64 tx_bytes, rx_bytes; /* counters, read atomically */
};

/* The registers and the receive FIFO, for a snapshot. */
struct serial_state {
	u8 ier, lcr, mcr, msr, scr, fcr, dll, dlm;
	u8 thr_ipending, irq_level;
	u16 rx_head, rx_count;
	u8 rx[SERIAL_RX_SIZE];
};

void serial_init(struct serial *s, const struct irq_ctl *irq, u32 gsi,
		 const struct serial_sink_ops *sink, void *sink_opaque);
void serial_destroy(struct serial *s);

/* Claim the 8 ports at @base on @pio. */
int serial_register(struct serial *s, struct bus *pio, u16 base);

/* One register access, @off in 0..7 (what the bus handlers call). */
u8 serial_reg_read(struct serial *s, unsigned int off);
void serial_reg_write(struct serial *s, unsigned int off, u8 val);

/* Queue input; returns how many bytes of @buf fitted in the FIFO. */
size_t serial_receive(struct serial *s, const u8 *buf, size_t len);
size_t serial_rx_space(struct serial *s);

void serial_save(struct serial *s, struct serial_state *out);
/*
 * Take over @in (the IRQ line's level is the IOAPIC's to restore, and is
 * not driven again). -EINVAL if the FIFO indexes are out of range.
 */
int serial_restore(struct serial *s, const struct serial_state *in);

#endif
