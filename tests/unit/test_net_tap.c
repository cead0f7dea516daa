// SPDX-License-Identifier: MIT
/*
 * The tap backend and bridge attachment against the real kernel, each
 * test in a fresh network namespace of its own (unshare in the forked
 * test process), so nothing touches the host's interfaces.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <linux/capability.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "devices/net/net_backend.h"
#include "virtio/net/net.h"

static void fresh_netns(void)
{
	if (unshare(CLONE_NEWNET))
		cr_skip_test("cannot unshare a network namespace: %s",
			     strerror(errno));
	if (access("/dev/net/tun", R_OK | W_OK))
		cr_skip_test("no /dev/net/tun");
}

static void sh(const char *cmd)
{
	cr_assert_eq(system(cmd), 0, "%s", cmd);
}

/* Through the current namespace (sysfs would show the original one). */
static bool link_exists(const char *name)
{
	return if_nametoindex(name) != 0;
}

/* The bridge that @port is enslaved to, "" if none. */
static void master_of(const char *port, char *out, size_t len)
{
	char cmd[128], line[512], *m;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "ip -o link show dev %s", port);
	p = popen(cmd, "r");
	cr_assert_not_null(p);
	out[0] = 0;
	if (fgets(line, sizeof(line), p)) {
		m = strstr(line, " master ");
		if (m)
			sscanf(m + 8, "%15s", out);
	}
	pclose(p);
	(void)len;
}

static bool link_up(const char *name)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd),
		 "ip -o link show dev %s | grep -q '[<,]UP[,>]'", name);
	return system(cmd) == 0;
}

static int tap_open(struct net_backend *nb, const char *tap, const char *bridge,
		    struct err *err)
{
	struct net_options o = { .tap = tap, .bridge = bridge };

	nb->ops = &tap_backend_ops;
	nb->fd = -1;
	return nb->ops->open(nb, &o, err);
}

Test(net_tap, create_enslave_up_and_remove)
{
	struct net_backend nb;
	struct err err;
	char master[IFNAMSIZ];

	fresh_netns();
	sh("ip link add sqzbr0 type bridge");
	cr_assert_eq(tap_open(&nb, "", "sqzbr0", &err), 0, "%s", err.msg);
	cr_assert_str_eq(nb.ifname, "sqz0", "kernel-picked default name");
	cr_assert(link_exists("sqz0"));
	master_of("sqz0", master, sizeof(master));
	cr_assert_str_eq(master, "sqzbr0");
	cr_assert(link_up("sqz0"), "interface is up");
	cr_assert_eq(
		nb.ops->set_offload(&nb, NET_OFFLOAD_CSUM | NET_OFFLOAD_TSO4),
		0);
	nb.ops->close(&nb);
	cr_assert_not(link_exists("sqz0"), "tap left behind");
	cr_assert(link_exists("sqzbr0"), "the bridge is not ours");
}

Test(net_tap, existing_persistent_tap_is_kept_but_detached)
{
	struct net_backend nb;
	struct err err;
	char master[IFNAMSIZ];

	fresh_netns();
	sh("ip link add sqzbr0 type bridge && ip tuntap add sqzp mode tap");
	cr_assert_eq(tap_open(&nb, "sqzp", "sqzbr0", &err), 0, "%s", err.msg);
	master_of("sqzp", master, sizeof(master));
	cr_assert_str_eq(master, "sqzbr0");
	nb.ops->close(&nb);
	cr_assert(link_exists("sqzp"), "a tap we did not create was deleted");
	master_of("sqzp", master, sizeof(master));
	cr_assert_str_eq(master, "", "bridge port left behind");
}

Test(net_tap, errors_leave_nothing)
{
	struct net_backend a, b;
	struct err err;

	fresh_netns();
	sh("ip link add sqzv0 type veth peer name sqzv1");
	cr_assert_eq(tap_open(&a, "sqzt", "nosuchbr", &err), -ENODEV);
	cr_assert_str_eq(err.msg, "no such bridge: nosuchbr");
	cr_assert_lt(tap_open(&a, "sqzt", "sqzv0", &err), 0);
	cr_assert(strstr(err.msg, "sqzv0 is not a bridge"), "%s", err.msg);
	cr_assert_not(link_exists("sqzt"));
	cr_assert_eq(tap_open(&a, "sqzt", NULL, &err), 0, "%s", err.msg);
	cr_assert_eq(tap_open(&b, "sqzt", NULL, &err), -EBUSY);
	cr_assert(strstr(err.msg, "tap sqzt is busy"), "%s", err.msg);
	a.ops->close(&a);
	cr_assert_not(link_exists("sqzt"));
	cr_assert_lt(tap_open(&a, "sqzv1", NULL, &err), 0);
	cr_assert(strstr(err.msg, "not a usable tap"), "%s", err.msg);
}

Test(net_tap, no_cap_net_admin_says_so)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	struct virtio_net_options c = { .tap = "sqzt" };
	struct err err;

	fresh_netns();
	cr_assert_eq(syscall(SYS_capget, &h, d), 0);
	d[0].effective &= ~(1U << CAP_NET_ADMIN);
	cr_assert_eq(syscall(SYS_capset, &h, d), 0);
	cr_assert_null(virtio_net_create(NULL, &c, 3, &err));
	cr_assert(strstr(err.msg, "net3: cannot create tap sqzt"), "%s",
		  err.msg);
	cr_assert(strstr(err.msg, "CAP_NET_ADMIN is needed"), "%s", err.msg);
	cr_assert_not(link_exists("sqzt"));
}

Test(net_tap, virtio_net_create_and_destroy)
{
	struct virtio_net_options c = { .bridge = "sqzbr0", .tap = "sqzvm" };
	struct guest_mem mem = { 0 };
	struct virtio_net *net;
	struct err err;
	char master[IFNAMSIZ];

	fresh_netns();
	sh("ip link add sqzbr0 type bridge");
	net = virtio_net_create(&mem, &c, 0, &err);
	cr_assert_not_null(net, "%s", err.msg);
	cr_assert_str_eq(virtio_net_ifname(net), "sqzvm");
	master_of("sqzvm", master, sizeof(master));
	cr_assert_str_eq(master, "sqzbr0");
	virtio_net_destroy(net);
	cr_assert_not(link_exists("sqzvm"));
}
