/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_DRV_CONFINE_H
#define SQUEEZE_DRV_CONFINE_H

struct iothread;

/*
 * For the benchmarks: with SQUEEZE_BENCH_SECCOMP=1 in the environment,
 * put the device's I/O thread under squeeze's own I/O-thread seccomp
 * filter (and no_new_privs), as vm_confine() does in a running VM, so
 * that a run measures what the filter costs. 0, or -errno.
 */
int drv_confine_iothread(struct iothread *io);

#endif
