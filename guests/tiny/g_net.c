// SPDX-License-Identifier: MIT
/*
 * net: a minimal virtio-net driver. With a fixed address (10.99.0.2/24) it
 * asks ARP for the host (10.99.0.1), answers ARP for itself, sends one UDP
 * datagram to 10.99.0.1:7777 and waits for the same payload to come back.
 * Needs one --net (1af4:1041 on bus 0) on a bridge where 10.99.0.1 is the
 * host and a UDP echo listens on port 7777 (tests/integration/
 * suite_net.sh). Console on success:
 *
 *	net: virtio-net at 00:DD.F, mac MM:MM:MM:MM:MM:MM
 *	net: 10.99.0.1 is at HH:HH:HH:HH:HH:HH
 *	net: sent squeeze-net-ping to 10.99.0.1:7777
 *	net: reply: squeeze-net-ping
 *	net: OK
 *
 * With rounds=N it then exchanges N more datagrams, "squeeze-net-ping K"
 * for K = 1..N, about 50 ms apart, each time reading its MAC from the
 * device again and asking ARP for the host again (a restored clone may
 * have a new MAC and a new host on the other side), retrying a round
 * whose reply does not come within about a second, up to 5 times:
 *
 *	net: round K mac MM:MM:MM:MM:MM:MM ok
 *
 * Exit codes (status = (code << 1) | 1): 0x30 (97) success; 0x31 (99) no
 * device; 0x32 (101) probe; 0x33 (103) features (VERSION_1 or MAC not
 * offered); 0x34 (105) queues; 0x35 (107) a transmit was not completed;
 * 0x36 (109) no ARP reply from 10.99.0.1; 0x37 (111) no UDP reply; 0x38
 * (113) the reply differs. Failures print "net: FAIL <step>: <reason>".
 */
#include "virtio.h"

#define VIRTIO_NET_F_MAC  5
#define NET_HDR_LEN	  12 /* with num_buffers */
#define FRAME_MAX	  1514
#define RX_BUFS		  3
#define PAYLOAD		  "squeeze-net-ping"
#define UDP_SPORT	  40000
#define UDP_DPORT	  7777
#define MAX_FRAMES	  64		/* frames looked at per wait */
#define ROUND_TIMEOUT_TSC 3000000000ULL /* about a second */
#define ROUND_TRIES	  5
#define ROUND_GAP_TSC	  130000000ULL /* about 50 ms */

enum net_exit {
	NET_OK = 0x30,
	NET_NO_DEVICE = 0x31,
	NET_PROBE = 0x32,
	NET_FEATURES = 0x33,
	NET_QUEUE = 0x34,
	NET_SEND = 0x35,
	NET_ARP = 0x36,
	NET_UDP = 0x37,
	NET_MISMATCH = 0x38,
};

static const u8 guest_ip[4] = { 10, 99, 0, 2 };
static const u8 host_ip[4] = { 10, 99, 0, 1 };
static const u8 bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

struct net {
	struct virtio_pci vp;
	struct virtq rx, tx;
	struct virtq_mem rx_mem, tx_mem;
	u8 mac[6];
	u8 host_mac[6];
	u8 rxbuf[RX_BUFS][NET_HDR_LEN + FRAME_MAX];
	u8 *rx_of_head[VIRTQ_MAX];
	u8 txbuf[NET_HDR_LEN + FRAME_MAX];
};

static int fail(int code, const char *step, const char *why)
{
	printf("net: FAIL %s: %s\n", step, why);
	return code;
}

static void put16(u8 *p, u16 v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static u16 get16(const u8 *p)
{
	return (u16)(p[0] << 8 | p[1]);
}

static u16 ip_csum(const u8 *p, size_t len)
{
	u32 sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += get16(p + i);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (u16)~sum;
}

static int rx_post(struct net *n, u8 *buf)
{
	struct virtq_buf b = { buf, NET_HDR_LEN + FRAME_MAX, true };
	int head = virtq_add(&n->rx, &b, 1);

	if (head < 0)
		return head;
	n->rx_of_head[head] = buf;
	return 0;
}

/* Send a frame of @len bytes already built at txbuf + NET_HDR_LEN. */
static int tx_frame(struct net *n, size_t len)
{
	u32 wire = (u32)(NET_HDR_LEN + (len < 60 ? 60 : len));
	struct virtq_buf b = { n->txbuf, wire, false };
	u32 used;
	int ret;

	memset(n->txbuf, 0, NET_HDR_LEN); /* no offloads */
	if (len < 60)
		memset(n->txbuf + NET_HDR_LEN + len, 0, 60 - len);
	ret = virtq_add(&n->tx, &b, 1);
	if (ret < 0)
		return ret;
	virtq_kick(&n->tx);
	ret = virtq_poll(&n->tx, &used, VIRTQ_TIMEOUT_TSC);
	return ret < 0 ? ret : 0;
}

static u8 *eth(u8 *f, const u8 *dst, const u8 *src, u16 type)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	put16(f + 12, type);
	return f + 14;
}

