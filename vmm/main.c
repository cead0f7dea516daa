// SPDX-License-Identifier: MIT
/* squeeze: argument dispatch, and the only place that prints and exits. */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vmm/base/err.h"
#include "vmm/base/log.h"
#include "vmm/config/config.h"
#include "vmm/config/domxml.h"
#include "vmm/config/exec_config.h"
#include "vmm/exec/exec.h"
#include "vmm/control/ctl_client.h"
#include "vmm/img/img.h"
#include "vmm/machine/stats.h"
#include "vmm/machine/vm.h"
#include "vmm/sandbox/caps.h"
#include "vmm/sandbox/seccomp.h"

#define SQUEEZE_VERSION "0.1"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: squeeze run --kernel PATH [options]\n"
		"       squeeze run --domain FILE.xml [options, which override the XML]\n"
		"       squeeze exec --kernel PATH [options] -- COMMAND [ARG]...\n"
		"       squeeze restore DIR [restore options]\n"
		"       squeeze ctl PATH status|pause|resume|shutdown|poweroff|stats\n"
		"       squeeze ctl PATH snapshot DIR [--resume]\n"
		"       squeeze domxml-to-argv FILE.xml\n"
		"       squeeze img create|info|check|convert|resize|serve ...\n"
		"       squeeze --help | --version\n"
		"\n"
		"run options:\n"
		"  --kernel PATH        bzImage (boot protocol >= 2.06), ELF vmlinux or PVH ELF\n"
		"  --initrd PATH        initial ramdisk\n"
		"  --cmdline STRING     kernel command line (default \"" DEFAULT_CMDLINE
		"\")\n"
		"  --memory SIZE        guest RAM, bytes or with K/M/G/T (default 256M,\n"
		"                       16M to 1T)\n"
		"  --cpus N             vCPUs (default 1, at most 254 or the host's limit)\n"
		"  --console KIND       stdio (default), none, pty (path printed) or file=PATH\n"
		"  --disk SPEC          PATH[,format=raw|qcow2|vmdk][,readonly=on|off]\n"
		"                       [,serial=ID][,cache=writeback|none][,backing=on|off]\n"
		"                       [,backing-dir=DIR] (a ',' in PATH is ',,'), or\n"
		"                       vhost-user=SOCKET[,readonly=on|off] (repeatable)\n"
		"  --fs SPEC            DIR[,tag=NAME][,readonly=on|off]: share a host\n"
		"                       directory (squeeze runs virtiofsd; the tag defaults\n"
		"                       to DIR's name), or socket=PATH,tag=NAME for a\n"
		"                       vhost-user-fs back-end you started (repeatable)\n"
		"  --net SPEC           bridge=BR[,mac=MAC][,tap=NAME] or tap=NAME[,mac=MAC]\n"
		"                       (repeatable)\n"
		"  --name NAME          the VM's name: in messages, and taps are NAME-0, ...\n"
		"  --on-poweroff ACTION destroy (default: squeeze ends) or restart\n"
		"  --on-reboot ACTION   what a guest reset does: destroy (default) or restart\n"
		"  --on-crash ACTION    what a vCPU failure does: destroy (default) or restart\n"
		"  --domain FILE        a libvirt domain XML file: its options come first\n"
		"  --verbose            say why the VM stopped, unhandled accesses, the\n"
		"                       seccomp filter sizes at the start, and the --stats\n"
		"                       tables\n"
		"  --stats              print at the end: the start-up timeline, exits by\n"
		"                       reason and by device, time in the guest and in\n"
		"                       squeeze per vCPU, requests with latency p50/p99,\n"
		"                       interrupts per vector\n"
		"  --trace[=CLASSES]    one decoded line per VM exit and device event on\n"
		"                       stderr; CLASSES: pio,mmio,pci,virtio,irq,io,vm (all)\n"
		"  --trace-file PATH    the same events as Chrome trace-event JSON (open it in\n"
		"                       Perfetto or chrome://tracing), one track per thread\n"
		"  --seccomp=on|off     seccomp filters on every thread (default on;\n"
		"                       off is for debugging)\n"
		"  --control PATH       serve the control protocol on a unix socket at PATH\n"
		"                       (mode 0600, removed at exit; docs/control.md)\n"
		"\n"
		"restore options (everything else is the snapshot's; docs/snapshot.md):\n"
		"  --disk PATH[,format=raw|qcow2][,backing-dir=DIR]\n"
		"                       the i-th disk: the snapshot's file, or a qcow2\n"
		"                       overlay backed by it (repeatable, in order)\n"
		"  --net SPEC           the i-th network device's host side (and mac=);\n"
		"                       without mac= a clone gets a fresh random MAC\n"
		"  --console, --control, --name, --stats, --verbose as for run\n"
		"  --paused             keep the vCPUs paused until squeeze ctl PATH resume\n"
		"\n"
		"SQUEEZE_VIRTIOFSD=PATH picks the virtiofsd program for --fs DIR.\n"
		"\n"
		"On the stdio console, Ctrl-A x quits (exit status 0) and Ctrl-A Ctrl-A\n"
		"sends a Ctrl-A to the guest.\n"
		"\n"
		"domxml-to-argv prints the `squeeze run` command line a domain XML file\n"
		"stands for, and what it ignores to stderr (docs/domain-xml.md).\n"
		"\n"
		"ctl sends one request to a squeeze started with --control and prints the\n"
		"reply's result as JSON; snapshot writes DIR (new or empty) and leaves the\n"
		"VM paused unless --resume.\n"
		"\n"
		"Exit status: 0 when the guest powers off or resets, on Ctrl-A x or\n"
		"squeeze ctl poweroff;\n"
		"(V << 1) | 1 when the guest writes V to port 0xf4; 1 when the VM fails\n"
		"(the reason and the registers go to stderr); 2 for bad usage or unusable\n"
		"input (nothing is created then); 128 + N on signal N (SIGINT 130,\n"
		"SIGTERM 143, SIGHUP 129), after an orderly shutdown.\n");
}

