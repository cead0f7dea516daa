// SPDX-License-Identifier: MIT
/*
 * squeeze's exec init (guests/exec-init) run on the host as an ordinary
 * process: PID 1 of new user, mount and PID namespaces, with the spec
 * squeeze writes (vmm/exec/spec.c) and files standing for the ports.
 * What the status line says is mapped as squeeze maps it.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/unit/slurp.h"
#include "vmm/exec/spec.h"
#include "vmm/exec/status.h"

#define INIT "build/guests/exec-init"

static const char *const ports[] = { "squeeze.stdin", "squeeze.stdout",
				     "squeeze.stderr", "squeeze.status" };

struct run {
	char dir[64];
	char *out, *err, *status; /* what the ports got */
	size_t out_len, err_len;
	int exit; /* the status line, mapped */
	char why[256];
};

static void put(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	cr_assert_eq(fwrite(data, 1, len, f), len);
	fclose(f);
}

static char *get(const char *path, size_t *len)
{
	char *buf = test_slurp(path, len);

	cr_assert_not_null(buf, "%s", path);
	return buf;
}

static void write_map(const char *file, const char *map)
{
	int fd = open(file, O_WRONLY);

	if (fd >= 0) {
		if (write(fd, map, strlen(map)) < 0)
			_exit(120);
		close(fd);
	}
}

/* The child: new namespaces, then the init as PID 1 of the new one. */
static void in_namespaces(char *const argv[])
{
	pid_t pid;
	int st;

	if (unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID) < 0)
		_exit(121);
	write_map("/proc/self/setgroups", "deny");
	write_map("/proc/self/uid_map", "0 0 1");
	write_map("/proc/self/gid_map", "0 0 1");
	pid = fork();
	if (pid == 0) {
		if (getpid() != 1)
			_exit(122);
		execv(argv[0], argv);
		_exit(123);
	}
	if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st))
		_exit(124);
	_exit(WEXITSTATUS(st));
}

static void run_init(struct run *r, const struct exec_spec *s,
		     const char *input)
{
	char path[256], sys[128], dev[128], spec[128], line[64];
	struct membuf b = { 0 };
	struct err err;
	unsigned int i;
	pid_t pid;
	int st;

	memset(r, 0, sizeof(*r));
	snprintf(r->dir, sizeof(r->dir), "/tmp/sqz-init-XXXXXX");
	cr_assert_not_null(mkdtemp(r->dir));
	snprintf(sys, sizeof(sys), "%s/sys", r->dir);
	snprintf(dev, sizeof(dev), "%s/dev", r->dir);
	snprintf(spec, sizeof(spec), "%s/spec", r->dir);
	cr_assert_eq(exec_spec_build(&b, s, &err), 0);
	put(spec, b.data, b.len);
	membuf_free(&b);
	mkdir(sys, 0755);
	mkdir(dev, 0755);
	snprintf(path, sizeof(path), "%s/class", sys);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/class/virtio-ports", sys);
	mkdir(path, 0755);
	for (i = 0; i < 4; i++) {
		if (i == 0 && !input)
			continue; /* no stdin port: /dev/null */
		snprintf(path, sizeof(path), "%s/class/virtio-ports/vport0p%u",
			 sys, i);
		mkdir(path, 0755);
		strcat(path, "/name");
		snprintf(line, sizeof(line), "%s\n", ports[i]);
		put(path, line, strlen(line));
		snprintf(path, sizeof(path), "%s/vport0p%u", dev, i);
		put(path, i ? "" : input, i ? 0 : strlen(input));
	}
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0)
		in_namespaces((char *[]){ INIT, "--sys", sys, "--dev", dev,
					  "--spec", spec, NULL });
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "init run failed: %#x",
		  st);
	snprintf(path, sizeof(path), "%s/vport0p1", dev);
	r->out = get(path, &r->out_len);
	snprintf(path, sizeof(path), "%s/vport0p2", dev);
	r->err = get(path, &r->err_len);
	snprintf(path, sizeof(path), "%s/vport0p3", dev);
	r->status = get(path, NULL);
	r->exit = exec_status_parse(r->status, strlen(r->status), r->why,
				    sizeof(r->why));
}

static void run_free(struct run *r)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", r->dir);
	cr_assert_eq(system(cmd), 0);
	free(r->out);
	free(r->err);
	free(r->status);
}

static const char *const base_env[] = { "PATH=/usr/bin:/bin" };

/* Run /bin/sh -c @script (then @args) and return the mapped status. */
static int sh(struct run *r, const char *script, char *const *args,
	      unsigned int nargs)
{
	char *argv[16] = { "/bin/sh", "-c", (char *)script, "sh" };
	struct exec_spec s = {
		.argv = argv, .argc = 4, .env = base_env, .nr_env = 1
	};
	unsigned int i;

	for (i = 0; i < nargs; i++)
		argv[s.argc++] = args[i];
	run_init(r, &s, NULL);
	return r->exit;
}

