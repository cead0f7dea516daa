/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_I8042_H
#define SQUEEZE_I8042_H

#include <pthread.h>

#include "vmm/core/exit.h"
#include "vmm/core/bus.h"
#include "vmm/base/types.h"

/*
 * The PS/2 controller, only as far as an OS needs it to reboot and to find
 * that no keyboard is attached: the status register, the controller's own
 * commands (self-test answers 0x55, the command byte reads back), and
 * "pulse output line" commands with the reset line (0xfe) ending the VM.
 */

#define I8042_STS_OBF 0x01 /* output buffer full */
#define I8042_STS_SYS 0x04 /* system flag: self-test passed */
#define I8042_STS_CMD 0x08 /* last write was to the command port */

#define I8042_CMD_READ_CTR     0x20
#define I8042_CMD_WRITE_CTR    0x60
#define I8042_CMD_AUX_DISABLE  0xa7
#define I8042_CMD_AUX_ENABLE   0xa8
#define I8042_CMD_AUX_TEST     0xa9
#define I8042_CMD_SELF_TEST    0xaa
#define I8042_CMD_KBD_TEST     0xab
#define I8042_CMD_KBD_DISABLE  0xad
#define I8042_CMD_KBD_ENABLE   0xae
#define I8042_CMD_READ_OUTPUT  0xd0
#define I8042_CMD_WRITE_OUTPUT 0xd1
#define I8042_CMD_PULSE_RESET  0xfe

struct i8042 {
	pthread_mutex_t lock;
	const struct exit_sink *exit;
	u8 status;
	u8 ctr; /* controller configuration ("command") byte */
	u8 outport;
	u8 out;	    /* output buffer, valid while STS_OBF */
	u8 pending; /* command waiting for its data byte, or 0 */
};

/* The registers, for a snapshot. */
struct i8042_state {
	u8 status, ctr, outport, out, pending;
};

void i8042_init(struct i8042 *k, const struct exit_sink *exit);
void i8042_destroy(struct i8042 *k);

/* Claim PORT_I8042_DATA and PORT_I8042_CMD on @pio. */
int i8042_register(struct i8042 *k, struct bus *pio);

void i8042_save(struct i8042 *k, struct i8042_state *out);
void i8042_restore(struct i8042 *k, const struct i8042_state *in);

#endif
