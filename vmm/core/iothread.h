/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_IOTHREAD_H
#define SQUEEZE_IOTHREAD_H

#include <pthread.h>
#include <sys/epoll.h>

#include "vmm/base/err.h"
#include "vmm/base/types.h"

/*
 * An I/O thread: one named thread (blk0, net1, ...) with one epoll set,
 * alive from iothread_create() to iothread_destroy(), so that a host that
 * cannot give us a thread fails the VM before it runs, not when a guest
 * driver starts a device.
 *
 * Its owner (a device) hands it a handler for the events of the fds it
 * adds. Whatever the owner does to the state its handler uses from
 * another thread (a vCPU starting or resetting the device) goes through
 * iothread_call(), which runs a function on the I/O thread and waits for
 * it: that state is only ever touched by the I/O thread, and needs no
 * lock. The I/O thread never waits for another thread of the VM.
 */

#define IOTHREAD_NAME_LEN   16 /* with the NUL, as the kernel's comm */
#define IOTHREAD_STACK_SIZE (256 * KiB)

struct iothread_ops {
	/*
	 * On the thread: @n ready events of fds added with iothread_add()
	 * (their @tag in data.u64), or n == 0 when the wait ended without
	 * one: the timeout passed, or a signal (io_uring's task work)
	 * interrupted it.
	 */
	void (*events)(void *opaque, const struct epoll_event *ev, int n);
	/* How long the next wait may sleep, in ms; -1 (or no hook): for ever. */
	int (*timeout)(void *opaque);
};

struct iothread {
	char name[IOTHREAD_NAME_LEN];
	const struct iothread_ops *ops;
	void *opaque;
	pthread_t thread;
	bool started;
	int epfd;
	int call_fd;		   /* eventfd: a call is waiting */
	pthread_mutex_t call_lock; /* one iothread_call() at a time */
	pthread_mutex_t lock;	   /* the call below, between threads */
	pthread_cond_t cond;
	void (*fn)(void *arg);
	void *arg;
	bool done; /* fn has run */
	bool exit; /* the thread must return */
};

/*
 * The name of one of a VM's threads: @what ("vcpu0", "blk1"), after
 * "@vm:" for a named VM (@vm NULL: none), the VM's name cut so that the
 * whole fits the kernel's 15 characters: "web1:vcpu0".
 */
void thread_name(char buf[IOTHREAD_NAME_LEN], const char *vm, const char *what);

/*
 * Create the epoll set and start the thread, named @name (at most 15
 * characters). The thread sleeps until an fd is ready or a call comes.
 * Returns 0 or -errno with @err saying so (a host failure).
 */
int iothread_create(struct iothread *t, const char *name,
		    const struct iothread_ops *ops, void *opaque,
		    struct err *err);

/*
 * Stop and join the thread, close its fds. Safe on a zeroed struct and
 * after a failed iothread_create().
 */
void iothread_destroy(struct iothread *t);

/*
 * Watch @fd for @events (EPOLLIN; 0 to keep it registered but quiet),
 * reported to the handler with @tag. fd -1 is ignored. 0 or -errno. Any
 * thread may call these; a tag must not be IOTHREAD_TAG_CALL.
 */
int iothread_add(struct iothread *t, int fd, u32 events, u64 tag);
int iothread_mod(struct iothread *t, int fd, u32 events, u64 tag);
/* Stop watching @fd; one that is not watched is fine. */
void iothread_del(struct iothread *t, int fd);

#define IOTHREAD_TAG_CALL UINT64_MAX

/*
 * Run @fn(@arg) on the I/O thread, between two batches of events, and
 * return when it has returned. Called on the I/O thread itself, it just
 * runs @fn.
 */
void iothread_call(struct iothread *t, void (*fn)(void *arg), void *arg);

#endif
