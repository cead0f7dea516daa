// SPDX-License-Identifier: MIT
/* The 16550A UART: FIFOs, line status, interrupts, loopback, the ports. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "devices/legacy/serial.h"
#include "vmm/core/layout.h"

/* A fake interrupt controller that records the line level and changes. */
struct fake_irq {
	u32 gsi;
	int level;
	int changes;
};

static int fake_set_line(void *opaque, u32 gsi, int level)
{
	struct fake_irq *f = opaque;

	f->gsi = gsi;
	if (level != f->level)
		f->changes++;
	f->level = level;
	return 0;
}

static const struct irq_ops fake_ops = { .set_line = fake_set_line };

/* Output sink: collects what the guest transmitted. */
struct sink {
	u8 out[256];
	size_t len;
	int rx_space_calls;
};

static void sink_write(void *opaque, const u8 *buf, size_t len)
{
	struct sink *s = opaque;

	memcpy(s->out + s->len, buf, len);
	s->len += len;
}

static void sink_rx_space(void *opaque)
{
	((struct sink *)opaque)->rx_space_calls++;
}

static const struct serial_sink_ops sink_ops = { sink_write, sink_rx_space };

static struct fake_irq fi;
static struct irq_ctl irq = { &fake_ops, &fi };
static struct sink sk;
static struct serial s;

static void setup(void)
{
	memset(&fi, 0, sizeof(fi));
	memset(&sk, 0, sizeof(sk));
	serial_init(&s, &irq, IRQ_COM1, &sink_ops, &sk);
}

static void teardown(void)
{
	serial_destroy(&s);
}

TestSuite(serial, .init = setup, .fini = teardown);

Test(serial, transmit_reaches_sink_and_lsr_stays_empty)
{
	cr_assert_eq(serial_reg_read(&s, UART_LSR) & 0x61, 0x60);
	serial_reg_write(&s, UART_THR, 'h');
	serial_reg_write(&s, UART_THR, 'i');
	cr_assert_eq(sk.len, 2);
	cr_assert_arr_eq(sk.out, "hi", 2);
	cr_assert_eq(serial_reg_read(&s, UART_LSR),
		     UART_LSR_THRE | UART_LSR_TEMT);
}

Test(serial, receive_sets_dr_and_reads_in_order)
{
	cr_assert_eq(serial_receive(&s, (const u8 *)"abc", 3), 3);
	cr_assert(serial_reg_read(&s, UART_LSR) & UART_LSR_DR);
	cr_assert_eq(serial_reg_read(&s, UART_RBR), 'a');
	cr_assert_eq(serial_reg_read(&s, UART_RBR), 'b');
	cr_assert_eq(serial_reg_read(&s, UART_RBR), 'c');
	cr_assert_not(serial_reg_read(&s, UART_LSR) & UART_LSR_DR);
	cr_assert_eq(fi.changes, 0,
		     "no interrupts enabled, line must stay low");
}

Test(serial, fifo_is_bounded_and_reports_room)
{
	u8 buf[SERIAL_RX_SIZE + 10];

	memset(buf, 'x', sizeof(buf));
	cr_assert_eq(serial_receive(&s, buf, sizeof(buf)), SERIAL_RX_SIZE);
	cr_assert_eq(serial_rx_space(&s), 0);
	cr_assert_eq(serial_receive(&s, buf, 1), 0);
	cr_assert_eq(sk.rx_space_calls, 0);
	serial_reg_read(&s, UART_RBR);
	cr_assert_eq(sk.rx_space_calls, 1,
		     "a read from a full FIFO wakes input");
	cr_assert_eq(serial_rx_space(&s), 1);
	serial_reg_read(&s, UART_RBR);
	cr_assert_eq(sk.rx_space_calls, 1);
}

Test(serial, dlab_switches_to_divisor_latch)
{
	serial_reg_write(&s, UART_IER, 0x05);
	serial_reg_write(&s, UART_LCR, UART_LCR_DLAB | 0x03);
	serial_reg_write(&s, UART_DLL, 0x01);
	serial_reg_write(&s, UART_DLM, 0x00);
	cr_assert_eq(sk.len, 0, "a DLL write must not transmit");
	cr_assert_eq(serial_reg_read(&s, UART_DLL), 0x01);
	cr_assert_eq(serial_reg_read(&s, UART_DLM), 0x00);
	serial_reg_write(&s, UART_LCR, 0x03);
	cr_assert_eq(serial_reg_read(&s, UART_IER), 0x05);
	cr_assert_eq(serial_reg_read(&s, UART_LCR), 0x03);
	serial_reg_write(&s, UART_THR, 'z');
	cr_assert_eq(sk.len, 1);
}

