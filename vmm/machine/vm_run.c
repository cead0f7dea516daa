// SPDX-License-Identifier: MIT
/*
 * The main thread while the VM runs: console input, signals, stop requests,
 * restarts (and whether there may be any), and the report of how it ended.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "vmm/base/clock.h"
#include "vmm/base/err.h"
#include "vmm/base/log.h"
#include "vmm/control/control.h"
#include "vmm/machine/vm.h"
#include "vmm/machine/vm_virtio.h"

enum { POLL_STOP, POLL_SIGNAL, POLL_WAKE, POLL_CONTROL, POLL_INPUT, POLL_NR };

#define POLL_MAX (POLL_NR + VM_MAX_WATCHES)

static void shutdown_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
}

void vm_block_signals(void)
{
	sigset_t set;

	shutdown_signals(&set);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	/* A closed stdout must not kill us mid-way: writes just fail. */
	signal(SIGPIPE, SIG_IGN);
}

static int start_vcpus(struct vm *vm)
{
	struct err err;
	u32 i;

	for (i = 0; i < vm->nr_vcpus; i++) {
		if (vcpu_start(&vm->vcpus[i], &vm->vcpu_env, &err)) {
			pr_err("%s", err.msg);
			return -1;
		}
	}
	return 0;
}

static void stop_vcpus(struct vm *vm)
{
	u32 i;

	__atomic_store_n(&vm->stopping, 1, __ATOMIC_RELEASE);
	for (i = 0; i < vm->nr_vcpus; i++)
		vcpu_stop(&vm->vcpus[i]);
}

static int read_signal(int sfd)
{
	struct signalfd_siginfo si;

	if (read(sfd, &si, sizeof(si)) != sizeof(si))
		return 0;
	return si.ssi_signo;
}

/*
 * Wait for a reason to stop and return the exit status. Signals and Ctrl-A
 * x go through the same exit sink as the devices: the first reason wins.
 */
static int main_loop(struct vm *vm, int sfd, const struct vm_watch *w,
		     unsigned int nw)
{
	struct pollfd p[POLL_MAX] = {
		[POLL_STOP] = { .fd = vm->stop_fd, .events = POLLIN },
		[POLL_SIGNAL] = { .fd = sfd, .events = POLLIN },
		[POLL_WAKE] = { .fd = vm->con.wake_fd, .events = POLLIN },
		[POLL_CONTROL] = { .fd = vm->ctl ? control_request_fd(vm->ctl) :
						   -1,
				   .events = POLLIN },
		[POLL_INPUT] = { .events = POLLIN },
	};
	unsigned int i;
	int sig;

	for (i = 0; i < nw; i++)
		p[POLL_NR + i] =
			(struct pollfd){ .fd = w[i].fd, .events = POLLIN };
	while (!__atomic_load_n(&vm->stopping, __ATOMIC_ACQUIRE)) {
		/* Read input only while the guest's FIFO has room for it. */
		p[POLL_INPUT].fd =
			vm->con.in_fd >= 0 && serial_rx_space(&vm->serial) ?
				vm->con.in_fd :
				-1;
		if (poll(p, POLL_NR + nw, -1) < 0) {
			if (errno == EINTR)
				continue;
			pr_err("poll: %s", strerror(errno));
			return VM_EXIT_FAILED;
		}
		if (p[POLL_SIGNAL].revents) {
			sig = read_signal(sfd);
			if (sig)
				exit_sink_stop(&vm->exit, VM_STOP_SIGNAL,
					       128 + sig);
		}
		/* A wake-up only puts in_fd back in the set: it may be empty. */
		if (p[POLL_WAKE].revents)
			console_woken(&vm->con);
		if (p[POLL_INPUT].revents &&
		    console_input(&vm->con, &vm->serial))
			exit_sink_stop(&vm->exit, VM_STOP_QUIT, 0);
		for (i = 0; i < nw; i++)
			if (p[POLL_NR + i].revents)
				w[i].ready(w[i].opaque);
		if (p[POLL_CONTROL].revents)
			vm_control_serve(vm);
	}
	return vm->stop_status;
}

