// SPDX-License-Identifier: MIT
/*
 * The host side of the network scenarios: namespaces, AF_PACKET
 * sockets, a plain tap, and building and checking Ethernet/IPv4/TCP frames.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/driver/lib/net_host.h"
#include "vmm/base/err.h"
#include "vmm/base/log.h"

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

int nh_sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd) == 0 ? 0 : -EIO;
}

int nh_netns(const char *setup, struct err *err)
{
	if (unshare(CLONE_NEWNET))
		return err_input(err, -errno,
				 "cannot make a network namespace: %s",
				 strerror(errno));
	/* net sysctls belong to the namespace of the writer. */
	write_file("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1");
	write_file("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");
	if (setup && nh_sh("%s", setup))
		return err_input(err, -EIO, "setup failed: %s", setup);
	return 0;
}

int nh_ifmac(const char *ifname, u8 mac[6])
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), ret = 0;

	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ifname);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0)
		ret = -errno;
	else
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	close(fd);
	return ret;
}

int nh_packet_open(const char *ifname, bool vnet_hdr, struct err *err)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET,
				   .sll_protocol = htons(ETH_P_ALL) };
	int fd, one = 1, buf = 64 << 20;

	sll.sll_ifindex = (int)if_nametoindex(ifname);
	if (!sll.sll_ifindex)
		return err_input(err, -ENODEV, "no interface %s", ifname);
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
	if (fd < 0)
		return err_input(err, -errno, "AF_PACKET: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof(buf));
	setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one));
	if ((vnet_hdr &&
	     setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one))) ||
	    bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		err_input(err, -errno, "AF_PACKET on %s: %s", ifname,
			  strerror(errno));
		close(fd);
		return -EIO;
	}
	return fd;
}

int nh_plain_tap(const char *name, const char *bridge, struct err *err)
{
	struct ifreq ifr = { 0 };
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return err_input(err, -errno, "/dev/net/tun: %s",
				 strerror(errno));
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	if (ioctl(fd, TUNSETIFF, &ifr) < 0 ||
	    nh_sh("ip link set %s master %s up", name, bridge)) {
		err_input(err, -EIO, "peer tap %s failed", name);
		close(fd);
		return -EIO;
	}
	return fd;
}

ssize_t nh_recv(int fd, void *buf, size_t len, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t n;
	int r = poll(&p, 1, timeout_ms);

	if (r < 0)
		return -errno;
	if (r == 0)
		return -ETIMEDOUT;
	n = read(fd, buf, len);
	return n < 0 ? -errno : n;
}

size_t nh_eth(u8 *f, const u8 dst[6], const u8 src[6], u16 type)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	f[12] = type >> 8;
	f[13] = type & 0xff;
	return ETH_HLEN_;
}

static u32 csum_add(u32 sum, const u8 *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (u32)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (u32)p[len - 1] << 8;
	return sum;
}

static u16 csum_fold(u32 sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (u16)sum;
}

static u32 pseudo4(const u8 *ip, size_t tcp_len)
{
	u32 sum = csum_add(0, ip + 12, 8);

	return sum + 6 + (u32)tcp_len;
}

static void put16(u8 *p, u16 v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

size_t nh_tcp4(u8 *f, const u8 dst[6], const u8 src[6], u32 seq,
	       const void *payload, size_t plen, u16 gso_size,
	       struct net_hdr *h)
{
	u8 *ip = f + ETH_HLEN_, *tcp = ip + 20;
	size_t tcp_len = 20 + plen;
	static const u8 addrs[8] = { 10, 99, 0, 2, 10, 99, 0, 1 };

	nh_eth(f, dst, src, ETH_P_IP);
	memset(ip, 0, 40);
	ip[0] = 0x45;
	put16(ip + 2, (u16)(20 + tcp_len));
	ip[6] = 0x40; /* DF */
	ip[8] = 64;
	ip[9] = 6; /* TCP */
	memcpy(ip + 12, addrs, 8);
	put16(ip + 10, (u16)~csum_fold(csum_add(0, ip, 20)));
	put16(tcp, 40000);
	put16(tcp + 2, 5001);
	tcp[4] = seq >> 24;
	tcp[5] = seq >> 16;
	tcp[6] = seq >> 8;
	tcp[7] = seq;
	tcp[12] = 5 << 4;
	tcp[13] = 0x18; /* PSH, ACK */
	put16(tcp + 14, 65535);
	memcpy(tcp + 20, payload, plen);
	memset(h, 0, sizeof(*h));
	if (gso_size) {
		/* Partial checksum: the device finishes it per segment. */
		put16(tcp + 16, csum_fold(pseudo4(ip, tcp_len)));
		h->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
		h->gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
		h->gso_size = gso_size;
		h->hdr_len = ETH_HLEN_ + 40;
		h->csum_start = ETH_HLEN_ + 20;
		h->csum_offset = 16;
	} else {
		put16(tcp + 16, (u16)~csum_fold(csum_add(pseudo4(ip, tcp_len),
							 tcp, tcp_len)));
	}
	return ETH_HLEN_ + 20 + tcp_len;
}

int nh_tcp4_check(const u8 *f, size_t len, u32 *seq, size_t *plen)
{
	const u8 *ip = f + ETH_HLEN_, *tcp;
	size_t ihl, tot, tcp_len;

	if (len < ETH_HLEN_ + 40 || f[12] != 0x08 || f[13] != 0x00 ||
	    (ip[0] >> 4) != 4 || ip[9] != 6)
		return -EINVAL;
	ihl = (ip[0] & 15) * 4u;
	tot = (size_t)ip[2] << 8 | ip[3];
	if (ihl < 20 || tot < ihl + 20 || ETH_HLEN_ + tot > len)
		return -EINVAL;
	if (csum_fold(csum_add(0, ip, ihl)) != 0xffff)
		return -EINVAL;
	tcp = ip + ihl;
	tcp_len = tot - ihl;
	if (csum_fold(csum_add(pseudo4(ip, tcp_len), tcp, tcp_len)) != 0xffff)
		return -EINVAL;
	*seq = (u32)tcp[4] << 24 | tcp[5] << 16 | tcp[6] << 8 | tcp[7];
	*plen = tcp_len - (tcp[12] >> 4) * 4u;
	return (int)(ETH_HLEN_ + ihl + (tcp[12] >> 4) * 4u);
}

void nh_vnet10(const struct net_hdr *h, u8 out[10])
{
	u8 w[NET_HDR_LEN];

	net_hdr_store(h, w);
	memcpy(out, w, 10);
}
