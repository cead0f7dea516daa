// SPDX-License-Identifier: MIT
/*
 * Starting and stopping virtiofsd for one --fs DIR; see virtiofsd.h for
 * the socket hand-over and the read-only mount.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "devices/fs/virtiofsd.h"

extern char **environ;

const char *const virtiofsd_paths[] = {
	"/usr/libexec/virtiofsd",  /* Debian 13: package virtiofsd */
	"/usr/lib/qemu/virtiofsd", /* Debian 12: qemu-system-common */
	NULL,
};

/* QEMU's C virtiofsd: quiet it with its own option (the Rust one reads
 * RUST_LOG and would refuse that option). */
#define C_VIRTIOFSD "/usr/lib/qemu/virtiofsd"

#define CHILD_FD     3 /* --fd=3 */
#define STOP_WAIT_MS 2000

/* A regular file we may execute (for root, access() passes directories). */
static bool executable(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISREG(st.st_mode) && !access(path, X_OK);
}

int virtiofsd_find(const char *binary, const char *const *paths,
		   const char *what, const char **path, struct err *err)
{
	unsigned int i;

	if (binary && *binary) {
		if (!executable(binary))
			return err_input(
				err, -ENOENT,
				"%s: SQUEEZE_VIRTIOFSD=%s is not an executable file",
				what, binary);
		*path = binary;
		return 0;
	}
	for (i = 0; paths[i]; i++) {
		if (executable(paths[i])) {
			*path = paths[i];
			return 0;
		}
	}
	return err_input(
		err, -ENOENT,
		"%s: virtiofsd not found (Debian 12: apt-get install qemu-system-common; Debian 13: apt-get install virtiofsd; or set SQUEEZE_VIRTIOFSD)",
		what);
}

/*
 * DIR must be a directory; virtiofsd gets it as an absolute path without
 * symbolic links in @real (it changes root into it, where a relative
 * path would no longer resolve).
 */
static int check_dir(const struct virtiofsd_options *o, char *real,
		     struct err *err)
{
	struct stat st;

	if (stat(o->dir, &st) || !realpath(o->dir, real))
		return err_input(err, -errno, "%s: %s", o->what,
				 errno == ENOENT ? "no such directory" :
						   strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return err_input(err, -ENOTDIR, "%s: not a directory", o->what);
	return 0;
}

/*
 * A listening socket and our connection to it, with no name left on disk:
 * bound in a fresh 0700 directory, connected, then both removed.
 */
static int private_socket(int *lfd, int *cfd, const char *what, struct err *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *tmp = getenv("TMPDIR");
	char dir[sizeof(sa.sun_path) - 8];
	int ret = 0;

	if (!tmp || !*tmp || strlen(tmp) > sizeof(dir) - 32)
		tmp = "/tmp";
	snprintf(dir, sizeof(dir), "%s/squeeze-fs.XXXXXX", tmp);
	if (!mkdtemp(dir))
		return err_host(err, -errno, "%s: mkdtemp in %s: %s", what, tmp,
				strerror(errno));
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/sock", dir);
	*lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	*cfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (*lfd < 0 || *cfd < 0 ||
	    bind(*lfd, (struct sockaddr *)&sa, sizeof(sa)) || listen(*lfd, 1) ||
	    connect(*cfd, (struct sockaddr *)&sa, sizeof(sa)))
		ret = err_host(err, -errno, "%s: private socket: %s", what,
			       strerror(errno));
	unlink(sa.sun_path);
	rmdir(dir);
	if (ret) {
		if (*lfd >= 0)
			close(*lfd);
		if (*cfd >= 0)
			close(*cfd);
	}
	return ret;
}

/* What a child that could not exec tells its parent. */
struct child_failure {
	int step; /* 0: read-only mount, 1: exec */
	int err;
};

struct spawn {
	const char *path;
	char *argv[12];
	char **envp;
	const char *dir;
	bool readonly;
	int lfd;
	int report_fd; /* CLOEXEC pipe: silent on exec */
	pid_t parent;
};

/* DIR read-only, recursively, in a mount namespace of the child's own. */
static int child_readonly(const char *dir)
{
	struct {
		u64 set, clr, prop, userns;
	} attr = { .set = 0x1 };

	if (unshare(CLONE_NEWNS) ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount(dir, dir, NULL, MS_BIND | MS_REC, NULL))
		return -errno;
	/* mount_setattr(AT_RECURSIVE, MOUNT_ATTR_RDONLY); else the top only. */
	if (!syscall(SYS_mount_setattr, -1, dir, 0x8000, &attr, sizeof(attr)))
		return 0;
	if (mount(NULL, dir, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL))
		return -errno;
	return 0;
}

/* After fork: system calls only (the parent has threads). */
static void __attribute__((noreturn)) child(const struct spawn *s)
{
	struct child_failure f = { 0, 0 };
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	sigset_t none;
	int null;

	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != s->parent)
		_exit(1);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	sigaction(SIGPIPE, &dfl, NULL);
	null = open("/dev/null", O_RDONLY);
	if (null >= 0 && null != 0)
		dup2(null, 0);
	/* Both fds sit above 4 (spawn_child()); dup2 clears close-on-exec. */
	dup2(s->lfd, CHILD_FD);
	if (dup2(s->report_fd, CHILD_FD + 1) == CHILD_FD + 1)
		fcntl(CHILD_FD + 1, F_SETFD, FD_CLOEXEC);
	syscall(SYS_close_range, CHILD_FD + 2, ~0U, 0);
	if (s->readonly)
		f.err = -child_readonly(s->dir);
	if (!f.err) {
		f.step = 1;
		execve(s->path, s->argv, s->envp);
		f.err = errno;
	}
	if (write(CHILD_FD + 1, &f, sizeof(f)) < 0)
		_exit(126);
	_exit(127);
}

