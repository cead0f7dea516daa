/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_VIRTIO_NET_HDR_H
#define SQUEEZE_VIRTIO_NET_HDR_H

#include "devices/net/net_backend.h"
#include "vmm/base/types.h"

/*
 * The per-frame header, virtio 1.2 section 5.1.6 (struct virtio_net_hdr
 * with num_buffers: always NET_HDR_LEN, 12 bytes, since we require
 * VERSION_1), and the rules for passing it between the guest and the tap,
 * whose vnet header has the same layout. Parsing only; no I/O here.
 */

/* Feature bits, section 5.1.3. */
#define VIRTIO_NET_F_CSUM	0
#define VIRTIO_NET_F_GUEST_CSUM 1
#define VIRTIO_NET_F_MAC	5
#define VIRTIO_NET_F_GUEST_TSO4 7
#define VIRTIO_NET_F_GUEST_TSO6 8
#define VIRTIO_NET_F_GUEST_ECN	9
#define VIRTIO_NET_F_GUEST_UFO	10
#define VIRTIO_NET_F_HOST_TSO4	11
#define VIRTIO_NET_F_HOST_TSO6	12
#define VIRTIO_NET_F_HOST_ECN	13
#define VIRTIO_NET_F_HOST_UFO	14
#define VIRTIO_NET_F_MRG_RXBUF	15
#define VIRTIO_NET_F_STATUS	16

#define VIRTIO_NET_S_LINK_UP 1

#define VIRTIO_NET_HDR_F_NEEDS_CSUM 1
#define VIRTIO_NET_HDR_F_DATA_VALID 2

#define VIRTIO_NET_HDR_GSO_NONE	 0
#define VIRTIO_NET_HDR_GSO_TCPV4 1
#define VIRTIO_NET_HDR_GSO_UDP	 3
#define VIRTIO_NET_HDR_GSO_TCPV6 4
#define VIRTIO_NET_HDR_GSO_ECN	 0x80

/* Largest frame (without header) a transmit chain may carry. */
#define NET_MAX_FRAME (64 * 1024)
/* Largest frame the tap can hand us: 64 KiB of IP plus Ethernet + VLAN. */
#define NET_MAX_RX_FRAME (64 * 1024 + 18)

/* In CPU byte order; net_hdr_load/store convert from/to little-endian. */
struct net_hdr {
	u8 flags;
	u8 gso_type;
	u16 hdr_len;
	u16 gso_size;
	u16 csum_start;
	u16 csum_offset;
	u16 num_buffers;
};

void net_hdr_load(struct net_hdr *h, const void *wire);
void net_hdr_store(const struct net_hdr *h, void *wire);

/*
 * Guest transmit header -> tap header for a frame of @frame_len bytes.
 * Rejects (-EINVAL) what the driver may not send with the features it
 * acked (@features): checksum offload without CSUM, TSO without HOST_TSO4/6,
 * ECN or UFO (never offered), a checksum position outside the frame, GSO
 * with a zero segment size.
 */
int net_hdr_tx(const struct net_hdr *guest, u64 features, u64 frame_len,
	       struct net_hdr *tap);

/*
 * Tap receive header -> guest header. -EINVAL when the frame needs an
 * offload the guest did not accept (the frame is then dropped).
 */
int net_hdr_rx(const struct net_hdr *tap, u64 features, u16 num_buffers,
	       struct net_hdr *guest);

/* NET_OFFLOAD_* for the backend, from what the driver acked. */
unsigned int net_rx_offloads(u64 features);

#endif