/* One line for a failure before the VM ran; its class picks the status. */
static int report(const struct err *err, int ret)
{
	if (err_is_set(err))
		pr_err("%s", err->msg);
	else
		pr_err("%s", strerror(-ret));
	return err_exit_status(err);
}

static void print_warnings(const struct domxml *dx)
{
	unsigned int i;

	for (i = 0; dx && i < dx->nr_warn; i++)
		pr_warn("%s", dx->warn[i]);
}

static bool starts_virtiofsd(const struct vm_config *cfg)
{
	unsigned int i;

	for (i = 0; i < cfg->nr_fs; i++)
		if (cfg->fs[i].dir)
			return true;
	return false;
}

static int cmd_run(int argc, char **argv, struct vm_stats *stats)
{
	struct vm_config cfg;
	struct err err = { 0 };
	struct vm *vm;
	int ret;

	ret = config_parse(&cfg, argc, argv, &err);
	cfg.virtiofsd = getenv("SQUEEZE_VIRTIOFSD");
	stats_lap(stats, STEP_CONFIG);
	if (ret == CONFIG_HELP) {
		usage(stdout);
		config_free(&cfg);
		return 0;
	}
	/*
	 * Root keeps only what building the VM needs (vmm/sandbox/caps.h);
	 * all of it while squeeze starts virtiofsd (--fs DIR), whose own
	 * sandbox needs CAP_SYS_ADMIN and more. All go in vm_confine().
	 */
	if (!ret && !starts_virtiofsd(&cfg))
		ret = caps_limit_to_setup(cfg.nr_nets > 0, &err);
	if (!ret) {
		print_warnings(cfg.domain);
		vm_block_signals();
		ret = vm_create(&vm, &cfg, stats, &err);
	}
	if (ret) {
		ret = report(&err, ret);
		config_free(&cfg);
		return ret;
	}
	ret = vm_run(vm);
	vm_destroy(vm);
	stats_lap(stats, STEP_EXIT);
	if (cfg.stats || cfg.verbose)
		stats_print(stats, stderr);
	config_free(&cfg);
	return ret;
}

