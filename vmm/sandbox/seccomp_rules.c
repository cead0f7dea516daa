// SPDX-License-Identifier: MIT
/*
 * What each thread class may do once the VM runs (vmm/sandbox/seccomp.h).
 * Every entry is here because a thread of that class makes the call after
 * setup; files, sockets, processes and new mappings of code are none of
 * theirs. mmap and mprotect are allowed without PROT_EXEC only.
 */
#include <linux/fs.h>
#include <linux/if_tun.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <termios.h>

#include "vmm/sandbox/seccomp.h"

/*
 * Every thread: memory, futexes, time, stderr, exiting, the SIGSYS report
 * (which puts the terminal's mode back first: ioctl(0, TCSETS), a rule of
 * its own in seccomp.c, see main.c).
 */
static const int common_calls[] = {
	SYS_brk,
	SYS_mmap,
	SYS_mprotect,
	SYS_munmap,
	SYS_mremap,
	SYS_madvise,
	SYS_futex,
	SYS_clock_gettime,
	SYS_clock_nanosleep,
	SYS_nanosleep,
	SYS_sched_yield,
	SYS_gettid,
	SYS_getpid,
	SYS_rt_sigreturn,
	SYS_rt_sigprocmask,
	SYS_restart_syscall,
	SYS_write,
	SYS_prctl /* PR_GET_NAME only */,
	SYS_exit,
	SYS_exit_group,
	-1,
};

static const unsigned long no_ioctls[] = { 0 };

const struct sandbox_rules sandbox_common = {
	.name = "common",
	.syscalls = common_calls,
	.ioctls = no_ioctls,
};

/*
 * The main thread: waits for a stop (poll on the stop eventfd, the
 * signalfd, the console), reads console input into the 16550A (which may
 * raise its interrupt), restores the terminal,
 * kicks and joins the vCPUs, and tears down: closes fds, flushes qcow2
 * metadata, drains io_uring, waits for the port keeper and stops the
 * virtiofsd it started (kill(), allowed for their process groups only:
 * seccomp.c adds those rules). It also runs the control socket's requests:
 * pause and resume kick and wait for the vCPUs; a snapshot reads the parked
 * vCPUs' and the VM's state and writes DIR: creates it and two files in it
 * (openat, also /proc/self/pagemap read-only), writes, syncs, renames
 * them, and removes what it made when it fails; realpath() of the disks.
 */
static const int main_calls[] = {
	SYS_poll,
	SYS_ppoll,
	SYS_read,
	SYS_close,
	SYS_ioctl,
	SYS_tgkill,
	SYS_wait4,
	SYS_newfstatat,
	SYS_fstat,
	SYS_lseek,
	SYS_pread64,
	SYS_pwrite64,
	SYS_preadv,
	SYS_pwritev,
	SYS_fdatasync,
	SYS_fsync,
	SYS_ftruncate,
	SYS_io_uring_enter,
	SYS_epoll_ctl,
	SYS_eventfd2,
	/* snapshots */
	SYS_openat,
	SYS_mkdir,
	SYS_mkdirat,
	SYS_renameat,
	SYS_renameat2,
	SYS_unlinkat,
	SYS_rmdir,
	SYS_readlink,
	SYS_readlinkat,
	SYS_getcwd,
	/* teardown: the control socket's file */
	SYS_unlink,
	-1,
};

static const unsigned long main_ioctls[] = {
	TCGETS,
	TCSETS,
	TCSETSW,
	TCSETSF,
	TIOCGPGRP,
	/* Console input raises the 16550A's interrupt line. */
	KVM_IRQ_LINE,
	KVM_IRQ_LINE_STATUS,
	KVM_SIGNAL_MSI,
	/* Teardown: doorbells and interrupts detached from the VM. */
	KVM_IOEVENTFD,
	KVM_IRQFD,
	KVM_SET_GSI_ROUTING,
	/*
	 * The paused vCPUs' state: their registers for squeeze exec's
	 * post-mortem; all of it, and the VM's clock, for a snapshot.
	 */
	KVM_GET_CPUID2,
	KVM_GET_REGS,
	KVM_GET_SREGS,
	KVM_GET_MSRS,
	KVM_GET_XSAVE,
	KVM_GET_XSAVE2,
	KVM_GET_XCRS,
	KVM_GET_LAPIC,
	KVM_GET_VCPU_EVENTS,
	KVM_GET_DEBUGREGS,
	KVM_GET_MP_STATE,
	KVM_GET_CLOCK,
	KVM_CHECK_EXTENSION,
	KVM_GET_MSR_INDEX_LIST,
	0,
};

/*
 * A vCPU: KVM_RUN and its exits. Device registers may route MSIs,
 * attach irqfds and ioeventfds, drive IOAPIC lines, set tap offloads
 * (virtio-net activation), and call into I/O threads (an eventfd write,
 * then a wait). A failing vCPU reads its registers for the report.
 */