Test(exec_init, argv_keeps_spaces_quotes_and_empty_strings)
{
	char *args[] = { "a b", "\"q\"", "", "'x'", "  " };
	struct run r;

	cr_assert_eq(sh(&r, "printf '[%s]\\n' \"$@\"", args, 5), 0);
	cr_assert_str_eq(r.out, "[a b]\n[\"q\"]\n[]\n['x']\n[  ]\n");
	run_free(&r);
}

Test(exec_init, environment_and_directory)
{
	const char *env[] = { "PATH=/usr/bin:/bin", "FOO=bar baz", "EMPTY=" };
	char *argv[] = { "sh", "-c", "echo \"$FOO|${EMPTY-unset}|$(pwd)\"" };
	/* Shares are parsed here too (the test mode mounts none). */
	struct exec_mount m[] = { { "squeeze-cwd", "/a b/c", false },
				  { "data", "/srv/data", true } };
	struct exec_spec s = { .argv = argv,
			       .argc = 3,
			       .env = env,
			       .nr_env = 3,
			       .cwd = "/usr/share",
			       .root_tag = "squeeze-root",
			       .mounts = m,
			       .nr_mounts = 2 };
	struct run r;

	run_init(&r, &s, NULL);
	cr_assert_eq(r.exit, 0, "%s", r.status);
	cr_assert_str_eq(r.out, "bar baz||/usr/share\n");
	run_free(&r);
}

Test(exec_init, exit_statuses)
{
	static const int codes[] = { 0, 1, 7, 255 };
	char script[32];
	struct run r;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(codes); i++) {
		snprintf(script, sizeof(script), "exit %d", codes[i]);
		cr_assert_eq(sh(&r, script, NULL, 0), codes[i]);
		cr_assert_str_empty(r.why);
		run_free(&r);
	}
}

Test(exec_init, a_signal_gives_128_plus_n)
{
	struct run r;

	cr_assert_eq(sh(&r, "kill -9 $$", NULL, 0), 128 + 9);
	cr_assert_str_eq(r.status, "signal 9\n");
	run_free(&r);
	cr_assert_eq(sh(&r, "kill -TERM $$", NULL, 0), 128 + 15);
	run_free(&r);
}

Test(exec_init, not_found_127_not_executable_126)
{
	char *missing[] = { "no-such-command-here" };
	char *noexec[] = { "/tmp/sqz-init-noexec" };
	struct exec_spec s = { .argc = 1, .env = base_env, .nr_env = 1 };
	struct run r;

	s.argv = missing;
	run_init(&r, &s, NULL);
	cr_assert_eq(r.exit, 127, "%s", r.status);
	cr_assert(strstr(r.why, "no-such-command-here: command not found"));
	run_free(&r);
	s.argv = noexec;
	put(noexec[0], "#!/bin/sh\n", 10);
	chmod(noexec[0], 0644);
	run_init(&r, &s, NULL);
	unlink(noexec[0]);
	cr_assert_eq(r.exit, 126, "%s", r.status);
	run_free(&r);
	/* A command that exits 127 itself is no "not found". */
	cr_assert_eq(sh(&r, "exit 127", NULL, 0), 127);
	cr_assert_str_empty(r.why);
	run_free(&r);
}

Test(exec_init, stdout_and_stderr_stay_apart_stdin_arrives)
{
	char *argv[] = { "sh", "-c", "echo out; echo err >&2; cat; exit 3" };
	struct exec_spec s = {
		.argv = argv, .argc = 3, .env = base_env, .nr_env = 1
	};
	struct run r;

	run_init(&r, &s, "from stdin\n");
	cr_assert_eq(r.exit, 3);
	cr_assert_str_eq(r.out, "out\nfrom stdin\n");
	cr_assert_str_eq(r.err, "err\n");
	run_free(&r);
}

Test(exec_init, hundred_megabytes_in_order, .timeout = 120)
{
	char *args[] = { "13000000" };
	char expect[16];
	size_t off = 0;
	struct run r;
	unsigned long i;
	int n;

	cr_assert_eq(sh(&r, "seq 1 \"$1\"", args, 1), 0);
	cr_assert_gt(r.out_len, 100 * 1000 * 1000UL);
	for (i = 1; i <= 13000000; i++) {
		n = snprintf(expect, sizeof(expect), "%lu\n", i);
		cr_assert(off + n <= r.out_len &&
				  !memcmp(r.out + off, expect, n),
			  "line %lu differs", i);
		off += n;
	}
	cr_assert_eq(off, r.out_len);
	run_free(&r);
}

Test(exec_init, malformed_status_lines_give_125)
{
	char why[128];

	cr_assert_eq(exec_status_parse("exit 256\n", 9, why, 128), 125);
	cr_assert_eq(exec_status_parse("exit 7", 6, why, 128), 125);
	cr_assert_eq(exec_status_parse("signal 0\n", 9, why, 128), 125);
	cr_assert_eq(exec_status_parse("exit 7\nexit 0\n", 14, why, 128), 125);
	cr_assert_eq(exec_status_parse("fail no root\n", 13, why, 128), 125);
	cr_assert(strstr(why, "no root"));
}
