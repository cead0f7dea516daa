// SPDX-License-Identifier: MIT
/*
 * Unit tests of --trace's pieces: class names, notes, the devices' own
 * register names (serial, PCI configuration space, virtio features), the
 * latency histogram, and the JSON file's shape (python's json module
 * checks the whole file in tests/integration/suite_trace.sh).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "devices/legacy/serial.h"
#include "devices/pci/pci.h"
#include "virtio/core/virtio.h"
#include "vmm/base/hist.h"
#include "vmm/core/layout.h"
#include "vmm/core/trace.h"

Test(trace, classes_parse)
{
	const char *bad = NULL;
	u32 m;

	cr_assert_eq(trace_parse_classes("pio,mmio", &m, &bad), 0);
	cr_assert_eq(m, TRACE_PIO | TRACE_MMIO);
	cr_assert_eq(trace_parse_classes("all", &m, &bad), 0);
	cr_assert_eq(m, TRACE_ALL);
	cr_assert_eq(trace_parse_classes("pci,nosuch,irq", &m, &bad), -EINVAL);
	cr_assert_str_eq(bad, "nosuch,irq");
	cr_assert_eq(trace_parse_classes("", &m, &bad), -EINVAL);
	cr_assert_str_eq(trace_class_name(TRACE_VIRTIO), "virtio");
}

Test(trace, notes)
{
	static const flag_name names[] = { "A", "", "C" };
	struct trace_note n = { 0 };

	note_printf(&n, "x");
	note_flags(&n, 0x7, names, 3);
	note_char(&n, 'H');
	note_char(&n, '\n');
	note_char(&n, 0x1b);
	cr_assert_str_eq(n.text, "x (A C) 'H' '\\n' '\\x1b'");
	n = (struct trace_note){ 0 };
	note_flags(&n, 0x2, names, 3); /* a bit without a name */
	cr_assert_str_eq(n.text, "");
}

Test(trace, note_is_bounded)
{
	struct trace_note n = { 0 };
	int i;

	for (i = 0; i < 100; i++)
		note_printf(&n, "0123456789");
	cr_assert_eq(n.len, sizeof(n.text) - 1);
	cr_assert_eq(strlen(n.text), n.len);
}

/* What the serial port's own names say about one access. */
static void serial_says(struct bus *pio, u16 port, bool write, u8 val,
			const char *want)
{
	struct trace_note n = { 0 };
	struct bus_range r;
	struct io_access a = {
		.addr = port, .len = 1, .write = write, .val = val
	};

	cr_assert(bus_lookup(pio, port, 1, &r));
	cr_assert_not_null(r.ops->desc);
	a.off = port - r.base;
	r.ops->desc->describe(r.opaque, &a, &n);
	cr_assert_str_eq(n.text, want);
	cr_assert_str_eq(r.ops->desc->file, "devices/legacy/serial.c");
}

Test(trace, serial_registers_by_name)
{
	struct serial s;
	struct bus pio;
	u8 lcr = UART_LCR_DLAB;

	bus_init(&pio, "pio");
	serial_init(&s, NULL, 4, NULL, NULL);
	cr_assert_eq(serial_register(&s, &pio, PORT_COM1), 0);
	serial_says(&pio, PORT_COM1, true, 'H', "serial0.THR <- 0x48 'H'");
	serial_says(&pio, PORT_COM1 + UART_LSR, false, 0x60,
		    "serial0.LSR -> 0x60 (THRE TEMT)");
	bus_write(&pio, PORT_COM1 + UART_LCR, &lcr, 1);
	serial_says(&pio, PORT_COM1, true, 1, "serial0.DLL <- 0x01");
	bus_destroy(&pio);
	serial_destroy(&s);
}

