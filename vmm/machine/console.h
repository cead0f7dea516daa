/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_CONSOLE_H
#define SQUEEZE_CONSOLE_H

#include <sys/stat.h>
#include <termios.h>

#include "devices/legacy/serial.h"
#include "vmm/base/linetail.h"
#include "vmm/base/err.h"
#include "vmm/config/config.h"

/*
 * The user's side of COM1. --console stdio: output to stdout, input from
 * stdin (put in raw mode while it is a terminal; restored by
 * console_close()), with Ctrl-A x to quit and Ctrl-A Ctrl-A for a literal
 * Ctrl-A. file=PATH: output to PATH (created 0644, truncated), no input;
 * PATH may also be a FIFO with a reader or a character device.
 * pty: a new pseudo-terminal (path printed on stderr) for both, with the
 * same escapes. none: output discarded, no input.
 */

#define CONSOLE_ESCAPE 0x01 /* Ctrl-A */
#define CONSOLE_QUIT   'x'

struct console {
	int out_fd;    /* -1: discard */
	bool own_out;  /* out_fd is our file */
	int in_fd;     /* -1: no input (or EOF reached) */
	int tty_fd;    /* >= 0: restore @saved on it */
	int pty_slave; /* --console pty: kept open */
	struct termios saved;
	bool escape;	       /* the last input byte was Ctrl-A */
	int wake_fd;	       /* eventfd: the serial FIFO has room */
	struct linetail *tail; /* CONSOLE_LOG: the last lines */
};

/*
 * Open the console @cfg names. For file=PATH, @in_use(@opaque, st) is
 * asked about the opened file before it is truncated: a file the VM reads
 * (kernel, initrd, an image, a backing file) is refused with exit 2 and
 * left untouched. Never blocks on a FIFO.
 */
int console_open(struct console *c, const struct vm_config *cfg,
		 bool (*in_use)(void *opaque, const struct stat *st),
		 void *opaque, struct err *err);
/* Restore the terminal and close what we opened; safe to call twice. */
void console_close(struct console *c);
/* console_close(), and free the kept lines: when the VM is destroyed. */
void console_free(struct console *c);

/* Output sink for the serial port (opaque = the struct console). */
extern const struct serial_sink_ops console_serial_ops;

/*
 * Turn @len bytes typed by the user into bytes for the guest, in place,
 * handling the Ctrl-A escapes. Returns the new length, or -1 when the user
 * asked to quit.
 */
ssize_t console_filter(struct console *c, u8 *buf, size_t len);

/*
 * in_fd is readable (poll said so: never call it otherwise, since stdin
 * may be a blocking pipe or terminal with nothing in it): read at most
 * what @s can take and queue it. Returns 1 when the user asked to quit,
 * else 0. EOF closes input for good.
 */
int console_input(struct console *c, struct serial *s);

/*
 * wake_fd fired (the guest made room in the serial FIFO): consume it.
 * The caller then polls in_fd again, now that there is room for input.
 */
void console_woken(struct console *c);

#endif