/* ARP request (@op 1) or reply (@op 2) to @tha / @tpa. */
static int send_arp(struct net *n, u16 op, const u8 *tha, const u8 *tpa)
{
	u8 *f = n->txbuf + NET_HDR_LEN;
	u8 *a = eth(f, op == 1 ? bcast : tha, n->mac, 0x0806);

	put16(a, 1);	      /* Ethernet */
	put16(a + 2, 0x0800); /* IPv4 */
	a[4] = 6;
	a[5] = 4;
	put16(a + 6, op);
	memcpy(a + 8, n->mac, 6);
	memcpy(a + 14, guest_ip, 4);
	memcpy(a + 18, op == 1 ? (const u8 *)"\0\0\0\0\0\0" : tha, 6);
	memcpy(a + 24, tpa, 4);
	return tx_frame(n, 14 + 28);
}

static int send_udp(struct net *n, const char *payload)
{
	u8 *f = n->txbuf + NET_HDR_LEN;
	u8 *ip = eth(f, n->host_mac, n->mac, 0x0800), *udp = ip + 20;
	size_t plen = strlen(payload);

	memset(ip, 0, 28);
	ip[0] = 0x45;
	put16(ip + 2, (u16)(28 + plen));
	ip[8] = 64;
	ip[9] = 17;
	memcpy(ip + 12, guest_ip, 4);
	memcpy(ip + 16, host_ip, 4);
	put16(ip + 10, ip_csum(ip, 20));
	put16(udp, UDP_SPORT);
	put16(udp + 2, UDP_DPORT);
	put16(udp + 4, (u16)(8 + plen)); /* checksum 0: none (IPv4) */
	memcpy(udp + 8, payload, plen);
	return tx_frame(n, 14 + 28 + plen);
}

/*
 * Handle one received frame: answer ARP for us, learn the host from its
 * ARP reply. Returns 1 for an ARP reply from the host, 2 for our UDP
 * reply (payload copied to @reply), 0 for anything else.
 */
static int rx_handle(struct net *n, const u8 *f, u32 len, char *reply)
{
	const u8 *a = f + 14, *ip = f + 14, *udp = ip + 20;
	u32 plen;

	if (len >= 14 + 28 && get16(f + 12) == 0x0806 &&
	    !memcmp(a + 24, guest_ip, 4)) {
		if (get16(a + 6) == 1) {
			send_arp(n, 2, a + 8, a + 14);
			return 0;
		}
		if (get16(a + 6) == 2 && !memcmp(a + 14, host_ip, 4)) {
			memcpy(n->host_mac, a + 8, 6);
			return 1;
		}
	}
	if (len < 14 + 28 || get16(f + 12) != 0x0800 || ip[0] != 0x45 ||
	    ip[9] != 17 || memcmp(ip + 12, host_ip, 4) ||
	    memcmp(ip + 16, guest_ip, 4) || get16(udp) != UDP_DPORT ||
	    get16(udp + 2) != UDP_SPORT)
		return 0;
	plen = get16(udp + 4) - 8u;
	if (plen > 63 || 14 + 28 + plen > len)
		return 0;
	memcpy(reply, udp + 8, plen);
	reply[plen] = 0;
	return 2;
}

/*
 * Wait up to @timeout TSC ticks per frame for one rx_handle() rates
 * @want; 0, or an enum virtio_err.
 */
static int wait_for(struct net *n, int want, char *reply, u64 timeout)
{
	unsigned int i;
	u32 len;
	int head, r;

	for (i = 0; i < MAX_FRAMES; i++) {
		u8 *buf;

		head = virtq_poll(&n->rx, &len, timeout);
		if (head < 0)
			return head;
		buf = n->rx_of_head[head];
		r = len > NET_HDR_LEN ? rx_handle(n, buf + NET_HDR_LEN,
						  len - NET_HDR_LEN, reply) :
					0;
		rx_post(n, buf);
		virtq_kick(&n->rx);
		if (r == want)
			return 0;
	}
	return VIRTIO_ETIMEDOUT;
}

