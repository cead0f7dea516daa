/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_TEST_NET_HOST_H
#define SQUEEZE_TEST_NET_HOST_H

#include <sys/types.h>

#include "virtio/net/net_hdr.h"
#include "vmm/base/err.h"
#include "vmm/base/types.h"

/*
 * The host side of the network scenarios: a private network namespace,
 * AF_PACKET sockets on the bridge, a plain tap port (no offloads, so the
 * kernel hands it segmented, checksummed frames), and IPv4/TCP frame
 * building and checking.
 */

#define NET_TEST_ETHERTYPE 0x88b5 /* IEEE 802 local experimental */
#define ETH_HLEN_	   14

/*
 * Move the calling process into a fresh network namespace with IPv6 off
 * (no router solicitations on the bridge) and run @setup there (shell).
 * 0, or -errno with @err set (e.g. not root).
 */
int nh_netns(const char *setup, struct err *err);
int nh_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int nh_ifmac(const char *ifname, u8 mac[6]);

/*
 * AF_PACKET socket bound to @ifname (all protocols), own transmits not
 * looped back, large receive buffer; @vnet_hdr: frames carry a 10-byte
 * virtio_net_hdr (PACKET_VNET_HDR), needed to send or receive GSO.
 */
int nh_packet_open(const char *ifname, bool vnet_hdr, struct err *err);
/* A tap without vnet header attached to @bridge, up. fd or -errno. */
int nh_plain_tap(const char *name, const char *bridge, struct err *err);
/* read() with a timeout: bytes, or -ETIMEDOUT / -errno. */
ssize_t nh_recv(int fd, void *buf, size_t len, int timeout_ms);

/* An Ethernet header; returns ETH_HLEN_. */
size_t nh_eth(u8 *f, const u8 dst[6], const u8 src[6], u16 type);
/*
 * Ethernet + IPv4 + TCP (20 + 20 bytes) around @plen bytes of @payload
 * at @f. With @gso_size the header @h asks for TSO (TCPV4, NEEDS_CSUM,
 * pseudo-header checksum in place), else the checksum is complete and
 * @h is all zeroes. Returns the frame length.
 */
size_t nh_tcp4(u8 *f, const u8 dst[6], const u8 src[6], u32 seq,
	       const void *payload, size_t plen, u16 gso_size,
	       struct net_hdr *h);
/*
 * Check one IPv4/TCP frame: header checksums valid. Returns the payload
 * offset and sets @seq/@plen, or -EINVAL.
 */
int nh_tcp4_check(const u8 *f, size_t len, u32 *seq, size_t *plen);

/* The 10-byte header AF_PACKET uses (PACKET_VNET_HDR). */
void nh_vnet10(const struct net_hdr *h, u8 out[10]);

#endif
