// SPDX-License-Identifier: MIT
/*
 * The user's side of COM1: guest output to stdout or a file, terminal
 * input in raw mode, and the Ctrl-A escape (see vmm/machine/console.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "vmm/machine/console.h"
#include "vmm/base/err.h"
#include "vmm/base/file.h"
#include "vmm/base/log.h"

/*
 * Raw input while stdin is our terminal. Output processing is kept, so
 * that a guest's bare "\n" still starts a new line. A background job
 * leaves the terminal alone and takes no input (it would be stopped by
 * SIGTTOU / SIGTTIN otherwise).
 */
static int make_raw(struct console *c, struct err *err)
{
	struct termios t;

	if (!isatty(c->in_fd))
		return 0;
	if (tcgetpgrp(c->in_fd) != getpgrp()) {
		c->in_fd = -1;
		return 0;
	}
	if (tcgetattr(c->in_fd, &c->saved) < 0)
		return err_host(err, -errno, "tcgetattr: %s", strerror(errno));
	t = c->saved;
	cfmakeraw(&t);
	t.c_oflag = c->saved.c_oflag;
	if (tcsetattr(c->in_fd, TCSANOW, &t) < 0)
		return err_host(err, -errno, "tcsetattr: %s", strerror(errno));
	c->tty_fd = c->in_fd;
	return 0;
}

/*
 * --console pty: a new pseudo-terminal whose path is printed, for screen,
 * minicom or a script to connect to. squeeze holds the slave side open
 * itself, so that reading the master never fails while nobody is
 * connected, and puts it in raw mode: the line discipline must neither
 * echo the guest's output back to it as input nor change it. Writes do
 * not block: while nobody reads, what does not fit in the pty's buffer is
 * dropped rather than stalling the guest.
 */
static int open_pty(struct console *c, const struct vm_config *cfg,
		    struct err *err)
{
	struct termios t;
	char path[64];
	int m;

	m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0)
		return err_host(err, -errno, "--console pty: %s",
				strerror(errno));
	c->out_fd = c->in_fd = m;
	c->own_out = true;
	if (grantpt(m) || unlockpt(m) || ptsname_r(m, path, sizeof(path)))
		return err_host(err, -errno, "--console pty: %s",
				strerror(errno));
	c->pty_slave = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (c->pty_slave < 0 || tcgetattr(c->pty_slave, &t) < 0)
		return err_host(err, -errno, "--console pty: %s: %s", path,
				strerror(errno));
	cfmakeraw(&t);
	if (tcsetattr(c->pty_slave, TCSANOW, &t) < 0 ||
	    fcntl(m, F_SETFL, O_NONBLOCK) < 0)
		return err_host(err, -errno, "--console pty: %s: %s", path,
				strerror(errno));
	if (cfg->name)
		pr_info("%s: console on %s", cfg->name, path);
	else
		pr_info("console on %s", path);
	return 0;
}

/* file=PATH: created, or an existing file that is none of the VM's. */
static int open_file(struct console *c, const char *path,
		     bool (*in_use)(void *opaque, const struct stat *st),
		     void *opaque, struct err *err)
{
	struct stat st;
	int fl;

	/* O_NONBLOCK: a FIFO without a reader is ENXIO, not a hang. */
	c->out_fd =
		open(path, O_WRONLY | O_CREAT | O_NONBLOCK | O_CLOEXEC, 0644);
	if (c->out_fd < 0 && errno == ENXIO)
		return err_input(err, -ENXIO,
				 "--console file=%s: a FIFO that nobody reads",
				 path);
	if (c->out_fd < 0)
		return err_input(err, -errno, "--console file=%s: %s", path,
				 strerror(errno));
	c->own_out = true;
	if (fstat(c->out_fd, &st) < 0)
		return err_host(err, -errno, "--console file=%s: %s", path,
				strerror(errno));
	if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode) &&
	    !S_ISCHR(st.st_mode))
		return err_input(err, -EINVAL, "--console file=%s: is %s", path,
				 file_kind_name(st.st_mode));
	if (in_use && in_use(opaque, &st))
		return err_input(
			err, -EINVAL,
			"--console file=%s: is a file the VM reads (its kernel, initrd, a disk or a backing file); it would be overwritten",
			path);
	if (S_ISREG(st.st_mode) && ftruncate(c->out_fd, 0) < 0)
		return err_input(err, -errno, "--console file=%s: %s", path,
				 strerror(errno));
	fl = fcntl(c->out_fd, F_GETFL);
	if (fl < 0 || fcntl(c->out_fd, F_SETFL, fl & ~O_NONBLOCK) < 0)
		return err_host(err, -errno, "--console file=%s: %s", path,
				strerror(errno));
	return 0;
}

