/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_PORT_KEEPER_H
#define SQUEEZE_PORT_KEEPER_H

#include <sys/types.h>

#include "devices/net/net_backend.h"

/*
 * Undoing bridge attachments after squeeze gave up its privileges. Two
 * kinds of port outlive the tap's fd and need CAP_NET_ADMIN (or a spawned
 * ovs-vsctl) to remove at exit: any port on an Open vSwitch bridge (OVS
 * keeps it in its database) and a tap that existed before squeeze, added
 * to a Linux bridge. (A tap squeeze created vanishes with its fd, and with
 * it its Linux bridge port.) Before the VM process drops its capabilities
 * and installs seccomp, it forks a keeper: a small child that closes
 * everything but one pipe, keeps its privileges and waits; when the pipe
 * closes (squeeze exits in any way, SIGKILL included) it removes exactly
 * the ports it was given then, and exits. It takes no input after fork.
 */

#define PORT_KEEPER_MAX 8

struct port_undo {
	char bridge[IFNAMSIZ];
	char port[IFNAMSIZ];
	enum bridge_kind kind;
};

struct port_keeper {
	pid_t pid; /* 0: none running */
	int fd;	   /* write end of the pipe, or -1 */
};

/* Fork the keeper for @n ports (n > 0). 0 or -errno with @err. */
int port_keeper_start(struct port_keeper *k, const struct port_undo *u,
		      unsigned int n, struct err *err);

/* Let it do its work now and wait for it (an orderly exit). */
void port_keeper_finish(struct port_keeper *k);

/*
 * From now on closing the tap @nb only closes its fd (no ioctl, no
 * socket: the process may be confined by then). If that leaves a port
 * that needs privileges to remove, it is described in @u for the keeper
 * and true returned.
 */
bool tap_hand_over_port(struct net_backend *nb, struct port_undo *u);

#endif