/* environ plus RUST_LOG=error (the Rust virtiofsd's log level) if unset. */
static char **child_env(void)
{
	size_t n = 0, i;
	char **env;

	while (environ[n])
		n++;
	env = calloc(n + 2, sizeof(*env));
	if (!env)
		return NULL;
	for (i = 0; i < n; i++)
		env[i] = environ[i];
	if (!getenv("RUST_LOG"))
		env[n] = "RUST_LOG=error";
	return env;
}

/*
 * --fd=3 -o source=DIR is the one syntax both virtiofsds take (the Rust
 * one calls -o deprecated, at a level RUST_LOG=error hides). The namespace
 * sandbox pivots into DIR, which cannot be done with / (squeeze exec's
 * root share): there the chroot sandbox is asked for, in each one's
 * syntax.
 */
static void child_args(struct spawn *s, char *source)
{
	bool c_one = !strcmp(s->path, C_VIRTIOFSD);
	unsigned int n = 0;

	s->argv[n++] = (char *)s->path;
	s->argv[n++] = "--fd=3";
	s->argv[n++] = "-o";
	s->argv[n++] = source;
	if (c_one) {
		s->argv[n++] = "-o";
		s->argv[n++] = "log_level=err";
	}
	if (!strcmp(s->dir, "/")) {
		s->argv[n++] = c_one ? "-o" : "--sandbox";
		s->argv[n++] = c_one ? "sandbox=chroot" : "chroot";
	}
	s->argv[n] = NULL;
}

/* Move @fd to 10 or above, close-on-exec (out of the child's 0-4). */
static int fd_high(int fd)
{
	int hi = fcntl(fd, F_DUPFD_CLOEXEC, 10);

	close(fd);
	return hi;
}

static int spawn_child(struct virtiofsd *v, struct spawn *s, const char *what,
		       struct err *err)
{
	struct child_failure f;
	int pipefd[2];
	ssize_t n;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC))
		return err_host(err, -errno, "%s: pipe: %s", what,
				strerror(errno));
	s->report_fd = fd_high(pipefd[1]);
	s->lfd = fd_high(s->lfd);
	s->parent = getpid();
	pid = s->report_fd < 0 || s->lfd < 0 ? -1 : fork();
	if (pid == 0)
		child(s);
	if (s->report_fd >= 0)
		close(s->report_fd);
	if (pid < 0) {
		close(pipefd[0]);
		return err_host(err, -errno, "%s: cannot start virtiofsd: %s",
				what, strerror(errno));
	}
	v->pid = pid;
	/* EOF: the exec happened; else the child says what failed. */
	do {
		n = read(pipefd[0], &f, sizeof(f));
	} while (n < 0 && errno == EINTR);
	close(pipefd[0]);
	if (n != sizeof(f))
		return 0;
	virtiofsd_stop(v, -1);
	if (f.step == 0)
		return err_host(
			err, -f.err,
			"%s: readonly=on: cannot make a read-only mount of the directory: %s",
			what, strerror(f.err));
	return err_host(err, -f.err, "%s: cannot run %s: %s", what, s->path,
			strerror(f.err));
}

