// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: virtio-net header handling. Input: the negotiated
 * features (8 bytes), a frame length (4), the guest's transmit header
 * (12) and a tap's receive header (12). Both directions must accept or
 * refuse without undefined behaviour, and the wire form must round-trip.
 */
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/fuzz_seed.h"
#include "virtio/net/net_hdr.h"

#define IN_LEN (8 + 4 + 2 * NET_HDR_LEN)

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	u8 in[IN_LEN] = { 0 }, wire[NET_HDR_LEN];
	struct net_hdr g, t, out;
	u64 features;
	u32 len;

	memcpy(in, data, MIN(size, sizeof(in)));
	memcpy(&features, in, 8);
	memcpy(&len, in + 8, 4);
	net_hdr_load(&g, in + 12);
	net_hdr_store(&g, wire);
	if (memcmp(wire, in + 12, NET_HDR_LEN))
		abort(); /* load/store must round-trip */
	if (!net_hdr_tx(&g, features, len, &out))
		net_hdr_store(&out, wire);
	net_hdr_load(&t, in + 12 + NET_HDR_LEN);
	if (!net_hdr_rx(&t, features, (u16)len, &out))
		net_hdr_store(&out, wire);
	return 0;
}

/* Headers as test_net_hdr.c uses them: plain, checksum, TSO4, TSO6, ECN. */
static void one(const char *name, u64 features, u32 len,
		const struct net_hdr *h)
{
	u8 in[IN_LEN];

	memcpy(in, &features, 8);
	memcpy(in + 8, &len, 4);
	net_hdr_store(h, in + 12);
	net_hdr_store(h, in + 12 + NET_HDR_LEN);
	fuzz_seed(name, in, sizeof(in));
}

static void seeds(void)
{
	const u64 all = (1ULL << VIRTIO_NET_F_CSUM) |
			(1ULL << VIRTIO_NET_F_GUEST_CSUM) |
			(1ULL << VIRTIO_NET_F_HOST_TSO4) |
			(1ULL << VIRTIO_NET_F_HOST_TSO6) |
			(1ULL << VIRTIO_NET_F_GUEST_TSO4) |
			(1ULL << VIRTIO_NET_F_GUEST_TSO6) |
			(1ULL << VIRTIO_NET_F_MRG_RXBUF);
	struct net_hdr h = { 0 };

	one("plain", 0, 60, &h);
	h.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	h.csum_start = 34;
	h.csum_offset = 16;
	one("csum", all, 1514, &h);
	h.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	h.hdr_len = 54;
	h.gso_size = 1448;
	one("tso4", all, 65000, &h);
	h.gso_type = VIRTIO_NET_HDR_GSO_TCPV6;
	h.csum_start = 54;
	h.hdr_len = 74;
	one("tso6", all, 65000, &h);
	h.gso_type = VIRTIO_NET_HDR_GSO_TCPV4 | VIRTIO_NET_HDR_GSO_ECN;
	one("ecn", all, 65000, &h);
	h.num_buffers = 3;
	one("mrg", all, 3000, &h);
}

FUZZ_SEEDS(seeds)
