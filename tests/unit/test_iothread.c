// SPDX-License-Identifier: MIT
/* The I/O-thread helper: its name, its events, calls run on it. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "vmm/core/iothread.h"

struct probe {
	int efd;
	int events; /* batches with our tag seen */
	int empty;  /* n == 0 wakeups */
	u64 tag;
	int timeout;
	pthread_t ran_on;
};

static void probe_events(void *opaque, const struct epoll_event *ev, int n)
{
	struct probe *p = opaque;
	u64 v;
	int i;

	if (!n)
		p->empty++;
	for (i = 0; i < n; i++) {
		p->tag = ev[i].data.u64;
		if (read(p->efd, &v, sizeof(v)) == sizeof(v))
			__atomic_add_fetch(&p->events, 1, __ATOMIC_RELEASE);
	}
}

static int probe_timeout(void *opaque)
{
	struct probe *p = opaque;

	return p->timeout;
}

static const struct iothread_ops probe_ops = {
	.events = probe_events,
	.timeout = probe_timeout,
};

static void where(void *arg)
{
	struct probe *p = arg;

	p->ran_on = pthread_self();
}

/* A call that does nothing: once it returned, what the thread wrote is seen. */
static void snapshot(void *arg)
{
	(void)arg;
}

/* Is one of our threads called @name in /proc/self/task/TID/comm? */
static bool has_thread_named(const char *name)
{
	char path[300], comm[32];
	struct dirent *de;
	bool found = false;
	DIR *d = opendir("/proc/self/task");
	FILE *f;

	cr_assert_not_null(d);
	while (!found && (de = readdir(d))) {
		snprintf(path, sizeof(path), "/proc/self/task/%s/comm",
			 de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		found = fgets(comm, sizeof(comm), f) &&
			!strcmp(strtok(comm, "\n"), name);
		fclose(f);
	}
	closedir(d);
	return found;
}

Test(iothread, named_thread_runs_calls_and_events)
{
	struct probe p = { .timeout = -1 };
	struct iothread t;
	struct err err = { 0 };
	u64 one = 1;
	int i;

	p.efd = eventfd(0, EFD_NONBLOCK);
	cr_assert_geq(p.efd, 0);
	cr_assert_eq(iothread_create(&t, "iot7", &probe_ops, &p, &err), 0, "%s",
		     err.msg);
	iothread_call(&t, where, &p);
	cr_assert(pthread_equal(p.ran_on, t.thread), "call ran elsewhere");
	cr_assert(has_thread_named("iot7"), "no thread named iot7");

	cr_assert_eq(iothread_add(&t, p.efd, EPOLLIN, 42), 0);
	cr_assert_eq(write(p.efd, &one, sizeof(one)), sizeof(one));
	for (i = 0; i < 1000 && !__atomic_load_n(&p.events, __ATOMIC_ACQUIRE);
	     i++)
		usleep(1000);
	iothread_call(&t, snapshot, NULL); /* orders what it wrote */
	cr_assert_eq(p.events, 1);
	cr_assert_eq(p.tag, 42);

	/* Quiet (events 0): a write wakes nobody. */
	cr_assert_eq(iothread_mod(&t, p.efd, 0, 42), 0);
	cr_assert_eq(write(p.efd, &one, sizeof(one)), sizeof(one));
	usleep(20000);
	iothread_call(&t, snapshot, NULL);
	cr_assert_eq(p.events, 1);
	iothread_del(&t, p.efd);
	iothread_destroy(&t);
	cr_assert_not(has_thread_named("iot7"), "thread still there");
	close(p.efd);
}

static void set_timeout(void *arg)
{
	struct probe *p = arg;

	p->timeout = 1;
}

Test(iothread, timeout_wakes_the_handler_with_no_events)
{
	struct probe p = { .timeout = -1, .efd = -1 };
	struct iothread t;
	struct err err = { 0 };
	int empty;

	cr_assert_eq(iothread_create(&t, "iot8", &probe_ops, &p, &err), 0);
	iothread_call(&t, snapshot, NULL);
	cr_assert_eq(p.empty, 0, "woken without a reason");
	iothread_call(&t, set_timeout, &p);
	usleep(50000);
	iothread_call(&t, snapshot, NULL);
	empty = p.empty;
	cr_assert_gt(empty, 3, "a 1 ms timeout woke the handler %d times",
		     empty);
	iothread_destroy(&t);
}

Test(iothread, destroy_is_safe_on_a_zeroed_struct)
{
	struct iothread t;

	memset(&t, 0, sizeof(t));
	iothread_destroy(&t);
}

/* A named VM's threads carry its name, cut so that the whole fits 15. */
Test(iothread, thread_names)
{
	char buf[IOTHREAD_NAME_LEN];

	thread_name(buf, NULL, "blk0");
	cr_assert_str_eq(buf, "blk0");
	thread_name(buf, "web1", "vcpu12");
	cr_assert_str_eq(buf, "web1:vcpu12");
	thread_name(buf, "a-very-long-vm-name", "vcpu0");
	cr_assert_str_eq(buf, "a-very-lo:vcpu0");
	cr_assert_eq(strlen(buf), IOTHREAD_NAME_LEN - 1);
	thread_name(buf, "vm", "a-fifteen-chars");
	cr_assert_str_eq(buf, "a-fifteen-chars");
}