int virtiofsd_start(struct virtiofsd *v, const struct virtiofsd_options *o,
		    int *sock, struct err *err)
{
	struct spawn s = { .readonly = o->readonly };
	char source[PATH_MAX + 16], real[PATH_MAX];
	int ret, cfd = -1;

	memset(v, 0, sizeof(*v));
	/* virtiofsd's sandboxed child is reparented to us, and reaped. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	s.dir = real;
	ret = check_dir(o, real, err);
	if (!ret)
		ret = virtiofsd_find(o->binary, virtiofsd_paths, o->what,
				     &s.path, err);
	if (ret)
		return ret;
	if (snprintf(source, sizeof(source), "source=%s", real) >=
	    (int)sizeof(source))
		return err_input(err, -ENAMETOOLONG, "%s: path too long",
				 o->what);
	child_args(&s, source);
	s.envp = child_env();
	if (!s.envp)
		return err_host(err, -ENOMEM, "%s: out of memory", o->what);
	ret = private_socket(&s.lfd, &cfd, o->what, err);
	if (!ret) {
		ret = spawn_child(v, &s, o->what, err);
		/* Only the child keeps the listening end. */
		if (s.lfd >= 0)
			close(s.lfd);
		if (ret)
			close(cfd);
		else
			*sock = cfd;
	}
	free(s.envp);
	return ret;
}

static bool reaped_now(struct virtiofsd *v)
{
	int st;

	if (v->reaped)
		return true;
	if (!v->pid || waitpid(v->pid, &st, WNOHANG) != v->pid)
		return false;
	v->status = st;
	v->reaped = true;
	return true;
}

static s64 now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (s64)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/*
 * Reap what has exited of @v's process group: virtiofsd and, since squeeze
 * is a child subreaper, the sandboxed server it forked, which outlives it
 * by a moment. True once none is left.
 */
static bool reap_group(struct virtiofsd *v)
{
	pid_t pid;
	int st;

	for (;;) {
		pid = waitpid(-v->pid, &st, WNOHANG);
		if (pid < 0)
			return errno == ECHILD;
		if (pid == 0)
			return false;
		if (pid == v->pid) {
			v->status = st;
			v->reaped = true;
		}
	}
}

/* Until @deadline: every process of the group reaped, and the far end of
 * @conn (if >= 0) closed. True when both. */
static bool wait_gone(struct virtiofsd *v, int conn, s64 deadline)
{
	struct pollfd p = { .fd = conn, .events = POLLRDHUP };
	bool closed = conn < 0;

	for (;;) {
		if (!closed && poll(&p, 1, 0) == 1 &&
		    (p.revents & (POLLRDHUP | POLLHUP | POLLERR)))
			closed = true;
		if (reap_group(v) && closed)
			return true;
		if (now_ms() >= deadline)
			return false;
		/* The socket wakes us at once; the processes within 2 ms. */
		poll(closed ? NULL : &p, closed ? 0 : 1, 2);
	}
}

bool virtiofsd_exited(struct virtiofsd *v, int wait_ms)
{
	s64 deadline = now_ms() + wait_ms;
	struct timespec t = { 0, 2 * 1000 * 1000 };

	while (!reaped_now(v) && v->pid && now_ms() < deadline)
		nanosleep(&t, NULL);
	return v->reaped;
}

void virtiofsd_stop(struct virtiofsd *v, int conn)
{
	if (!v->pid)
		return;
	/* The whole group: a sandboxed server is in it too. */
	kill(-v->pid, SIGTERM);
	if (wait_gone(v, conn, now_ms() + STOP_WAIT_MS))
		return;
	kill(-v->pid, SIGKILL);
	wait_gone(v, -1, now_ms() + STOP_WAIT_MS);
}
