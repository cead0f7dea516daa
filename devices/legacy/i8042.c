// SPDX-License-Identifier: MIT
/*
 * The PS/2 controller, as far as an OS needs it: self-test, the command
 * byte, no keyboard, and the reset line that ends the VM (devices/legacy/i8042.h).
 */
#include <string.h>

#include "devices/legacy/i8042.h"
#include "vmm/core/layout.h"

/* bit 0 of the output port: CPU reset, active low */
#define OUTPORT_RESET	0x01
#define CTR_DEFAULT	0x30	/* both ports' clocks disabled, no IRQs */

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
		put_output(k, 0x00);	/* interface test passed */
		break;
	case I8042_CMD_READ_OUTPUT:
		put_output(k, k->outport);
		break;
	default:
		/* 0xf0-0xff pulse output lines low for bits clear in cmd. */
		if (cmd >= 0xf0 && !(cmd & OUTPORT_RESET))
			return true;
		break;		/* enable/disable etc.: accepted, no effect */
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

static const struct io_ops data_ops = { data_io_read, data_io_write };
static const struct io_ops cmd_ops = { cmd_io_read, cmd_io_write };

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
