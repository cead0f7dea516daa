// SPDX-License-Identifier: MIT
/*
 * boottime: time whole VMM processes for the boot benchmark.
 *
 *   boottime [-l LOOPS] [-s STATUS] [-e FILE] [-i] [-f] -- COMMAND [ARG...]
 *
 * Runs COMMAND LOOPS times (default 1) one after the other, stdin, stdout
 * and stderr on /dev/null (stderr appended to FILE with -e, e.g. for
 * squeeze --stats), and prints one line:
 *
 *   <total wall us> <max peak RSS KiB of one run> <runs whose exit status
 *   was not STATUS>
 *
 * With -f, stdout goes to a pipe instead and a fourth field follows: the
 * total us from the fork to the first complete line the command printed
 * (a guest's first console line). With -i the command's stdin is a pipe
 * holding one newline, then EOF (a guest waiting for a console line gets
 * it at once).
 *
 * Wall time runs from just before the fork to the return of wait4(); the
 * peak RSS is the child's own ru_maxrss from wait4(), so the shell and
 * this helper are not counted.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct run_result {
	long long wall_us;
	long long line_us; /* to the first line (-f), or 0 */
	long maxrss_kib;
	int status; /* exit status, or 128 + signal */
};

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

/* In the child: quiet stdio, then exec. Only returns on failure. */
static void __attribute__((noreturn))
child_exec(char **argv, int err_fd, int in_fd, int out_fd)
{
	int fd = open("/dev/null", O_RDWR);

	if (fd < 0)
		_exit(126);
	dup2(in_fd >= 0 ? in_fd : fd, 0);
	dup2(out_fd >= 0 ? out_fd : fd, 1);
	dup2(err_fd >= 0 ? err_fd : fd, 2);
	if (fd > 2)
		close(fd);
	if (err_fd > 2)
		close(err_fd);
	execvp(argv[0], argv);
	_exit(127);
}

/* Read the child's stdout to EOF; the time of its first newline. */
static long long first_line(int fd, long long start)
{
	long long at = 0;
	char buf[4096];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		if (!at && memchr(buf, '\n', n))
			at = now_us() - start;
	}
	return at;
}

static int run_once(char **argv, int err_fd, bool feed, bool line,
		    struct run_result *r)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, wstatus;
	struct rusage ru;
	long long start;
	pid_t pid;

	if ((feed && (pipe2(in, O_CLOEXEC) || write(in[1], "\n", 1) != 1)) ||
	    (line && pipe2(out, O_CLOEXEC)))
		return -errno;
	start = now_us();
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0)
		child_exec(argv, err_fd, in[0], out[1]);
	if (feed) {
		close(in[0]);
		close(in[1]);
	}
	if (line) {
		close(out[1]);
		r->line_us = first_line(out[0], start);
		close(out[0]);
	}
	if (wait4(pid, &wstatus, 0, &ru) < 0)
		return -errno;
	r->wall_us = now_us() - start;
	r->maxrss_kib = ru.ru_maxrss;
	r->status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) :
					 128 + WTERMSIG(wstatus);
	return 0;
}

static int parse_int(const char *s, const char *what, int min, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || end == s || v < min || v > 1000000) {
		fprintf(stderr, "boottime: bad %s '%s'\n", what, s);
		return -1;
	}
	*out = (int)v;
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: boottime [-l LOOPS] [-s STATUS] [-e FILE] [-i] [-f] -- COMMAND [ARG...]\n");
}

int main(int argc, char **argv)
{
	int loops = 1, want = -1, bad = 0, err_fd = -1, opt, i;
	bool feed = false, line = false;
	long long total = 0, lines = 0;
	long maxrss = 0;

	while ((opt = getopt(argc, argv, "+l:s:e:if")) != -1) {
		if (opt == 'i' || opt == 'f') {
			*(opt == 'i' ? &feed : &line) = true;
			continue;
		}
		if (opt == 'l' && !parse_int(optarg, "loop count", 1, &loops))
			continue;
		if (opt == 's' && !parse_int(optarg, "status", 0, &want))
			continue;
		if (opt == 'e' && err_fd < 0) {
			err_fd = open(optarg,
				      O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
				      0644);
			if (err_fd >= 0)
				continue;
			fprintf(stderr, "boottime: %s: %s\n", optarg,
				strerror(errno));
			return 1;
		}
		usage();
		return 2;
	}
	if (optind >= argc) {
		usage();
		return 2;
	}
	for (i = 0; i < loops; i++) {
		struct run_result r = { 0 };
		int err = run_once(argv + optind, err_fd, feed, line, &r);

		if (err) {
			fprintf(stderr, "boottime: %s\n", strerror(-err));
			return 1;
		}
		total += r.wall_us;
		lines += r.line_us;
		if (r.maxrss_kib > maxrss)
			maxrss = r.maxrss_kib;
		if (want >= 0 && r.status != want)
			bad++;
	}
	if (line)
		printf("%lld %ld %d %lld\n", total, maxrss, bad, lines);
	else
		printf("%lld %ld %d\n", total, maxrss, bad);
	return 0;
}
