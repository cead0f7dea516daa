// SPDX-License-Identifier: MIT
/*
 * squeeze's exec init (see init.h). In the guest it runs with no
 * arguments as PID 1 and powers the VM off at the end. A test runs the
 * same program as an ordinary process with
 *	exec-init --sys DIR --dev DIR --spec FILE
 * which skips the guest's preparation and the power-off: DIR/class/
 * virtio-ports/NAME/name and the files in the --dev DIR stand for the
 * ports.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/reboot.h>
#include <unistd.h>

#include "init.h"

/* How long the guest's ports may take to appear after the module loads. */
#define PORT_WAIT_MS 60000

/*
 * A test's redirections. Anything else on the command line is ignored:
 * the kernel hands init the boot parameters it does not know.
 */
static bool parse_args(int argc, char **argv, struct init_paths *p)
{
	bool test = false;
	int i;

	for (i = 1; i + 1 < argc; i++) {
		if (!strcmp(argv[i], "--sys"))
			p->sys = argv[++i];
		else if (!strcmp(argv[i], "--dev"))
			p->dev = argv[++i];
		else if (!strcmp(argv[i], "--spec"))
			p->spec = argv[++i];
		else
			continue;
		test = true;
	}
	return test;
}

/*
 * The ports. Linux lets one process at a time open a port, so each is
 * opened once, here; in the guest they may still be on their way.
 */
static int open_ports(const struct init_paths *p, bool test, int fds[4],
		      char *line, size_t len)
{
	unsigned int wait = test ? 0 : PORT_WAIT_MS;

	fds[3] = port_wait(p, "squeeze.status", O_WRONLY, wait);
	fds[1] = port_wait(p, "squeeze.stdout", O_WRONLY, wait);
	fds[2] = port_wait(p, "squeeze.stderr", O_WRONLY, wait);
	/* squeeze names stdin first: by now it is there if it exists. */
	fds[0] = port_open(p, "squeeze.stdin", O_RDONLY);
	if (fds[0] < 0)
		fds[0] = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fds[0] >= 0 && fds[1] >= 0 && fds[2] >= 0)
		return 0;
	snprintf(line, len,
		 "fail the squeeze.stdout/stderr ports are missing\n");
	return -1;
}

static void report(int fd, const char *line)
{
	size_t n = strlen(line);

	/* What the command wrote is on its way: the status comes after. */
	sync();
	if (fd < 0 || write(fd, line, n) != (ssize_t)n)
		fprintf(stderr, "squeeze-init: cannot report: %s", line);
	if (fd >= 0)
		close(fd);
}

int main(int argc, char **argv)
{
	struct init_paths p = { "/sys", "/dev", "/squeeze/spec" };
	bool test = parse_args(argc, argv, &p);
	int fds[4] = { -1, -1, -1, -1 };
	struct init_spec s;
	char line[512];
	const char *why;

	if (spec_read(&s, p.spec, &why) < 0) {
		snprintf(line, sizeof(line), "fail %s\n", why);
		/* No modules named: no ports to say it on but the console. */
		if (!test)
			goto console;
	} else if (!test && guest_setup(&s, line, sizeof(line)) < 0)
		;
	else if (open_ports(&p, test, fds, line, sizeof(line)) == 0) {
		if (!test)
			fprintf(stderr, "squeeze-init: running %s\n",
				s.argv[0]);
		run_command(&s, fds, line, sizeof(line));
	}
	if (fds[3] < 0)
		fds[3] = port_wait(&p, "squeeze.status", O_WRONLY,
				   test ? 0 : PORT_WAIT_MS);
	report(fds[3], line);
	if (test)
		return 0;
	if (0) {
console:
		fprintf(stderr, "squeeze-init: %s", line);
	}
	reboot(RB_POWER_OFF);
	return 1; /* PID 1 returning: the kernel panics */
}