Test(serial, scratch_register)
{
	serial_reg_write(&s, UART_SCR, 0xa5);
	cr_assert_eq(serial_reg_read(&s, UART_SCR), 0xa5);
}

Test(serial, fifo_bits_in_iir)
{
	cr_assert_eq(serial_reg_read(&s, UART_IIR), UART_IIR_NO_INT);
	serial_reg_write(&s, UART_FCR, UART_FCR_ENABLE);
	cr_assert_eq(serial_reg_read(&s, UART_IIR),
		     UART_IIR_FIFO | UART_IIR_NO_INT);
	serial_receive(&s, (const u8 *)"q", 1);
	serial_reg_write(&s, UART_FCR, UART_FCR_ENABLE | UART_FCR_CLR_RX);
	cr_assert_not(serial_reg_read(&s, UART_LSR) & UART_LSR_DR,
		      "FCR clear-RX empties the FIFO");
	serial_receive(&s, (const u8 *)"q", 1);
	serial_reg_write(&s, UART_FCR, 0);
	cr_assert_eq(serial_reg_read(&s, UART_IIR), UART_IIR_NO_INT);
	cr_assert_not(serial_reg_read(&s, UART_LSR) & UART_LSR_DR,
		      "turning the FIFO off clears it");
}

Test(serial, rx_interrupt_line_follows_data)
{
	serial_reg_write(&s, UART_IER, UART_IER_RDI);
	cr_assert_eq(fi.level, 0);
	serial_receive(&s, (const u8 *)"ab", 2);
	cr_assert_eq(fi.gsi, IRQ_COM1);
	cr_assert_eq(fi.level, 1);
	cr_assert_eq(serial_reg_read(&s, UART_IIR) & 0x0f, UART_IIR_RDI);
	serial_reg_read(&s, UART_RBR);
	cr_assert_eq(fi.level, 1, "one byte still waiting");
	serial_reg_read(&s, UART_RBR);
	cr_assert_eq(fi.level, 0);
	cr_assert_eq(serial_reg_read(&s, UART_IIR), UART_IIR_NO_INT);
}

Test(serial, fifo_below_trigger_reports_timeout)
{
	serial_reg_write(&s, UART_FCR, UART_FCR_ENABLE | 0xc0); /* 14 bytes */
	serial_reg_write(&s, UART_IER, UART_IER_RDI);
	serial_receive(&s, (const u8 *)"abc", 3);
	cr_assert_eq(serial_reg_read(&s, UART_IIR),
		     UART_IIR_FIFO | UART_IIR_TIMEOUT);
	serial_receive(&s, (const u8 *)"defghijklmn", 11);
	cr_assert_eq(serial_reg_read(&s, UART_IIR),
		     UART_IIR_FIFO | UART_IIR_RDI);
}

Test(serial, thre_interrupt_latch)
{
	serial_reg_write(&s, UART_IER, UART_IER_THRI);
	cr_assert_eq(fi.level, 1, "enabling ETBEI with THR empty interrupts");
	cr_assert_eq(serial_reg_read(&s, UART_IIR), UART_IIR_THRI);
	cr_assert_eq(fi.level, 0, "reading IIR acknowledges THRE");
	cr_assert_eq(serial_reg_read(&s, UART_IIR), UART_IIR_NO_INT);
	serial_reg_write(&s, UART_THR, 'x');
	cr_assert_eq(fi.level, 1, "THR empty again after the byte went out");
	serial_reg_write(&s, UART_IER, 0);
	cr_assert_eq(fi.level, 0);
}

