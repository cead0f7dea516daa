// SPDX-License-Identifier: MIT
/*
 * squeeze exec (vmm/exec/exec.h): read the kernel's release, make the
 * initramfs (init, command spec, modules) in memory, join squeeze's
 * stdio to the console ports, and run the VM until the command's status,
 * the deadline, a signal, or the guest's end.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "vmm/base/log.h"
#include "vmm/machine/stats.h"
#include "vmm/exec/exec_int.h"
#include "vmm/exec/initramfs.h"
#include "vmm/exec/status.h"

/* Host variables a command on the host's files expects to find. */
static const char *const passed_env[] = { "PATH", "HOME", "TERM", "LANG" };
#define DEFAULT_PATH \
	"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

#define EXEC_CMDLINE "console=ttyS0 earlyprintk=serial panic=-1 nokaslr"
#define EXEC_QUIET   " loglevel=4"

int exec_read_release(struct exec *x, struct err *err)
{
	struct kernel_image ki;
	int ret;

	ret = kernel_image_open(&ki, x->cfg->vm.kernel, NULL,
				x->cfg->vm.mem_size, err);
	if (ret)
		return ret;
	if (!kernel_release(ki.data, ki.size, x->release, sizeof(x->release))) {
		x->release[0] = 0;
		pr_warn("exec: kernel %s has no Linux version string: the initramfs gets no modules",
			x->cfg->vm.kernel);
	}
	kernel_image_close(&ki);
	return 0;
}

/* The command's environment: a few host variables, then --env. */
static unsigned int build_env(const struct exec_config *c, const char **env,
			      char (*buf)[512])
{
	unsigned int n = 0, i, j;
	const char *v;
	size_t len;

	for (i = 0; i < ARRAY_SIZE(passed_env); i++) {
		v = getenv(passed_env[i]);
		if (!v && i == 0)
			v = DEFAULT_PATH;
		if (!v ||
		    snprintf(buf[n], 512, "%s=%s", passed_env[i], v) >= 512)
			continue;
		env[n] = buf[n];
		n++;
	}
	for (i = 0; i < c->nr_env; i++) {
		len = strcspn(c->env[i], "=") + 1;
		for (j = 0; j < n && strncmp(env[j], c->env[i], len); j++)
			;
		env[j] = c->env[i]; /* replaces a passed one */
		if (j == n)
			n++;
	}
	return n;
}

int exec_make_initramfs(struct exec *x, struct err *err)
{
	static char envbuf[ARRAY_SIZE(passed_env)][512];
	const char *env[EXEC_MAX_ENV + ARRAY_SIZE(passed_env)];
	const char *mods[6] = { "virtio_pci", "virtio_console" };
	const struct exec_config *c = x->cfg;
	struct exec_initramfs in = {
		.spec = { .argv = c->argv,
			  .argc = c->argc,
			  .env = env,
			  .cwd = x->cwd,
			  .root_tag = x->root_tag,
			  .mounts = x->mounts,
			  .nr_mounts = x->nr_mounts },
		.release = x->release[0] ? x->release : NULL,
		.modules_dir = c->modules_dir,
		.modules = mods,
		.nr_modules = 2,
		.init = exec_init_blob,
		.init_len = exec_init_blob_end - exec_init_blob,
	};

	if (c->vm.nr_fs) {
		mods[in.nr_modules++] = "virtiofs";
		mods[in.nr_modules++] = "overlay";
	}
	if (c->vm.nr_disks)
		mods[in.nr_modules++] = "virtio_blk";
	if (c->vm.nr_nets)
		mods[in.nr_modules++] = "virtio_net";
	in.spec.nr_env = build_env(c, env, envbuf);
	return exec_initramfs_build(&x->initramfs, &in, err);
}

static int setup(struct exec *x, struct err *err)
{
	struct vm_config *vm = &x->cfg->vm;
	int ret;

	ret = exec_shares(x, err);
	if (!ret)
		ret = exec_read_release(x, err);
	if (!ret)
		ret = exec_make_initramfs(x, err);
	if (!ret)
		ret = exec_ports_open(x, err);
	if (ret)
		return ret;
	vm->initrd_data = x->initramfs.data;
	vm->initrd_size = x->initramfs.len;
	vm->cmdline = vm->verbose ? EXEC_CMDLINE : EXEC_CMDLINE EXEC_QUIET;
	vm->console = CONSOLE_LOG;
	return 0;
}

static int arm_timer(struct exec *x)
{
	struct itimerspec its = { 0 };
	u64 ms = x->cfg->timeout_ms;

	if (!ms)
		return 0;
	x->timer_fd =
		timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (x->timer_fd < 0)
		return -errno;
	its.it_value.tv_sec = ms / 1000;
	its.it_value.tv_nsec = (ms % 1000) * 1000000;
	return timerfd_settime(x->timer_fd, 0, &its, NULL) < 0 ? -errno : 0;
}

int exec_run(struct exec_config *c, struct vm_stats *stats)
{
	struct exec x = {
		.cfg = c, .status_rd = -1, .timer_fd = -1, .pipe_fd = -1
	};
	struct vm_watch w[3];
	struct err err = { 0 };
	unsigned int i, nw = 1;
	int ret;

	for (i = 0; i < EXEC_NR_PORTS; i++)
		x.host_fd[i] = -1;
	ret = setup(&x, &err);
	stats_lap(stats, STEP_INITRAMFS);
	if (!ret) {
		vm_block_signals();
		ret = vm_create(&x.vm, &c->vm, stats, &err);
	}
	if (!ret && arm_timer(&x))
		ret = err_host(&err, -errno, "exec: timerfd: %s",
			       strerror(errno));
	if (ret) {
		pr_err("%s", err_is_set(&err) ? err.msg : strerror(-ret));
		ret = EXEC_FAILED;
		goto free;
	}
	w[0] = (struct vm_watch){ x.status_rd, exec_status_ready, &x };
	w[nw++] = (struct vm_watch){ x.pipe_fd, exec_pipe_ready, &x };
	if (x.timer_fd >= 0)
		w[nw++] =
			(struct vm_watch){ x.timer_fd, exec_timeout_ready, &x };
	vm_run_watch(x.vm, w, nw);
	ret = exec_outcome(&x);
free:
	vm_destroy(x.vm);
	exec_ports_close(&x);
	membuf_free(&x.initramfs);
	stats_lap(stats, STEP_EXIT);
	if (c->vm.stats)
		stats_print(stats, stderr);
	return ret;
}