static void exec_usage(FILE *f)
{
	fprintf(f,
		"usage: squeeze exec --kernel PATH [--memory SIZE] [--cpus N] [--disk SPEC]...\n"
		"                    [--net SPEC]... [--fs SPEC]... [--root host|DIR]\n"
		"                    [--name NAME] [--modules DIR] [--timeout SECONDS]\n"
		"                    [--env NAME=VALUE]... [--cwd DIR] [--verbose] [--stats]\n"
		"                    -- COMMAND [ARG]...\n"
		"\n"
		"Boots the kernel with an initramfs made in memory and runs COMMAND in the\n"
		"guest; its stdin, stdout and stderr are squeeze's. The root is the host's /\n"
		"(--root host) or DIR, read-only over virtio-fs under a tmpfs overlay; the\n"
		"current directory is shared read-write at its path (unless --cwd), and each\n"
		"--fs DIR at its own. --modules DIR holds modules.dep for the kernel (default\n"
		"/lib/modules/RELEASE, RELEASE read from the image). PATH, HOME, TERM and LANG\n"
		"are passed; --env adds or replaces. --verbose shows the kernel's console.\n"
		"\n"
		"Exit status: the command's own (0-255); 128+N when signal N killed it;\n"
		"126 not executable; 127 not found; 124 on --timeout (after a post-mortem:\n"
		"the vCPUs' registers and the last kernel console lines); 125 when squeeze\n"
		"or the guest kernel failed (bad usage, a VM failure, a kernel panic or a\n"
		"guest that stopped without a status), with one line saying which.\n");
}

static int cmd_exec(int argc, char **argv, struct vm_stats *stats)
{
	struct exec_config cfg;
	struct err err = { 0 };
	int ret;

	ret = exec_config_parse(&cfg, argc, argv, &err);
	stats_lap(stats, STEP_CONFIG);
	if (ret == CONFIG_HELP) {
		exec_usage(stdout);
		exec_config_free(&cfg);
		return 0;
	}
	if (ret) {
		report(&err, ret);
		exec_config_free(&cfg);
		return 125; /* exec's own failures, as docker run's */
	}
	cfg.vm.virtiofsd = getenv("SQUEEZE_VIRTIOFSD");
	ret = exec_run(&cfg, stats);
	exec_config_free(&cfg);
	return ret;
}

/* The snapshot's state file and machine description, checked. */
static int open_snapshot(const char *dir, struct snap_reader *snap,
			 struct snap_machine *m, struct err *err)
{
	const void *json;
	u64 size;
	int ret;

	ret = snap_read(snap, dir, err);
	if (ret)
		return ret;
	json = snap_find(snap, SNAP_MACHINE, 0, &size);
	if (!json)
		return err_input(err, -EINVAL,
				 "snapshot %s: no machine description", dir);
	ret = snap_machine_parse(m, json, size, err);
	if (ret)
		err_prefix(err, "snapshot %s", dir);
	return ret;
}

static int run_restored(const struct vm_config *cfg,
			const struct vm_snapshot_in *in, struct vm_stats *stats)
{
	struct err err = { 0 };
	struct vm *vm;
	int ret;

	vm_block_signals();
	ret = vm_restore(&vm, cfg, in, stats, &err);
	if (ret)
		return report(&err, ret);
	ret = vm_run(vm);
	vm_destroy(vm);
	stats_lap(stats, STEP_EXIT);
	if (cfg->stats)
		stats_print(stats, stderr);
	return ret;
}

