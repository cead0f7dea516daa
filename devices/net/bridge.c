// SPDX-License-Identifier: MIT
/*
 * Attaching a tap to a host bridge: a Linux bridge through the bridge
 * ioctls, an Open vSwitch bridge through ovs-vsctl (OVS keeps its ports
 * in its database, so the kernel interface alone would not do).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "devices/net/net_backend.h"
#include "vmm/base/err.h"
#include "vmm/base/log.h"

extern char **environ;

/*
 * The driver behind @ifname ("bridge", "openvswitch", "veth", "tun"...),
 * asked through the ethtool ioctl: unlike /sys/class/net, which shows the
 * namespace sysfs was mounted in, it answers for our own namespace.
 */
static int netif_driver(const char *ifname, char *drv, size_t len)
{
	struct ethtool_drvinfo info = { .cmd = ETHTOOL_GDRVINFO };
	struct ifreq ifr;
	int fd, ret = 0;

	fd = socket(AF_LOCAL, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ifname);
	ifr.ifr_data = (void *)&info;
	if (ioctl(fd, SIOCETHTOOL, &ifr) < 0)
		ret = -errno;
	close(fd);
	snprintf(drv, len, "%s", ret ? "" : info.driver);
	return ret;
}

/* Run ovs-vsctl with @args quietly; its exit status, or -errno. */
static int ovs_vsctl(char *const args[])
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int ret, status;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	ret = posix_spawnp(&pid, "ovs-vsctl", &fa, NULL, args, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (ret)
		return -ret;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -ECHILD;
}

static bool is_ovs_bridge(const char *bridge)
{
	char *args[] = { "ovs-vsctl", "--timeout=5", "br-exists",
			 (char *)bridge, NULL };

	return ovs_vsctl(args) == 0;
}

int bridge_check(const char *bridge, enum bridge_kind *kind, struct err *err)
{
	char drv[32];

	if (strlen(bridge) >= IFNAMSIZ)
		return err_input(err, -EINVAL, "bridge name '%s' is too long",
				 bridge);
	if (!if_nametoindex(bridge))
		return err_input(err, -ENODEV, "no such bridge: %s", bridge);
	netif_driver(bridge, drv, sizeof(drv));
	if (!strcmp(drv, "bridge")) {
		*kind = BRIDGE_LINUX;
		return 0;
	}
	/*
	 * Anything else may still be an OVS bridge: "openvswitch" with the
	 * kernel datapath (so is ovs-system, which is not a bridge), a tap
	 * with the userspace one. OVS itself knows.
	 */
	if (is_ovs_bridge(bridge)) {
		*kind = BRIDGE_OVS;
		return 0;
	}
	return err_input(
		err, -ENOTTY,
		"%s is not a bridge (neither a Linux bridge nor an Open vSwitch bridge)",
		bridge);
}

static int bridge_ioctl(unsigned long req, const char *bridge, const char *port)
{
	struct ifreq ifr;
	int fd, ret = 0;
	unsigned int idx = if_nametoindex(port);

	if (!idx)
		return -errno;
	fd = socket(AF_LOCAL, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", bridge);
	ifr.ifr_ifindex = (int)idx;
	if (ioctl(fd, req, &ifr) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

int bridge_add_port(const char *bridge, enum bridge_kind kind, const char *port,
		    struct err *err)
{
	char *args[] = { "ovs-vsctl",	 "--timeout=5", "add-port",
			 (char *)bridge, (char *)port,	NULL };
	int ret;

	if (kind == BRIDGE_OVS) {
		ret = ovs_vsctl(args);
		if (ret)
			return err_input(err, ret < 0 ? ret : -EIO,
					 "ovs-vsctl add-port %s %s failed",
					 bridge, port);
		return 0;
	}
	ret = bridge_ioctl(SIOCBRADDIF, bridge, port);
	if (ret)
		return err_input(err, ret, "cannot add %s to bridge %s: %s%s",
				 port, bridge, strerror(-ret),
				 netif_cap_hint(ret));
	return 0;
}

int bridge_del_port(const char *bridge, enum bridge_kind kind, const char *port)
{
	char *args[] = { "ovs-vsctl", "--timeout=5",  "--if-exists",
			 "del-port",  (char *)bridge, (char *)port,
			 NULL };
	int ret;

	if (kind == BRIDGE_OVS) {
		ret = ovs_vsctl(args);
		return ret > 0 ? -EIO : ret;
	}
	return bridge_ioctl(SIOCBRDELIF, bridge, port);
}

int netif_set_up(const char *ifname, struct err *err)
{
	struct ifreq ifr;
	int fd, ret = 0;

	fd = socket(AF_LOCAL, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return err_host(err, -errno, "socket: %s", strerror(errno));
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ifname);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) {
		ret = -errno;
	} else if (!(ifr.ifr_flags & IFF_UP)) {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
			ret = -errno;
	}
	close(fd);
	if (ret)
		return err_input(err, ret, "cannot bring %s up: %s%s", ifname,
				 strerror(-ret), netif_cap_hint(ret));
	return 0;
}

const char *netif_cap_hint(int ret)
{
	return ret == -EPERM || ret == -EACCES ? " (CAP_NET_ADMIN is needed)" :
						 "";
}