int console_open(struct console *c, const struct vm_config *cfg,
		 bool (*in_use)(void *opaque, const struct stat *st),
		 void *opaque, struct err *err)
{
	memset(c, 0, sizeof(*c));
	c->out_fd = c->in_fd = c->tty_fd = c->pty_slave = -1;
	c->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (c->wake_fd < 0)
		return err_host(err, -errno, "eventfd: %s", strerror(errno));
	switch (cfg->console) {
	case CONSOLE_STDIO:
		c->out_fd = STDOUT_FILENO;
		c->in_fd = STDIN_FILENO;
		return make_raw(c, err);
	case CONSOLE_FILE:
		return open_file(c, cfg->console_path, in_use, opaque, err);
	case CONSOLE_PTY:
		return open_pty(c, cfg, err);
	case CONSOLE_NONE:
		return 0;
	case CONSOLE_LOG:
		c->tail = calloc(1, sizeof(*c->tail));
		if (!c->tail)
			return err_host(err, -ENOMEM, "out of memory");
		if (cfg->verbose)
			c->out_fd = STDERR_FILENO;
		return 0;
	}
	return err_input(err, -EINVAL, "unknown console kind");
}

void console_close(struct console *c)
{
	if (c->tty_fd >= 0)
		tcsetattr(c->tty_fd, TCSADRAIN, &c->saved);
	c->tty_fd = -1;
	if (c->own_out && c->out_fd >= 0)
		close(c->out_fd);
	if (c->pty_slave >= 0)
		close(c->pty_slave);
	c->own_out = false;
	c->out_fd = c->in_fd = c->pty_slave = -1;
	if (c->wake_fd > 0)
		close(c->wake_fd);
	c->wake_fd = -1;
}

void console_free(struct console *c)
{
	console_close(c);
	free(c->tail);
	c->tail = NULL;
}

static void console_write(void *opaque, const u8 *buf, size_t len)
{
	struct console *c = opaque;
	ssize_t n;

	if (c->tail)
		linetail_add(c->tail, buf, len);
	while (len && c->out_fd >= 0) {
		/*
		 * EINTR here is the kick that stops this vCPU: drop the rest
		 * rather than block the shutdown on a stalled reader.
		 */
		n = write(c->out_fd, buf, len);
		if (n <= 0)
			return; /* a closed stdout must not stop the guest */
		buf += n;
		len -= n;
	}
}

static void console_rx_space(void *opaque)
{
	struct console *c = opaque;
	u64 one = 1;

	if (write(c->wake_fd, &one, sizeof(one)) < 0)
		return; /* counter full: a wake-up is pending anyway */
}

const struct serial_sink_ops console_serial_ops = {
	.write = console_write,
	.rx_space = console_rx_space,
};

ssize_t console_filter(struct console *c, u8 *buf, size_t len)
{
	size_t in, out = 0;

	for (in = 0; in < len; in++) {
		u8 b = buf[in];

		if (c->escape) {
			c->escape = false;
			if (b == CONSOLE_QUIT)
				return -1;
			if (b == CONSOLE_ESCAPE)
				buf[out++] = b;
			/* Any other key after Ctrl-A is dropped. */
		} else if (b == CONSOLE_ESCAPE) {
			c->escape = true;
		} else {
			buf[out++] = b;
		}
	}
	return out;
}

void console_woken(struct console *c)
{
	u64 ev;

	if (read(c->wake_fd, &ev, sizeof(ev)) < 0)
		return; /* EAGAIN: nothing pending */
}

int console_input(struct console *c, struct serial *s)
{
	u8 buf[SERIAL_RX_SIZE];
	size_t room = MIN(serial_rx_space(s), sizeof(buf));
	ssize_t n;

	if (c->in_fd < 0 || room == 0)
		return 0;
	/* Readable, so this returns at once (stdin may be blocking). */
	n = read(c->in_fd, buf, room);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n <= 0) {
		c->in_fd = -1; /* EOF or error: no more input */
		return 0;
	}
	n = console_filter(c, buf, n);
	if (n < 0)
		return 1;
	serial_receive(s, buf, n);
	return 0;
}
