// SPDX-License-Identifier: MIT
/*
 * The PS/2 controller, as far as an OS needs it: self-test, the command
 * byte, no keyboard, and the reset line that ends the VM (devices/legacy/i8042.h).
 */
#include <string.h>

#include "devices/legacy/i8042.h"
#include "vmm/core/layout.h"

/* bit 0 of the output port: CPU reset, active low */
#define OUTPORT_RESET 0x01
#define CTR_DEFAULT   0x30 /* both ports' clocks disabled, no IRQs */

void i8042_init(struct i8042 *k, const struct exit_sink *exit)
{
	memset(k, 0, sizeof(*k));
	pthread_mutex_init(&k->lock, NULL);
	k->exit = exit;
	k->status = I8042_STS_SYS;
	k->ctr = CTR_DEFAULT;
	k->outport = OUTPORT_RESET;
}

void i8042_destroy(struct i8042 *k)
{
	pthread_mutex_destroy(&k->lock);
}

static void put_output(struct i8042 *k, u8 v)
{
	k->out = v;
	k->status |= I8042_STS_OBF;
}

/* Returns true when the command resets the machine. */
static bool controller_cmd(struct i8042 *k, u8 cmd)
{
	switch (cmd) {
	case I8042_CMD_READ_CTR:
		put_output(k, k->ctr);
		break;
	case I8042_CMD_WRITE_CTR:
	case I8042_CMD_WRITE_OUTPUT:
		k->pending = cmd;
		break;
	case I8042_CMD_SELF_TEST:
		k->status |= I8042_STS_SYS;
		put_output(k, 0x55);
		break;
	case I8042_CMD_KBD_TEST:
	case I8042_CMD_AUX_TEST:
		put_output(k, 0x00); /* interface test passed */
		break;
	case I8042_CMD_READ_OUTPUT:
		put_output(k, k->outport);
		break;
	default:
		/* 0xf0-0xff pulse output lines low for bits clear in cmd. */
		if (cmd >= 0xf0 && !(cmd & OUTPORT_RESET))
			return true;
		break; /* enable/disable etc.: accepted, no effect */
	}
	return false;
}

/* A byte to the data port: the argument of a pending command, else for a
 * keyboard that is not there (dropped, like a disconnected PS/2 port). */
static bool data_write(struct i8042 *k, u8 val)
{
	u8 cmd = k->pending;

	k->pending = 0;
	if (cmd == I8042_CMD_WRITE_CTR) {
		k->ctr = val;
	} else if (cmd == I8042_CMD_WRITE_OUTPUT) {
		k->outport = val;
		return !(val & OUTPORT_RESET);
	}
	return false;
}

static void i8042_write(struct i8042 *k, u16 port, u8 val)
{
	bool reset;

	pthread_mutex_lock(&k->lock);
	if (port == PORT_I8042_CMD) {
		k->status |= I8042_STS_CMD;
		k->pending = 0;
		reset = controller_cmd(k, val);
	} else {
		k->status &= ~I8042_STS_CMD;
		reset = data_write(k, val);
	}
	pthread_mutex_unlock(&k->lock);
	if (reset)
		exit_sink_stop(k->exit, VM_STOP_RESET, 0);
}

static u8 i8042_read(struct i8042 *k, u16 port)
{
	u8 v;

	pthread_mutex_lock(&k->lock);
	if (port == PORT_I8042_CMD) {
		v = k->status;
	} else {
		v = k->out;
		k->status &= ~I8042_STS_OBF;
	}
	pthread_mutex_unlock(&k->lock);
	return v;
}

static void data_io_read(void *opaque, u64 off, void *data, u32 len)
{
	memset(data, 0xff, len);
	if (len == 1 && off == 0)
		*(u8 *)data = i8042_read(opaque, PORT_I8042_DATA);
}

static void data_io_write(void *opaque, u64 off, const void *data, u32 len)
{
	if (len == 1 && off == 0)
		i8042_write(opaque, PORT_I8042_DATA, *(const u8 *)data);
}

