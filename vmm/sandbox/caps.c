// SPDX-License-Identifier: MIT
/*
 * Capabilities: the setup set, then none (see vmm/sandbox/caps.h), with
 * capget/capset and prctl themselves: pid 0 in capset is exactly the
 * calling thread, and no library initialisation opens files behind our
 * back before the command line is even read.
 */
#include <errno.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "vmm/sandbox/caps.h"

#define CAP_BIT(c) (1ULL << (c))

static int caps_get(u64 *eff, u64 *prm)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
		.pid = 0,
	};
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3] = { 0 };

	if (syscall(SYS_capget, &h, d))
		return -errno;
	*eff = d[0].effective | (u64)d[1].effective << 32;
	*prm = d[0].permitted | (u64)d[1].permitted << 32;
	return 0;
}

/* Effective and permitted become @keep of what we have; the rest goes. */
static int caps_set(u64 keep)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
		.pid = 0,
	};
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3] = { 0 };
	u64 eff, prm;
	int cap, ret;

	ret = caps_get(&eff, &prm);
	if (ret)
		return ret;
	/*
	 * The bounding set first, while CAP_SETPCAP may still be effective
	 * (an ordinary user cannot, and need not: under no_new_privs no
	 * execve() gains anything). Then ambient, then the three sets.
	 */
	if (eff & CAP_BIT(CAP_SETPCAP))
		for (cap = 0; prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0; cap++)
			if (!(keep & CAP_BIT(cap)))
				prctl(PR_CAPBSET_DROP, cap, 0, 0, 0);
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	eff &= keep;
	prm &= keep;
	d[0].effective = (u32)eff;
	d[1].effective = (u32)(eff >> 32);
	d[0].permitted = (u32)prm;
	d[1].permitted = (u32)(prm >> 32);
	if (syscall(SYS_capset, &h, d))
		return -errno;
	return 0;
}

int caps_limit_to_setup(bool net, struct err *err)
{
	u64 keep = CAP_BIT(CAP_DAC_OVERRIDE) | CAP_BIT(CAP_DAC_READ_SEARCH) |
		   CAP_BIT(CAP_SETPCAP) | (net ? CAP_BIT(CAP_NET_ADMIN) : 0);
	u64 eff, prm;
	int ret;

	ret = caps_get(&eff, &prm);
	if (!ret && !prm)
		return 0; /* an ordinary user: nothing to drop */
	if (!ret)
		ret = caps_set(keep);
	if (ret)
		return err_host(err, ret, "cannot drop capabilities for setup");
	return 0;
}

int caps_drop_all(void)
{
	return caps_set(0);
}
