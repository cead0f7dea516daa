// SPDX-License-Identifier: MIT
/*
 * The tap backend: /dev/net/tun in IFF_TAP mode with a 12-byte vnet header
 * in front of every frame, so checksum and segmentation offloads pass
 * through between the guest and the host stack untouched.
 *
 * A tap we create is non-persistent: closing the fd deletes it, and with
 * it its bridge port, even if squeeze is killed. A tap that already
 * existed (tap=NAME of a persistent tap) is only attached to and detached.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "devices/net/net_backend.h"
#include "devices/net/port_keeper.h"
#include "vmm/base/err.h"
#include "vmm/base/log.h"

#define TAP_DEFAULT_NAME "sqz%d"

struct tap {
	bool created;	  /* ours: it must go on close */
	bool enslaved;	  /* we added it to bridge[] */
	bool handed_over; /* close() only closes the fd */
	enum bridge_kind kind;
	char bridge[IFNAMSIZ];
};

/*
 * TUNSETIFF with IFF_TUN_EXCL first, which fails with EBUSY when the name
 * exists: that is how we learn whether we created the tap.
 */
static int tap_setiff(int fd, struct ifreq *ifr, bool *created)
{
	ifr->ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR | IFF_TUN_EXCL;
	if (ioctl(fd, TUNSETIFF, ifr) == 0) {
		*created = true;
		return 0;
	}
	if (errno != EBUSY)
		return -errno;
	/* The name exists: attach to it as it is. */
	ifr->ifr_flags &= ~IFF_TUN_EXCL;
	if (ioctl(fd, TUNSETIFF, ifr) == 0)
		return 0;
	return -errno;
}

/* One line naming why TUNSETIFF on @name failed with @ret. */
static int tap_attach_err(int ret, const char *name, struct err *err)
{
	bool pattern = strchr(name, '%');

	if (ret == -EBUSY)
		return err_input(err, ret,
				 "tap %s is busy (another process has it open)",
				 name);
	if (ret == -EINVAL)
		return err_input(err, ret, "%s exists and is not a usable tap",
				 name);
	return err_input(err, ret, "cannot create tap%s%s: %s%s",
			 pattern ? "" : " ", pattern ? "" : name,
			 strerror(-ret), netif_cap_hint(ret));
}

static int tap_attach(struct net_backend *nb, struct tap *t, const char *name,
		      struct err *err)
{
	struct ifreq ifr;
	int ret;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
	ret = tap_setiff(nb->fd, &ifr, &t->created);
	if (ret)
		return tap_attach_err(ret, name, err);
	snprintf(nb->ifname, IFNAMSIZ, "%s", ifr.ifr_name);
	return 0;
}

static int tap_setup(struct net_backend *nb, struct err *err)
{
	int hdr = NET_HDR_LEN;

	if (ioctl(nb->fd, TUNSETVNETHDRSZ, &hdr) < 0)
		return err_host(err, -errno, "%s: TUNSETVNETHDRSZ: %s",
				nb->ifname, strerror(errno));
	/* No offloads until the driver says what it accepts. */
	if (ioctl(nb->fd, TUNSETOFFLOAD, 0UL) < 0)
		return err_host(err, -errno, "%s: TUNSETOFFLOAD: %s",
				nb->ifname, strerror(errno));
	return netif_set_up(nb->ifname, err);
}

/* Close the fd and make sure a tap we created is really gone. */
static void tap_release(struct net_backend *nb, struct tap *t)
{
	/* A tap we created goes with its fd, and its Linux bridge port too. */
	if (t->enslaved && !t->handed_over &&
	    (!t->created || t->kind == BRIDGE_OVS))
		bridge_del_port(t->bridge, t->kind, nb->ifname);
	close(nb->fd);
	nb->fd = -1;
	free(t);
	nb->priv = NULL;
}

bool tap_hand_over_port(struct net_backend *nb, struct port_undo *u)
{
	struct tap *t = nb->priv;

	if (!t || nb->ops != &tap_backend_ops)
		return false;
	t->handed_over = true;
	if (!t->enslaved || (t->created && t->kind == BRIDGE_LINUX))
		return false;
	snprintf(u->bridge, sizeof(u->bridge), "%s", t->bridge);
	snprintf(u->port, sizeof(u->port), "%s", nb->ifname);
	u->kind = t->kind;
	return true;
}

static int tap_open(struct net_backend *nb, const struct net_options *o,
		    struct err *err)
{
	const char *name = o->tap && *o->tap ? o->tap : TAP_DEFAULT_NAME;
	struct tap *t;
	int ret;

	t = calloc(1, sizeof(*t));
	if (!t)
		return err_host(err, -ENOMEM, "out of memory");
	if (o->bridge && *o->bridge) {
		ret = bridge_check(o->bridge, &t->kind, err);
		if (ret)
			goto free_tap;
		snprintf(t->bridge, IFNAMSIZ, "%s", o->bridge);
	}
	nb->fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (nb->fd < 0) {
		/* No permission is the user's to fix, as for the tap itself. */
		ret = err_set(err,
			      *netif_cap_hint(-errno) ? ERR_INPUT : ERR_HOST,
			      -errno, "cannot open /dev/net/tun: %s%s",
			      strerror(errno), netif_cap_hint(-errno));
		goto free_tap;
	}
	nb->priv = t;
	ret = tap_attach(nb, t, name, err);
	if (ret)
		goto release;
	ret = tap_setup(nb, err);
	if (ret)
		goto release;
	if (t->bridge[0]) {
		ret = bridge_add_port(t->bridge, t->kind, nb->ifname, err);
		if (ret)
			goto release;
		t->enslaved = true;
	}
	return 0;
release:
	tap_release(nb, t);
	return ret;
free_tap:
	free(t);
	return ret;
}

static ssize_t tap_send(struct net_backend *nb, const struct iovec *iov, int n)
{
	ssize_t r = writev(nb->fd, iov, n);

	return r < 0 ? -errno : r;
}

static ssize_t tap_recv(struct net_backend *nb, const struct iovec *iov, int n)
{
	ssize_t r = readv(nb->fd, iov, n);

	return r < 0 ? -errno : r;
}

static int tap_set_offload(struct net_backend *nb, unsigned int offloads)
{
	unsigned long f = 0;

	/* Segmentation offloads are only valid with checksum offload. */
	if (offloads & NET_OFFLOAD_CSUM) {
		f |= TUN_F_CSUM;
		if (offloads & NET_OFFLOAD_TSO4)
			f |= TUN_F_TSO4;
		if (offloads & NET_OFFLOAD_TSO6)
			f |= TUN_F_TSO6;
	}
	return ioctl(nb->fd, TUNSETOFFLOAD, f) < 0 ? -errno : 0;
}

static void tap_close(struct net_backend *nb)
{
	if (nb->priv)
		tap_release(nb, nb->priv);
}

const struct net_backend_ops tap_backend_ops = {
	.name = "tap",
	.open = tap_open,
	.send = tap_send,
	.recv = tap_recv,
	.set_offload = tap_set_offload,
	.close = tap_close,
};
