// SPDX-License-Identifier: MIT
/* The I/O-thread seccomp filter in the benchmarks (see confine.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include "tests/driver/lib/confine.h"
#include "vmm/core/iothread.h"
#include "vmm/sandbox/seccomp.h"

struct confine {
	struct sandbox_filters f;
	int ret;
};

static void load(void *arg)
{
	struct confine *c = arg;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		c->ret = -errno;
		return;
	}
	sandbox_unblock_sigsys();
	c->ret = sandbox_load(&c->f, SANDBOX_IO);
}

int drv_confine_iothread(struct iothread *io)
{
	const char *on = getenv("SQUEEZE_BENCH_SECCOMP");
	struct confine c = { .ret = 0 };
	struct err err;
	int ret;

	if (!on || strcmp(on, "1"))
		return 0;
	ret = sandbox_filters_build(&c.f, NULL, 0, &err);
	if (!ret)
		ret = sandbox_report_install(NULL, &err);
	if (ret)
		return ret;
	iothread_call(io, load, &c);
	sandbox_filters_free(&c.f);
	return c.ret;
}