const char *vm_stop_reason_text(enum vm_stop_reason why)
{
	static const char *const names[] = {
		[VM_STOP_POWEROFF] = "power-off",
		[VM_STOP_RESET] = "reset",
		[VM_STOP_DEBUG_EXIT] = "debug-exit port",
		[VM_STOP_FAILURE] = "vCPU failure",
		[VM_STOP_QUIT] = "Ctrl-A x",
		[VM_STOP_SIGNAL] = "signal",
		[VM_STOP_TIMEOUT] = "timeout",
		[VM_STOP_STATUS] = "the command's status",
		[VM_STOP_CONTROL] = "squeeze ctl poweroff",
	};

	return why < ARRAY_SIZE(names) && names[why] ? names[why] : "?";
}

static const char *stop_reason_name(const struct vm *vm)
{
	if (!__atomic_load_n(&vm->stop_claimed, __ATOMIC_ACQUIRE))
		return "an error";
	return vm_stop_reason_text(vm->stop_reason);
}

/* One vCPU's exits by device, named as the devices name themselves. */
static void add_dev_stats(struct vm_stats *s, const struct vcpu_stats *v)
{
	const struct vcpu_dev_exits *d;
	unsigned int i;

	for (i = 0; i < VCPU_DEV_SLOTS && v->dev[i].used; i++) {
		d = &v->dev[i];
		stats_add_dev(s,
			      d->ops  ? io_ops_name(d->ops, d->opaque) :
			      d->mmio ? "no device (MMIO)" :
					"no device (port I/O)",
			      d->ops && d->ops->desc ? d->ops->desc->file :
						       NULL,
			      d->reads, d->writes);
	}
}

/* What the IOAPIC sent, by pin and the vector it sent last. */
static void add_ioapic_stats(struct vm *vm)
{
	const struct ioapic *io = &vm->ioapic;
	char name[STATS_NAME];
	unsigned int pin;

	vm->stats->ioapic_messages += io->delivered;
	for (pin = 0; pin < IOAPIC_PINS; pin++) {
		if (!io->sent[pin])
			continue;
		snprintf(name, sizeof(name),
			 "ioapic pin %u (%s) -> vector 0x%02x", pin,
			 io->pin_name[pin] ? io->pin_name[pin] : "?",
			 io->sent_vector[pin]);
		stats_add_irq(vm->stats, name, io->sent[pin]);
	}
}

/* A boot's part of --stats: vCPU 0's timeline, everyone's exits. */
static void add_stats(struct vm *vm)
{
	const struct vcpu_stats *v0;
	struct vm_stats *s = vm->stats;
	u64 exits;
	u32 i, k;

	for (i = 0; i < vm->nr_vcpus; i++) {
		const struct vcpu_stats *v = &vm->vcpus[i].stats;

		for (k = 0, exits = 0; k < VCPU_EXIT_NR; k++) {
			s->exits[k] += v->exits[k];
			exits += v->exits[k];
		}
		stats_add_vcpu(s, i, v->guest_ns, v->vmm_ns, exits);
		add_dev_stats(s, v);
	}
	s->timed = vm->timed;
	add_ioapic_stats(vm);
	if (!vm->nr_vcpus || !vm->stop_ns)
		return;
	v0 = &vm->vcpus[0].stats;
	if (!v0->first_run_ns)
		return; /* it never ran: all of it counts as exit */
	stats_span(s, STEP_VCPU_THREAD, s->lap_ns, v0->first_run_ns);
	stats_span(s, STEP_FIRST_RUN, v0->first_run_ns, v0->first_exit_ns);
	stats_span(s, STEP_GUEST, v0->first_exit_ns, vm->stop_ns);
}

/* "NAME: " for messages about a named VM, else "". */
static const char *name_prefix(const struct vm *vm, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s", vm->cfg->name ? vm->cfg->name : "",
		 vm->cfg->name ? ": " : "");
	return buf;
}

