// SPDX-License-Identifier: MIT
/* 16550A UART: register model, receive FIFO and interrupt line. */
#include <errno.h>
#include <string.h>

#include "devices/legacy/serial.h"

/* MSR bits 4-7 when not in loopback: carrier, data set ready, clear to send. */
#define MSR_IDLE (UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS)

void serial_init(struct serial *s, const struct irq_ctl *irq, u32 gsi,
		 const struct serial_sink_ops *sink, void *sink_opaque)
{
	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->lock, NULL);
	s->irq = irq;
	s->gsi = gsi;
	s->sink = sink;
	s->sink_opaque = sink_opaque;
	s->msr = MSR_IDLE;
}

void serial_destroy(struct serial *s)
{
	pthread_mutex_destroy(&s->lock);
}

static unsigned int rx_trigger(const struct serial *s)
{
	static const unsigned int level[4] = { 1, 4, 8, 14 };

	return level[s->fcr >> 6];
}

/* Interrupt identification, highest priority first (16550A data sheet). */
static u8 pending_iir(const struct serial *s)
{
	if ((s->ier & UART_IER_RDI) && s->rx_count) {
		/* FIFO below its trigger level: report a character timeout. */
		if ((s->fcr & UART_FCR_ENABLE) && s->rx_count < rx_trigger(s))
			return UART_IIR_TIMEOUT;
		return UART_IIR_RDI;
	}
	if ((s->ier & UART_IER_THRI) && s->thr_ipending)
		return UART_IIR_THRI;
	if ((s->ier & UART_IER_MSI) && (s->msr & 0x0f))
		return UART_IIR_MSI;
	return UART_IIR_NO_INT;
}

static void update_irq(struct serial *s)
{
	int level = pending_iir(s) != UART_IIR_NO_INT;

	if (level != s->irq_level && s->irq) {
		irq_set_line(s->irq, s->gsi, level);
		s->irq_level = level;
	}
}

static void rx_clear(struct serial *s)
{
	s->rx_head = 0;
	s->rx_count = 0;
}

static void rx_push(struct serial *s, u8 c)
{
	if (s->rx_count == SERIAL_RX_SIZE)
		return; /* overrun: the byte is lost, as on hardware */
	s->rx[(s->rx_head + s->rx_count) % SERIAL_RX_SIZE] = c;
	s->rx_count++;
}

static u8 rx_pop(struct serial *s, bool *was_full)
{
	u8 c;

	*was_full = s->rx_count == SERIAL_RX_SIZE;
	if (!s->rx_count)
		return 0;
	c = s->rx[s->rx_head];
	s->rx_head = (s->rx_head + 1) % SERIAL_RX_SIZE;
	s->rx_count--;
	return c;
}

/* MSR in loopback: RTS->CTS, DTR->DSR, OUT1->RI, OUT2->DCD, with deltas. */
static void update_msr(struct serial *s)
{
	u8 m = s->mcr, old = s->msr, now = MSR_IDLE, delta;

	if (m & UART_MCR_LOOP) {
		now = (m & UART_MCR_RTS ? UART_MSR_CTS : 0) |
		      (m & UART_MCR_DTR ? UART_MSR_DSR : 0) |
		      (m & UART_MCR_OUT1 ? UART_MSR_RI : 0) |
		      (m & UART_MCR_OUT2 ? UART_MSR_DCD : 0);
	}
	delta = (old ^ now) & 0xb0; /* DCTS, DDSR, DDCD */
	s->msr = now | (old & 0x0f) | (delta >> 4);
	if ((old & UART_MSR_RI) && !(now & UART_MSR_RI))
		s->msr |= 0x04; /* TERI: trailing edge of RI */
}

static void transmit(struct serial *s, u8 c)
{
	if (s->mcr & UART_MCR_LOOP)
		rx_push(s, c);
	else if (s->sink && s->sink->write)
		s->sink->write(s->sink_opaque, &c, 1);
	__atomic_store_n(&s->tx_bytes, s->tx_bytes + 1, __ATOMIC_RELAXED);
	/* Sent at once: THR is empty again. */
	s->thr_ipending = true;
}