static int cmd_restore(int argc, char **argv, struct vm_stats *stats)
{
	struct vm_config over, cfg;
	struct snap_reader snap = { 0 };
	struct vm_snapshot_in in;
	struct snap_machine *m = calloc(1, sizeof(*m));
	struct err err = { 0 };
	const char *dir;
	int ret;

	if (!m)
		return report(&err, -ENOMEM);
	ret = config_parse_restore(&over, &dir, argc, argv, &err);
	stats_lap(stats, STEP_CONFIG);
	if (ret == CONFIG_HELP) {
		usage(stdout);
		free(m);
		return 0;
	}
	if (!ret)
		ret = open_snapshot(dir, &snap, m, &err);
	if (!ret)
		ret = snap_machine_config(m, &over, &cfg, &err);
	stats_lap(stats, STEP_SNAPSHOT_FILE);
	if (ret) {
		ret = report(&err, ret);
	} else {
		in = (struct vm_snapshot_in){ dir, &snap, m };
		ret = run_restored(&cfg, &in, stats);
	}
	snap_reader_free(&snap);
	free(m);
	return ret;
}

/* The run options a domain XML stands for, checked as `run` would. */
static int cmd_domxml_to_argv(int argc, char **argv)
{
	struct vm_config cfg;
	struct err err = { 0 };
	int ret;

	if (argc != 1 || argv[0][0] == '-') {
		pr_err("usage: squeeze domxml-to-argv FILE.xml");
		return 2;
	}
	ret = config_parse(&cfg, 2, (char *[]){ "--domain", argv[0], NULL },
			   &err);
	if (ret) {
		ret = report(&err, ret);
		config_free(&cfg);
		return ret;
	}
	print_warnings(cfg.domain);
	printf("%s\n", cfg.domain->command_line);
	config_free(&cfg);
	return 0;
}

/*
 * The terminal's mode as squeeze found it, for the one way out of a
 * running VM that squeeze can still tidy up but that does not pass
 * through console_close(): a forbidden system call, which ends squeeze
 * from inside whichever thread made it (SIGSYS). Without this the shell
 * would be left in the console's raw mode. Kept as the kernel's own
 * struct termios (36 bytes; <termios.h>'s is glibc's, converted by
 * tcsetattr() in ways a seccomp filter would have to follow), so that the
 * handler makes exactly one call, ioctl(0, TCSETS), which every thread's
 * filter allows.
 */
static unsigned char tty_mode[64];
static bool tty_saved;

static void sigsys_restore_tty(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	if (tty_saved)
		ioctl(STDIN_FILENO, TCSETS, tty_mode);
	sandbox_report(si);
}

/*
 * Only a foreground job's terminal is ever made raw (console.c). TCGETS
 * fails on anything but a terminal, so it is isatty() as well.
 */
static void save_tty_mode(void)
{
	struct err err;

	if (ioctl(STDIN_FILENO, TCGETS, tty_mode) ||
	    tcgetpgrp(STDIN_FILENO) != getpgrp())
		return;
	tty_saved = !sandbox_report_install(sigsys_restore_tty, &err);
}

int main(int argc, char **argv)
{
	/*
	 * 17 KiB, mostly tables that only --stats and --verbose fill: static,
	 * so that the pages they never touch stay out of the resident set
	 * rather than spreading main's stack frame over them.
	 */
	static struct vm_stats stats;

	stats_start(&stats);
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("squeeze %s\n", SQUEEZE_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "run") || !strcmp(argv[1], "exec") ||
	    !strcmp(argv[1], "restore"))
		save_tty_mode();
	if (!strcmp(argv[1], "run"))
		return cmd_run(argc - 2, argv + 2, &stats);
	if (!strcmp(argv[1], "exec"))
		return cmd_exec(argc - 2, argv + 2, &stats);
	if (!strcmp(argv[1], "domxml-to-argv"))
		return cmd_domxml_to_argv(argc - 2, argv + 2);
	if (!strcmp(argv[1], "img"))
		return img_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "restore"))
		return cmd_restore(argc - 2, argv + 2, &stats);
	if (!strcmp(argv[1], "ctl"))
		return ctl_main(argc - 1, argv + 1);
	pr_err("unknown command '%s' (try squeeze --help)", argv[1]);
	return 2;
}