Test(trace, pci_bar_sizing_in_words)
{
	static const struct io_ops none = { 0 };
	struct pci_id id = { .vendor = 0x1af4, .device = 0x1042 };
	struct trace_note n = { 0 };
	struct pci_dev pd;

	pci_dev_init(&pd, &id, NULL, NULL);
	cr_assert_eq(pci_dev_add_bar(&pd, 0, 0x8000, true, &none, NULL), 0);
	pci_cfg_describe(&pd, PCI_BAR0, 4, true, 0xffffffff, &n);
	cr_assert_str_eq(n.text, "BAR0 <- 0xffffffff (size probe)");
	n = (struct trace_note){ 0 };
	pci_cfg_describe(&pd, PCI_BAR0, 4, false, 0xffff8004, &n);
	cr_assert_str_eq(
		n.text,
		"BAR0 -> 0xffff8004 (size probe answer: 32 KiB, 64-bit)");
	n = (struct trace_note){ 0 };
	pci_cfg_describe(&pd, PCI_VENDOR_ID, 4, false, 0x10421af4, &n);
	cr_assert_str_eq(n.text,
			 "vendor_id/device_id -> 0x10421af4 (1af4:1042)");
	n = (struct trace_note){ 0 };
	pci_cfg_describe(&pd, PCI_COMMAND, 2, true, 0x6, &n);
	cr_assert_str_eq(n.text, "command <- 0x6 (MEMORY MASTER)");
}

static const flag_name dev_features[24] = { [9] = "FLUSH" };
static const struct virtio_dev_ops dummy_ops = {
	.device_id = 42,
	.nr_queues = 1,
	.feature_names = dev_features,
};

Test(trace, virtio_feature_names)
{
	struct virtio_dev vd;
	struct trace_note n = { 0 };

	virtio_dev_init(&vd, &dummy_ops, NULL);
	virtio_note_features(&vd, 0, 1u << 9 | 1u << 29 | 1u << 7, &n);
	cr_assert_str_eq(n.text, " (bit7 FLUSH RING_EVENT_IDX)");
	n = (struct trace_note){ 0 };
	virtio_note_features(&vd, 1, 1, &n);
	cr_assert_str_eq(n.text, " (VERSION_1)");
	n = (struct trace_note){ 0 };
	virtio_note_status(0xb, &n);
	cr_assert_str_eq(n.text, " (ACKNOWLEDGE DRIVER FEATURES_OK)");
	pthread_mutex_destroy(&vd.lock);
}

Test(trace, histogram_percentiles)
{
	struct hist h = { 0 };
	u64 v, p50, p99;

	cr_assert_eq(hist_percentile(&h, 50), 0);
	for (v = 1; v <= 100000; v++)
		hist_add(&h, v * 10); /* 10 ns .. 1 ms */
	cr_assert_eq(hist_total(&h), 100000);
	p50 = hist_percentile(&h, 50);
	p99 = hist_percentile(&h, 99);
	cr_assert(p50 > 500000 * 0.94 && p50 < 500000 * 1.06, "p50 %lu", p50);
	cr_assert(p99 > 990000 * 0.94 && p99 < 990000 * 1.06, "p99 %lu", p99);
	hist_add(&h, 1ULL << 50); /* past the last bucket */
	cr_assert_eq(hist_total(&h), 100001);
}

static void *other_thread(void *arg)
{
	pthread_setname_np(pthread_self(), "blk7");
	trace_event(arg, TRACE_IO, "submit", "x.c", "from \"blk7\"");
	return NULL;
}

/* The file: valid shape, a named track per thread, escaped strings. */
Test(trace, json_file_tracks)
{
	struct trace t;
	pthread_t th;
	char buf[8192] = { 0 };
	int fd = memfd_create("trace", 0);
	ssize_t n;

	cr_assert_geq(fd, 0);
	cr_assert_eq(trace_init(&t, 0, TRACE_ALL, 0), 0);
	pthread_setname_np(pthread_self(), "vcpu3");
	trace_event(&t, TRACE_PIO, "IO", "y.c", "tab\there");
	trace_attach_file(&t, fd); /* what came before is kept */
	trace_span(&t, "exit", "IO serial0.THR", 1000, 3500, NULL);
	pthread_create(&th, NULL, other_thread, &t);
	pthread_join(th, NULL);
	fd = dup(fd);
	trace_close(&t);
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	close(fd);
	cr_assert_gt(n, 0);
	cr_assert(!strncmp(buf, "{\"traceEvents\":[", 16));
	cr_assert(strstr(buf, "\"args\":{\"name\":\"vcpu3\"}"));
	cr_assert(strstr(buf, "\"args\":{\"name\":\"blk7\"}"));
	cr_assert(strstr(buf, "tab\\u0009here"));
	cr_assert(strstr(buf, "from \\\"blk7\\\""));
	cr_assert(strstr(buf, "\"ts\":1.000,\"dur\":2.500"));
	cr_assert(strstr(buf, "],\"displayTimeUnit\":\"ms\"}\n"));
}
