// SPDX-License-Identifier: MIT
/* Capabilities: the setup set, then none (see vmm/sandbox/caps.h). */
#include <cap-ng.h>
#include <errno.h>
#include <linux/capability.h>

#include "vmm/sandbox/caps.h"

/* Keep @cap if we have it now. */
static void keep(unsigned int cap)
{
	if (capng_have_capability(CAPNG_EFFECTIVE, cap) ||
	    capng_have_capability(CAPNG_PERMITTED, cap))
		capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED |
			     CAPNG_BOUNDING_SET, cap);
}

int caps_limit_to_setup(bool net, struct err *err)
{
	bool setpcap;

	if (capng_get_caps_process())
		return err_host(err, -EPERM, "cannot read our capabilities");
	if (capng_have_capabilities(CAPNG_SELECT_CAPS) == CAPNG_NONE)
		return 0;		/* an ordinary user: nothing to drop */
	setpcap = capng_have_capability(CAPNG_EFFECTIVE, CAP_SETPCAP);
	capng_clear(CAPNG_SELECT_BOTH);
	if (net)
		keep(CAP_NET_ADMIN);
	keep(CAP_DAC_OVERRIDE);
	keep(CAP_DAC_READ_SEARCH);
	keep(CAP_SETPCAP);
	/* The bounding set can only shrink with CAP_SETPCAP. */
	if (capng_apply(setpcap ? CAPNG_SELECT_BOTH : CAPNG_SELECT_CAPS))
		return err_host(err, -EPERM,
				"cannot drop capabilities for setup");
	return 0;
}

int caps_drop_all(struct err *err)
{
	bool setpcap;

	if (capng_get_caps_process())
		return err_host(err, -EPERM, "cannot read our capabilities");
	if (capng_have_capabilities(CAPNG_SELECT_CAPS) == CAPNG_NONE)
		return 0;
	setpcap = capng_have_capability(CAPNG_EFFECTIVE, CAP_SETPCAP);
	capng_clear(CAPNG_SELECT_ALL);
	if (capng_apply(setpcap ? CAPNG_SELECT_ALL : CAPNG_SELECT_CAPS))
		return err_host(err, -EPERM, "cannot drop capabilities");
	return 0;
}