static void report_failures(struct vm *vm)
{
	char name[CONFIG_NAME_MAX + 3];
	u32 i;

	for (i = 0; i < vm->nr_vcpus; i++)
		if (vm->vcpus[i].fail[0])
			fprintf(stderr, "squeeze: %s%s",
				name_prefix(vm, name, sizeof(name)),
				vm->vcpus[i].fail);
}

static void report(struct vm *vm, int status)
{
	char name[CONFIG_NAME_MAX + 3];

	report_failures(vm);
	if (!vm->cfg->verbose)
		return;
	pr_info("%sstopped by %s, exit status %d",
		name_prefix(vm, name, sizeof(name)), stop_reason_name(vm),
		status);
	pr_info("unhandled accesses: %llu port I/O, %llu MMIO",
		(unsigned long long)vm->pio.unhandled,
		(unsigned long long)vm->mmio.unhandled);
}

/* The guest stopped in a way whose --on-* action is restart. */
static bool wants_restart(const struct vm *vm)
{
	const struct vm_config *cfg = vm->cfg;

	if (!__atomic_load_n(&vm->stop_claimed, __ATOMIC_ACQUIRE))
		return false;
	switch (vm->stop_reason) {
	case VM_STOP_POWEROFF:
		return cfg->on_poweroff == VM_ACTION_RESTART;
	case VM_STOP_RESET:
		return cfg->on_reboot == VM_ACTION_RESTART;
	case VM_STOP_FAILURE:
		return cfg->on_crash == VM_ACTION_RESTART;
	default:
		return false;
	}
}

/* Run the guest, and again each time its --on-* action says restart. */
static int run_boots(struct vm *vm, int sfd, const struct vm_watch *w,
		     unsigned int nw)
{
	char name[CONFIG_NAME_MAX + 3];
	struct err err = { 0 };
	unsigned int boot = 1;
	int status;

	bool started;

	for (;;) {
		started = !start_vcpus(vm);
		/* Main confined last, then the vCPUs run (vm_confine.c). */
		if (vm_confine_main(vm, started) || !started)
			status = VM_EXIT_FAILED;
		else
			status = main_loop(vm, sfd, w, nw);
		stop_vcpus(vm);
		add_stats(vm);
		if (!wants_restart(vm))
			return status;
		report_failures(vm);
		pr_info("%s%s: restarting the guest (boot %u)",
			name_prefix(vm, name, sizeof(name)),
			stop_reason_name(vm), ++boot);
		if (vm_restart(vm, &err)) {
			pr_err("%s%s", name_prefix(vm, name, sizeof(name)),
			       err.msg);
			return VM_EXIT_FAILED;
		}
	}
}

int vm_run(struct vm *vm)
{
	return vm_run_watch(vm, NULL, 0);
}

int vm_run_watch(struct vm *vm, const struct vm_watch *w, unsigned int nw)
{
	sigset_t set;
	int sfd, status;

	if (nw > VM_MAX_WATCHES)
		return VM_EXIT_FAILED;
	shutdown_signals(&set);
	sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		pr_err("signalfd: %s", strerror(errno));
		return VM_EXIT_FAILED;
	}
	vm->run_ns = clock_ns();
	status = run_boots(vm, sfd, w, nw);
	vm_virtio_stats(vm, vm->stats);
	/* The terminal first, so that the report is readable. */
	console_close(&vm->con);
	report(vm, status);
	close(sfd);
	return status;
}

/* A restart boots the same kernel again: keep its copy then. */
bool vm_may_restart(const struct vm_config *cfg)
{
	return cfg->on_poweroff == VM_ACTION_RESTART ||
	       cfg->on_reboot == VM_ACTION_RESTART ||
	       cfg->on_crash == VM_ACTION_RESTART;
}

int vm_vcpu_regs(struct vm *vm, u32 i, char *buf, size_t len)
{
	if (i >= vm->nr_vcpus)
		return -EINVAL;
	return vcpu_regs(&vm->vcpus[i], buf, len);
}
