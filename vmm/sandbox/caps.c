// SPDX-License-Identifier: MIT
/*
 * Capabilities: the setup set with libcap-ng (one thread then), then none,
 * with capset itself: the drop is made on every thread, and capset's
 * pid 0 is exactly the calling thread (see vmm/sandbox/caps.h).
 */
#include <cap-ng.h>
#include <errno.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "vmm/sandbox/caps.h"

static bool have(unsigned int cap)
{
	return capng_have_capability(CAPNG_EFFECTIVE, cap) ||
	       capng_have_capability(CAPNG_PERMITTED, cap);
}

int caps_limit_to_setup(bool net, struct err *err)
{
	const unsigned int setup[] = {
		CAP_NET_ADMIN, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH,
		CAP_SETPCAP,
	};
	bool keep[4], setpcap;
	unsigned int i;

	if (capng_get_caps_process())
		return err_host(err, -EPERM, "cannot read our capabilities");
	if (capng_have_capabilities(CAPNG_SELECT_CAPS) == CAPNG_NONE)
		return 0;		/* an ordinary user: nothing to drop */
	for (i = 0; i < 4; i++)
		keep[i] = have(setup[i]) && (net || setup[i] != CAP_NET_ADMIN);
	setpcap = capng_have_capability(CAPNG_EFFECTIVE, CAP_SETPCAP);
	capng_clear(CAPNG_SELECT_BOTH);
	for (i = 0; i < 4; i++)
		if (keep[i])
			capng_update(CAPNG_ADD, CAPNG_EFFECTIVE |
				     CAPNG_PERMITTED | CAPNG_BOUNDING_SET,
				     setup[i]);
	/* The bounding set can only shrink with CAP_SETPCAP. */
	if (capng_apply(setpcap ? CAPNG_SELECT_BOTH : CAPNG_SELECT_CAPS))
		return err_host(err, -EPERM,
				"cannot drop capabilities for setup");
	return 0;
}

int caps_drop_all(void)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0,
	};
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3] = { 0 };
	int cap;

	/*
	 * The bounding set first, while CAP_SETPCAP may still be effective
	 * (an ordinary user's fails with EPERM: it cannot gain anything
	 * anyway under no_new_privs). Then ambient, then the three sets;
	 * pid 0 is the calling thread.
	 */
	for (cap = 0; prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0; cap++)
		prctl(PR_CAPBSET_DROP, cap, 0, 0, 0);
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	if (syscall(SYS_capset, &h, d))
		return -errno;
	return 0;
}