static void write_fcr(struct serial *s, u8 val)
{
	/* Turning the FIFOs on or off clears them. */
	if ((val ^ s->fcr) & UART_FCR_ENABLE)
		val |= UART_FCR_CLR_RX | UART_FCR_CLR_TX;
	if (val & UART_FCR_CLR_RX)
		rx_clear(s);
	s->fcr = val & (UART_FCR_ENABLE | 0xc0);
}

static void write_ier(struct serial *s, u8 val)
{
	/* Enabling ETBEI with THR empty raises a THRE interrupt. */
	if ((val & UART_IER_THRI) && !(s->ier & UART_IER_THRI))
		s->thr_ipending = true;
	s->ier = val & 0x0f;
}

void serial_reg_write(struct serial *s, unsigned int off, u8 val)
{
	bool dlab;

	pthread_mutex_lock(&s->lock);
	dlab = s->lcr & UART_LCR_DLAB;
	switch (off) {
	case UART_THR:
		if (dlab)
			s->dll = val;
		else
			transmit(s, val);
		break;
	case UART_IER:
		if (dlab)
			s->dlm = val;
		else
			write_ier(s, val);
		break;
	case UART_FCR:
		write_fcr(s, val);
		break;
	case UART_LCR:
		s->lcr = val;
		break;
	case UART_MCR:
		s->mcr = val & 0x1f;
		update_msr(s);
		break;
	case UART_SCR:
		s->scr = val;
		break;
	default: /* LSR and MSR are read-only */
		break;
	}
	update_irq(s);
	pthread_mutex_unlock(&s->lock);
}

static u8 read_rbr(struct serial *s, bool *notify)
{
	bool was_full;
	u8 c = rx_pop(s, &was_full);

	*notify = was_full;
	return c;
}

static u8 read_iir(struct serial *s)
{
	u8 iir = pending_iir(s);

	/* Reading IIR while it reports THRE acknowledges that interrupt. */
	if (iir == UART_IIR_THRI)
		s->thr_ipending = false;
	return iir | (s->fcr & UART_FCR_ENABLE ? UART_IIR_FIFO : 0);
}

static u8 read_msr(struct serial *s)
{
	u8 v = s->msr;

	s->msr &= 0xf0; /* reading clears the delta bits */
	return v;
}

u8 serial_reg_read(struct serial *s, unsigned int off)
{
	bool dlab, notify = false;
	u8 v = 0xff;

	pthread_mutex_lock(&s->lock);
	dlab = s->lcr & UART_LCR_DLAB;
	switch (off) {
	case UART_RBR:
		v = dlab ? s->dll : read_rbr(s, &notify);
		break;
	case UART_IER:
		v = dlab ? s->dlm : s->ier;
		break;
	case UART_IIR:
		v = read_iir(s);
		break;
	case UART_LCR:
		v = s->lcr;
		break;
	case UART_MCR:
		v = s->mcr;
		break;
	case UART_LSR:
		v = UART_LSR_THRE | UART_LSR_TEMT |
		    (s->rx_count ? UART_LSR_DR : 0);
		break;
	case UART_MSR:
		v = read_msr(s);
		break;
	case UART_SCR:
		v = s->scr;
		break;
	}
	update_irq(s);
	pthread_mutex_unlock(&s->lock);
	if (notify && s->sink && s->sink->rx_space)
		s->sink->rx_space(s->sink_opaque);
	return v;
}

size_t serial_receive(struct serial *s, const u8 *buf, size_t len)
{
	size_t n;

	pthread_mutex_lock(&s->lock);
	/* In loopback the line is disconnected from the outside world. */
	if (s->mcr & UART_MCR_LOOP)
		n = 0;
	else
		n = MIN(len, (size_t)(SERIAL_RX_SIZE - s->rx_count));
	for (size_t i = 0; i < n; i++)
		rx_push(s, buf[i]);
	__atomic_store_n(&s->rx_bytes, s->rx_bytes + n, __ATOMIC_RELAXED);
	update_irq(s);
	pthread_mutex_unlock(&s->lock);
	return n;
}

size_t serial_rx_space(struct serial *s)
{
	size_t n;

	pthread_mutex_lock(&s->lock);
	n = SERIAL_RX_SIZE - s->rx_count;
	pthread_mutex_unlock(&s->lock);
	return n;
}