Test(serial, rx_has_priority_over_thre)
{
	serial_reg_write(&s, UART_IER, UART_IER_THRI | UART_IER_RDI);
	serial_receive(&s, (const u8 *)"a", 1);
	cr_assert_eq(serial_reg_read(&s, UART_IIR), UART_IIR_RDI);
	cr_assert_eq(fi.level, 1);
	serial_reg_read(&s, UART_RBR);
	/* The THRE interrupt was not acknowledged by the RDI read of IIR. */
	cr_assert_eq(serial_reg_read(&s, UART_IIR), UART_IIR_THRI);
	cr_assert_eq(fi.level, 0);
}

Test(serial, loopback)
{
	serial_reg_write(&s, UART_MCR,
			 UART_MCR_LOOP | UART_MCR_RTS | UART_MCR_OUT2);
	/* RTS -> CTS, OUT2 -> DCD: what Linux's 8250 probe checks (0x90). */
	cr_assert_eq(serial_reg_read(&s, UART_MSR) & 0xf0, 0x90);
	serial_reg_write(&s, UART_THR, 'L');
	cr_assert_eq(sk.len, 0, "loopback keeps bytes off the line");
	cr_assert_eq(serial_reg_read(&s, UART_RBR), 'L');
	cr_assert_eq(serial_receive(&s, (const u8 *)"x", 1), 0);
	serial_reg_write(&s, UART_MCR, 0);
	cr_assert_eq(serial_reg_read(&s, UART_MSR) & 0xf0,
		     UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS);
}

Test(serial, modem_status_interrupt)
{
	serial_reg_write(&s, UART_IER, UART_IER_MSI);
	cr_assert_eq(fi.level, 0);
	serial_reg_write(&s, UART_MCR, UART_MCR_LOOP); /* CTS/DSR/DCD drop */
	cr_assert_eq(fi.level, 1);
	cr_assert_eq(serial_reg_read(&s, UART_IIR), UART_IIR_MSI);
	cr_assert_neq(serial_reg_read(&s, UART_MSR) & 0x0f, 0);
	cr_assert_eq(fi.level, 0, "reading MSR clears the deltas");
}

Test(serial, through_the_bus)
{
	struct bus pio;
	u8 v = 'B', w = 0;

	bus_init(&pio, "pio");
	cr_assert_eq(serial_register(&s, &pio, PORT_COM1), 0);
	cr_assert(bus_write(&pio, PORT_COM1, &v, 1));
	cr_assert_eq(sk.len, 1);
	cr_assert_eq(sk.out[0], 'B');
	cr_assert(bus_read(&pio, PORT_COM1 + UART_LSR, &w, 1));
	cr_assert_eq(w, UART_LSR_THRE | UART_LSR_TEMT);
	bus_destroy(&pio);
}

Test(serial, save_and_restore_carry_registers_and_the_fifo)
{
	struct serial_state st;
	struct serial other;
	struct fake_irq fi2 = { 0 };
	struct irq_ctl irq2 = { &fake_ops, &fi2 };

	serial_reg_write(&s, UART_IER, UART_IER_RDI);
	serial_reg_write(&s, UART_SCR, 0x5a);
	serial_receive(&s, (const u8 *)"abc", 3);
	cr_assert_eq(serial_reg_read(&s, UART_RBR), 'a');
	serial_save(&s, &st);
	serial_init(&other, &irq2, IRQ_COM1, &sink_ops, &sk);
	cr_assert_eq(serial_restore(&other, &st), 0);
	cr_assert_eq(fi2.changes, 0,
		     "the IOAPIC's restored line is not driven again");
	cr_assert_eq(serial_reg_read(&other, UART_SCR), 0x5a);
	cr_assert_eq(serial_reg_read(&other, UART_IER), UART_IER_RDI);
	cr_assert_eq(serial_reg_read(&other, UART_RBR), 'b');
	cr_assert_eq(serial_reg_read(&other, UART_RBR), 'c');
	cr_assert_eq(fi2.level, 0, "empty FIFO: the line drops as usual");
	serial_destroy(&other);
}

Test(serial, restore_refuses_fifo_indexes_out_of_range)
{
	struct serial_state st;

	serial_save(&s, &st);
	st.rx_count = SERIAL_RX_SIZE + 1;
	cr_assert_eq(serial_restore(&s, &st), -EINVAL);
	st.rx_count = 0;
	st.rx_head = SERIAL_RX_SIZE;
	cr_assert_eq(serial_restore(&s, &st), -EINVAL);
}