static int net_setup(struct net *n)
{
	struct pci_window win = PCI_WINDOW_INIT;
	unsigned int i;
	u64 acked;
	int err;

	err = virtio_pci_probe(&n->vp, VIRTIO_PCI_DEVICE(VIRTIO_ID_NET), &win);
	if (err == VIRTIO_ENODEV)
		return fail(NET_NO_DEVICE, "probe", "no 1af4:1041 on bus 0");
	if (err)
		return fail(NET_PROBE, "probe", virtio_strerror(err));
	err = virtio_negotiate(&n->vp, VIRTIO_BIT(VIRTIO_NET_F_MAC), &acked);
	if (err)
		return fail(NET_FEATURES, "features", virtio_strerror(err));
	if (!(acked & VIRTIO_BIT(VIRTIO_NET_F_MAC)))
		return fail(NET_FEATURES, "features", "MAC not offered");
	err = virtio_queue_setup(&n->vp, &n->rx, 0, &n->rx_mem);
	if (!err)
		err = virtio_queue_setup(&n->vp, &n->tx, 1, &n->tx_mem);
	if (err)
		return fail(NET_QUEUE, "queues", virtio_strerror(err));
	virtio_driver_ok(&n->vp);
	for (i = 0; i < 6; i++)
		n->mac[i] = virtio_config_read8(&n->vp, i);
	for (i = 0; i < RX_BUFS; i++)
		rx_post(n, n->rxbuf[i]);
	virtq_kick(&n->rx);
	printf("net: virtio-net at 00:%02x.%u, mac %02x:%02x:%02x:%02x:%02x:%02x\n",
	       n->vp.pci.dev, n->vp.pci.fn, n->mac[0], n->mac[1], n->mac[2],
	       n->mac[3], n->mac[4], n->mac[5]);
	return 0;
}

/* "squeeze-net-ping K" into @out (room for 40). */
static void snprintf_round(char *out, u32 k)
{
	char digits[12];
	size_t n = strlen(PAYLOAD), d = 0;

	memcpy(out, PAYLOAD, n);
	out[n++] = ' ';
	do {
		digits[d++] = (char)('0' + k % 10);
		k /= 10;
	} while (k);
	while (d)
		out[n++] = digits[--d];
	out[n] = 0;
}

/* One round: ARP, then the datagram and its echo; 0 or an exit code. */
static int net_round(struct net *n, u32 k)
{
	char payload[40], reply[64];
	unsigned int i;

	snprintf_round(payload, k);
	for (i = 0; i < 6; i++)
		n->mac[i] = virtio_config_read8(&n->vp, i);
	if (send_arp(n, 1, bcast, host_ip))
		return NET_SEND;
	if (wait_for(n, 1, reply, ROUND_TIMEOUT_TSC))
		return NET_ARP;
	if (send_udp(n, payload))
		return NET_SEND;
	if (wait_for(n, 2, reply, ROUND_TIMEOUT_TSC))
		return NET_UDP;
	return strncmp(reply, payload, sizeof(payload)) ? NET_MISMATCH : 0;
}

static int net_rounds(struct net *n, u32 rounds)
{
	unsigned int tries;
	u64 next;
	u32 k;
	int ret = 0;

	for (k = 1; k <= rounds; k++) {
		for (tries = 0; tries < ROUND_TRIES; tries++) {
			ret = net_round(n, k);
			if (ret != NET_ARP && ret != NET_UDP)
				break;
		}
		if (ret)
			return fail(ret, "round", "no echo");
		printf("net: round %u mac %02x:%02x:%02x:%02x:%02x:%02x ok\n",
		       k, n->mac[0], n->mac[1], n->mac[2], n->mac[3], n->mac[4],
		       n->mac[5]);
		next = rdtsc() + ROUND_GAP_TSC;
		while (rdtsc() < next)
			cpu_relax();
	}
	return 0;
}

int guest_main(const struct hvm_start_info *si)
{
	/* On the stack: identity mapped, so the device can DMA to it. */
	struct net n;
	char reply[64];
	u32 rounds;
	int ret;

	memset(&n, 0, sizeof(n));
	ret = net_setup(&n);
	if (ret)
		return ret;
	if (send_arp(&n, 1, bcast, host_ip))
		return fail(NET_SEND, "send", "ARP request not sent");
	ret = wait_for(&n, 1, reply, VIRTQ_TIMEOUT_TSC);
	if (ret)
		return fail(NET_ARP, "arp", "no reply from 10.99.0.1");
	printf("net: 10.99.0.1 is at %02x:%02x:%02x:%02x:%02x:%02x\n",
	       n.host_mac[0], n.host_mac[1], n.host_mac[2], n.host_mac[3],
	       n.host_mac[4], n.host_mac[5]);
	if (send_udp(&n, PAYLOAD))
		return fail(NET_SEND, "send", "UDP datagram not sent");
	puts("net: sent " PAYLOAD " to 10.99.0.1:7777");
	ret = wait_for(&n, 2, reply, VIRTQ_TIMEOUT_TSC);
	if (ret)
		return fail(NET_UDP, "udp", "no reply from 10.99.0.1:7777");
	printf("net: reply: %s\n", reply);
	if (strncmp(reply, PAYLOAD, sizeof(PAYLOAD)))
		return fail(NET_MISMATCH, "udp", "reply differs");
	if (cmdline_get_uint(cmdline(si), "rounds", &rounds))
		ret = net_rounds(&n, rounds);
	if (ret)
		return ret;
	puts("net: OK");
	return NET_OK;
}