static void cmd_io_read(void *opaque, u64 off, void *data, u32 len)
{
	memset(data, 0xff, len);
	if (len == 1 && off == 0)
		*(u8 *)data = i8042_read(opaque, PORT_I8042_CMD);
}

static void cmd_io_write(void *opaque, u64 off, const void *data, u32 len)
{
	if (len == 1 && off == 0)
		i8042_write(opaque, PORT_I8042_CMD, *(const u8 *)data);
}

void i8042_save(struct i8042 *k, struct i8042_state *out)
{
	pthread_mutex_lock(&k->lock);
	*out = (struct i8042_state){ k->status, k->ctr, k->outport, k->out,
				     k->pending };
	pthread_mutex_unlock(&k->lock);
}

void i8042_restore(struct i8042 *k, const struct i8042_state *in)
{
	pthread_mutex_lock(&k->lock);
	k->status = in->status;
	k->ctr = in->ctr;
	k->outport = in->outport;
	k->out = in->out;
	k->pending = in->pending;
	pthread_mutex_unlock(&k->lock);
}

/* The controller's commands by name (i8042.h has their codes). */
static const struct reg_name cmd_names[] = {
	{ I8042_CMD_READ_CTR, 1, "read command byte" },
	{ I8042_CMD_WRITE_CTR, 1, "write command byte" },
	{ I8042_CMD_AUX_DISABLE, 1, "disable aux port" },
	{ I8042_CMD_AUX_ENABLE, 1, "enable aux port" },
	{ I8042_CMD_AUX_TEST, 1, "test aux port" },
	{ I8042_CMD_SELF_TEST, 1, "self-test" },
	{ I8042_CMD_KBD_TEST, 1, "test keyboard port" },
	{ I8042_CMD_KBD_DISABLE, 1, "disable keyboard" },
	{ I8042_CMD_KBD_ENABLE, 1, "enable keyboard" },
	{ I8042_CMD_READ_OUTPUT, 1, "read output port" },
	{ I8042_CMD_WRITE_OUTPUT, 1, "write output port" },
	{ I8042_CMD_PULSE_RESET, 1, "pulse reset line: the machine resets" },
};

static void data_describe(void *opaque, const struct io_access *a,
			  struct trace_note *n)
{
	(void)opaque;
	note_printf(n, "i8042.data %s 0x%02x", a->write ? "<-" : "->",
		    (u8)a->val);
}

static void cmd_describe(void *opaque, const struct io_access *a,
			 struct trace_note *n)
{
	const struct reg_name *r =
		reg_name_find(cmd_names, ARRAY_SIZE(cmd_names), (u8)a->val);

	(void)opaque;
	if (!a->write)
		note_printf(n, "i8042.status -> 0x%02x", (u8)a->val);
	else
		note_printf(n, "i8042.command <- 0x%02x (%s)", (u8)a->val,
			    r ? r->name : "?");
}

static const struct io_desc data_desc = {
	.file = __FILE__,
	.trace_class = TRACE_PIO,
	.name = "i8042",
	.describe = data_describe,
};
static const struct io_desc cmd_desc = {
	.file = __FILE__,
	.trace_class = TRACE_PIO,
	.name = "i8042",
	.describe = cmd_describe,
};
static const struct io_ops data_ops = { data_io_read, data_io_write,
					&data_desc };
static const struct io_ops cmd_ops = { cmd_io_read, cmd_io_write, &cmd_desc };

int i8042_register(struct i8042 *k, struct bus *pio)
{
	int ret = bus_register(pio, PORT_I8042_DATA, 1, &data_ops, k);

	if (ret)
		return ret;
	ret = bus_register(pio, PORT_I8042_CMD, 1, &cmd_ops, k);
	if (ret)
		bus_unregister(pio, PORT_I8042_DATA, k);
	return ret;
}
