/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_VIRTIOFSD_H
#define SQUEEZE_VIRTIOFSD_H

#include <sys/types.h>

#include "vmm/base/err.h"

/*
 * A virtiofsd that squeeze starts for one --fs DIR and stops again: the
 * C virtiofsd of Debian 12 (qemu-system-common, /usr/lib/qemu/virtiofsd)
 * or the Rust one of Debian 13 (package virtiofsd, /usr/libexec/
 * virtiofsd), or what SQUEEZE_VIRTIOFSD names.
 *
 * The socket is private and leaves nothing behind: squeeze binds a
 * listening socket in a fresh 0700 directory, connects to it itself (the
 * connection waits in the backlog), removes the socket file and the
 * directory at once, and passes the listening socket to virtiofsd as
 * --fd=3. virtiofsd accepts that one connection; the first request
 * squeeze sends waits for it to be ready.
 *
 * The child runs in its own process group (a terminal's Ctrl-C reaches
 * squeeze only, which then stops it in order), with an empty signal mask,
 * and gets SIGTERM if squeeze dies (PR_SET_PDEATHSIG); virtiofsd also
 * exits when the connection closes. A sandboxing virtiofsd forks the
 * server into namespaces and, on SIGTERM, exits before it: squeeze makes
 * itself a child subreaper so that the server is reparented to it, and
 * stopping means SIGTERM to the group, then reaping the whole group. readonly: the child first makes DIR a
 * read-only bind mount (recursively) in a mount namespace of its own, so
 * the kernel answers every write with EROFS; this needs CAP_SYS_ADMIN.
 */

struct virtiofsd_options {
	const char *dir;
	bool readonly;
	const char *binary; /* SQUEEZE_VIRTIOFSD, or NULL */
	const char *what;   /* "--fs /srv/x": prefixes errors */
};

struct virtiofsd {
	pid_t pid;  /* 0: none running */
	int status; /* wait status, once reaped */
	bool reaped;
};

/*
 * Check DIR, find the program, start it and connect: the connected socket
 * in *@sock. A missing DIR or program is ERR_INPUT. On failure nothing is
 * left running or on disk.
 */
int virtiofsd_start(struct virtiofsd *v, const struct virtiofsd_options *o,
		    int *sock, struct err *err);

/*
 * True (with a wait status in v->status) if it has exited, or does within
 * @wait_ms: to explain a connection that failed during set-up.
 */
bool virtiofsd_exited(struct virtiofsd *v, int wait_ms);

/*
 * SIGTERM, then up to 2 s for it to exit and, if @conn >= 0, for the far
 * end of that connection to close; SIGKILL after that. Reaped. Safe when
 * none runs.
 */
void virtiofsd_stop(struct virtiofsd *v, int conn);

/* Where squeeze looks when SQUEEZE_VIRTIOFSD is not set. */
extern const char *const virtiofsd_paths[];

/*
 * The program to run: @binary if set (it must be executable), else the
 * first executable of @paths (NULL-terminated). ERR_INPUT, naming the
 * Debian packages, when there is none.
 */
int virtiofsd_find(const char *binary, const char *const *paths,
		   const char *what, const char **path, struct err *err);

#endif
