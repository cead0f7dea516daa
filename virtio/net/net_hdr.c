// SPDX-License-Identifier: MIT
/*
 * The virtio-net per-frame header: loading and storing it, and checking
 * what a guest or the tap put in it before it is passed on.
 */
#include <endian.h>
#include <errno.h>
#include <string.h>

#include "virtio/net/net_hdr.h"

static bool has(u64 features, unsigned int bit)
{
	return features & (1ULL << bit);
}

void net_hdr_load(struct net_hdr *h, const void *wire)
{
	const u8 *p = wire;
	u16 v[5];

	h->flags = p[0];
	h->gso_type = p[1];
	memcpy(v, p + 2, sizeof(v));
	h->hdr_len = le16toh(v[0]);
	h->gso_size = le16toh(v[1]);
	h->csum_start = le16toh(v[2]);
	h->csum_offset = le16toh(v[3]);
	h->num_buffers = le16toh(v[4]);
}

void net_hdr_store(const struct net_hdr *h, void *wire)
{
	u8 *p = wire;
	u16 v[5] = {
		htole16(h->hdr_len),	 htole16(h->gso_size),
		htole16(h->csum_start),	 htole16(h->csum_offset),
		htole16(h->num_buffers),
	};

	p[0] = h->flags;
	p[1] = h->gso_type;
	memcpy(p + 2, v, sizeof(v));
}

/* May a receiver with @tso4/@tso6 take @gso_type? */
static bool gso_allowed(u8 gso_type, bool tso4, bool tso6)
{
	switch (gso_type) {
	case VIRTIO_NET_HDR_GSO_NONE:
		return true;
	case VIRTIO_NET_HDR_GSO_TCPV4:
		return tso4;
	case VIRTIO_NET_HDR_GSO_TCPV6:
		return tso6;
	default:
		return false; /* UDP and ECN are never offered */
	}
}

int net_hdr_tx(const struct net_hdr *guest, u64 features, u64 frame_len,
	       struct net_hdr *tap)
{
	bool csum = has(features, VIRTIO_NET_F_CSUM);

	if (guest->flags & ~VIRTIO_NET_HDR_F_NEEDS_CSUM)
		return -EINVAL;
	if (guest->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
		if (!csum)
			return -EINVAL;
		/* The 16-bit checksum field itself must lie in the frame. */
		if ((u64)guest->csum_start + guest->csum_offset + 2 > frame_len)
			return -EINVAL;
	}
	/* TSO without CSUM is a dependency the driver must not break. */
	if (!gso_allowed(guest->gso_type,
			 csum && has(features, VIRTIO_NET_F_HOST_TSO4),
			 csum && has(features, VIRTIO_NET_F_HOST_TSO6)))
		return -EINVAL;
	if (guest->gso_type != VIRTIO_NET_HDR_GSO_NONE &&
	    (!guest->gso_size || !(guest->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)))
		return -EINVAL;
	*tap = *guest;
	tap->num_buffers = 0;
	return 0;
}

int net_hdr_rx(const struct net_hdr *tap, u64 features, u16 num_buffers,
	       struct net_hdr *guest)
{
	bool csum = has(features, VIRTIO_NET_F_GUEST_CSUM);

	if ((tap->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) && !csum)
		return -EINVAL;
	if (!gso_allowed(tap->gso_type,
			 csum && has(features, VIRTIO_NET_F_GUEST_TSO4),
			 csum && has(features, VIRTIO_NET_F_GUEST_TSO6)))
		return -EINVAL;
	*guest = *tap;
	guest->flags &= VIRTIO_NET_HDR_F_NEEDS_CSUM |
			(csum ? VIRTIO_NET_HDR_F_DATA_VALID : 0);
	guest->num_buffers = num_buffers;
	return 0;
}

unsigned int net_rx_offloads(u64 features)
{
	unsigned int o = 0;

	if (!has(features, VIRTIO_NET_F_GUEST_CSUM))
		return 0;
	o |= NET_OFFLOAD_CSUM;
	if (has(features, VIRTIO_NET_F_GUEST_TSO4))
		o |= NET_OFFLOAD_TSO4;
	if (has(features, VIRTIO_NET_F_GUEST_TSO6))
		o |= NET_OFFLOAD_TSO6;
	return o;
}