static const int vcpu_calls[] = {
	SYS_ioctl,
	SYS_read,
	SYS_poll,
	SYS_ppoll,
	/* The IOAPIC makes (or drops) a pin's irqfd when it is programmed. */
	SYS_eventfd2,
	SYS_close,
	-1,
};

static const unsigned long vcpu_ioctls[] = {
	KVM_RUN,
	KVM_GET_REGS,
	KVM_GET_SREGS,
	KVM_IRQ_LINE,
	KVM_IRQ_LINE_STATUS,
	KVM_SET_GSI_ROUTING,
	KVM_IRQFD,
	KVM_IOEVENTFD,
	KVM_SIGNAL_MSI,
	TUNSETOFFLOAD,
	0,
};

/*
 * An I/O thread: its epoll set, eventfds, the tap (readv/writev), disk
 * I/O (io_uring, or the synchronous fallback), flushes, discard and
 * write-zeroes, qcow2 growing its file; virtio-console's (squeeze exec)
 * reads and writes of the host's stdio pipes.
 */
static const int io_calls[] = {
	SYS_epoll_wait,	    SYS_epoll_pwait, SYS_epoll_ctl,
	SYS_read,	    SYS_readv,	     SYS_writev,
	SYS_pread64,	    SYS_pwrite64,    SYS_preadv,
	SYS_pwritev,	    SYS_preadv2,     SYS_pwritev2,
	SYS_io_uring_enter, SYS_fdatasync,   SYS_fsync,
	SYS_fallocate,	    SYS_ftruncate,   SYS_ioctl,
	SYS_poll,	    SYS_ppoll,	     -1,
};

static const unsigned long io_ioctls[] = {
	BLKDISCARD,
	BLKZEROOUT,
	TUNSETOFFLOAD,
	0,
};

/*
 * A vhost-user device's thread: its epoll set and eventfds, and the
 * exchanges with the back-end on the connection's socket at activation
 * and reset (messages with fds: the guest RAM memfd, queue eventfds),
 * shutting it down when the back-end goes.
 */
static const int vhost_calls[] = {
	SYS_epoll_wait,
	SYS_epoll_pwait,
	SYS_epoll_ctl,
	SYS_read,
	SYS_sendmsg,
	SYS_recvmsg,
	SYS_shutdown,
	SYS_close,
	SYS_poll,
	SYS_ppoll,
	-1,
};

/*
 * A thread of the NBD server (`squeeze img serve`): its epoll set, taking
 * clients from the listening socket (or its inbox pipe) and serving them
 * (recv, sendmsg, TCP_NODELAY and buffer sizes on accepted sockets),
 * disk I/O as an I/O thread does it plus holes (lseek) and the final
 * flush (poll), the stop eventfd, the signalfd, and at the stop removing
 * its unix socket file and joining the other threads.
 */
static const int nbd_calls[] = {
	SYS_epoll_wait, SYS_epoll_pwait,
	SYS_epoll_ctl,	SYS_accept4,
	SYS_recvfrom,	SYS_sendmsg,
	SYS_setsockopt, SYS_read,
	SYS_close,	SYS_pread64,
	SYS_pwrite64,	SYS_preadv,
	SYS_pwritev,	SYS_preadv2,
	SYS_pwritev2,	SYS_io_uring_enter,
	SYS_fdatasync,	SYS_fsync,
	SYS_fallocate,	SYS_ftruncate,
	SYS_lseek,	SYS_ioctl,
	SYS_poll,	SYS_ppoll,
	SYS_unlink,	-1,
};

/*
 * The control socket's thread: accepts clients, reads their lines, parses
 * them and writes the replies (send on the socket, MSG_DONTWAIT |
 * MSG_NOSIGNAL); it hands requests to the main thread through two
 * eventfds. No files, no ioctls (but the SIGSYS report's TCSETS on stdin,
 * as every thread): what a client sends reaches nothing else.
 */
static const int control_calls[] = {
	SYS_epoll_wait, SYS_epoll_pwait, SYS_epoll_ctl, SYS_accept4,
	SYS_read,	SYS_sendto,	 SYS_close,	-1,
};

const struct sandbox_rules sandbox_class_rules[SANDBOX_NR] = {
	[SANDBOX_MAIN] = { "main", main_calls, main_ioctls },
	[SANDBOX_VCPU] = { "vcpu", vcpu_calls, vcpu_ioctls },
	[SANDBOX_IO] = { "io", io_calls, io_ioctls },
	[SANDBOX_VHOST] = { "vhost", vhost_calls, no_ioctls },
	[SANDBOX_NBD] = { "nbd", nbd_calls, io_ioctls },
	[SANDBOX_CONTROL] = { "control", control_calls, no_ioctls },
};