void serial_save(struct serial *s, struct serial_state *out)
{
	pthread_mutex_lock(&s->lock);
	*out = (struct serial_state){
		.ier = s->ier,
		.lcr = s->lcr,
		.mcr = s->mcr,
		.msr = s->msr,
		.scr = s->scr,
		.fcr = s->fcr,
		.dll = s->dll,
		.dlm = s->dlm,
		.thr_ipending = s->thr_ipending,
		.irq_level = s->irq_level,
		.rx_head = s->rx_head,
		.rx_count = s->rx_count,
	};
	memcpy(out->rx, s->rx, sizeof(out->rx));
	pthread_mutex_unlock(&s->lock);
}

int serial_restore(struct serial *s, const struct serial_state *in)
{
	if (in->rx_head >= SERIAL_RX_SIZE || in->rx_count > SERIAL_RX_SIZE)
		return -EINVAL;
	pthread_mutex_lock(&s->lock);
	s->ier = in->ier & 0x0f;
	s->lcr = in->lcr;
	s->mcr = in->mcr & 0x1f;
	s->msr = in->msr;
	s->scr = in->scr;
	s->fcr = in->fcr & (UART_FCR_ENABLE | 0xc0);
	s->dll = in->dll;
	s->dlm = in->dlm;
	s->thr_ipending = in->thr_ipending;
	s->irq_level = !!in->irq_level;
	s->rx_head = in->rx_head;
	s->rx_count = in->rx_count;
	memcpy(s->rx, in->rx, sizeof(s->rx));
	pthread_mutex_unlock(&s->lock);
	return 0;
}

static void serial_io_read(void *opaque, u64 off, void *data, u32 len)
{
	u8 *p = data;

	memset(data, 0xff, len);
	if (len == 1)
		*p = serial_reg_read(opaque, off);
}

static void serial_io_write(void *opaque, u64 off, const void *data, u32 len)
{
	if (len == 1)
		serial_reg_write(opaque, off, *(const u8 *)data);
}

/*
 * The register names, beside the map in serial.h: by offset, for reads and
 * writes, with the divisor latch (LCR.DLAB) on or off.
 */
static const char reg_read[8][4] = {
	"RBR", "IER", "IIR", "LCR", "MCR", "LSR", "MSR", "SCR",
};
static const char reg_write[8][4] = {
	"THR", "IER", "FCR", "LCR", "MCR", "LSR", "MSR", "SCR",
};
static const char reg_dlab[2][4] = { "DLL", "DLM" };
static const flag_name lsr_bits[8] = {
	"DR", "OE", "PE", "FE", "BI", "THRE", "TEMT", "FIFOERR",
};
static const flag_name ier_bits[4] = { "RDI", "THRI", "RLSI", "MSI" };

static void serial_describe(void *opaque, const struct io_access *a,
			    struct trace_note *n)
{
	struct serial *s = opaque;
	unsigned int off = a->off & 7;
	bool dlab = __atomic_load_n(&s->lcr, __ATOMIC_RELAXED) & UART_LCR_DLAB;
	const char *reg = dlab && off < 2 ? reg_dlab[off] :
			  a->write	  ? reg_write[off] :
					    reg_read[off];
	u8 v = a->val;

	note_printf(n, "serial0.%s %s 0x%02x", reg, a->write ? "<-" : "->", v);
	if (off == UART_THR && !dlab) /* THR or RBR */
		note_char(n, v);
	else if (off == UART_LSR && !a->write)
		note_flags(n, v, lsr_bits, 8);
	else if (off == UART_IER && !dlab)
		note_flags(n, v, ier_bits, 4);
	else if (off == UART_LCR && (v & UART_LCR_DLAB))
		note_printf(n, " (DLAB: divisor latch)");
}

static const struct io_desc serial_desc = {
	.file = __FILE__,
	.trace_class = TRACE_PIO,
	.name = "serial0",
	.describe = serial_describe,
};

static const struct io_ops serial_io_ops = {
	.read = serial_io_read,
	.write = serial_io_write,
	.desc = &serial_desc,
};

int serial_register(struct serial *s, struct bus *pio, u16 base)
{
	return bus_register(pio, base, 8, &serial_io_ops, s);
}
