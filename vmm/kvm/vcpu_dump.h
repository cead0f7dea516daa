/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_VCPU_DUMP_H
#define SQUEEZE_VCPU_DUMP_H

#include <linux/kvm.h>

#include "vmm/base/types.h"

#define VCPU_DUMP_LEN 2048

/*
 * Format a failed vCPU's state: general registers, RIP/RFLAGS, segment
 * registers, descriptor tables, control registers and EFER, one group a
 * line ("RIP=..." etc.). Pure formatting; the ioctls are in vmm/kvm/vcpu.c.
 */
void vcpu_format_regs(char *buf, size_t len, const struct kvm_regs *r,
		      const struct kvm_sregs *s);

#endif
