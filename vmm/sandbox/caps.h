/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_CAPS_H
#define SQUEEZE_CAPS_H

#include "vmm/base/err.h"
#include "vmm/base/types.h"

/*
 * Capabilities over squeeze's life (capget/capset). Started by root, squeeze
 * holds them all; right after the command line is parsed it keeps only
 * what building the VM may need, and once the VM is built, before any
 * vCPU runs, it drops every one, the bounding and ambient sets included.
 * Started by an ordinary user (with access to /dev/kvm and, for --net, a
 * tap made for it beforehand) it holds none and nothing changes.
 *
 *   kept for setup  why
 *   CAP_NET_ADMIN   --net: create a tap, bring it up, add it to a bridge
 *   CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
 *                   root may run images and kernels other users own
 *   CAP_SETPCAP     to empty the bounding set at the end
 *
 * Capabilities are per thread, and threads made later inherit the
 * creator's: caps_limit_to_setup() runs while main is the only thread,
 * caps_drop_all() on every thread that exists at confinement.
 */

/* Keep only the setup set above (CAP_NET_ADMIN only if @net). */
int caps_limit_to_setup(bool net, struct err *err);

/* Drop every capability of the calling thread for good. 0 or -errno. */
int caps_drop_all(void);

#endif
