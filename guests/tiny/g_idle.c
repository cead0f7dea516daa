// SPDX-License-Identifier: MIT
/*
 * idle: brings every virtio device up and then waits to be stopped from
 * outside; the guest of the tests that look at a running VM (image locks,
 * seccomp and capabilities in /proc, a tap deleted under a running guest).
 *
 * It sets up the first virtio-blk (one queue) and the first virtio-net
 * (receive buffers posted, STATUS negotiated), sets DRIVER_OK on both so
 * that their I/O threads run, prints "idle: ready", then polls the net
 * device's ISR on every tick of a 50 ms LAPIC timer, sleeping (sti; hlt)
 * in between, so an idle guest costs no host CPU. When a configuration change shows the
 * link down it prints "idle: net link down" once and goes on waiting.
 * It never exits by itself; kill squeeze (SIGTERM: status 143).
 * Fails with exit code 0x41 (status 131) if a device does not come up.
 */
#include "irq.h"
#include "virtio.h"

#define VIRTIO_NET_F_MAC    5
#define VIRTIO_NET_F_STATUS 16
#define NET_S_LINK_UP	    1
#define NET_BUF_LEN	    (12 + 1514)
#define ISR_CONFIG	    2
#define VEC_TIMER	    0x30
#define IDLE_FAIL	    0x41

struct idle {
	struct virtio_pci blk, net;
	struct virtq blk_vq, rx, tx;
	struct virtq_mem blk_mem, rx_mem, tx_mem;
	u8 rxbuf[4][NET_BUF_LEN];
	bool has_blk, has_net;
};

static int up(struct virtio_pci *vp, u16 id, u64 wanted, u64 *acked,
	      bool *present)
{
	struct pci_window win = PCI_WINDOW_INIT;
	int err = virtio_pci_probe(vp, VIRTIO_PCI_DEVICE(id), &win);

	*present = false;
	if (err == VIRTIO_ENODEV)
		return 0;
	if (!err)
		err = virtio_negotiate(vp, wanted, acked);
	if (err) {
		printf("idle: FAIL device %u: %s\n", id, virtio_strerror(err));
		return err;
	}
	*present = true;
	return 0;
}

static int bring_up(struct idle *s)
{
	u64 acked = 0;
	unsigned int i;
	int err;

	err = up(&s->blk, VIRTIO_ID_BLOCK, 0, &acked, &s->has_blk);
	if (!err && s->has_blk) {
		err = virtio_queue_setup(&s->blk, &s->blk_vq, 0, &s->blk_mem);
		if (!err)
			virtio_driver_ok(&s->blk);
	}
	if (!err)
		err = up(&s->net, VIRTIO_ID_NET,
			 VIRTIO_BIT(VIRTIO_NET_F_MAC) |
				 VIRTIO_BIT(VIRTIO_NET_F_STATUS),
			 &acked, &s->has_net);
	if (err || !s->has_net)
		return err;
	err = virtio_queue_setup(&s->net, &s->rx, 0, &s->rx_mem);
	if (!err)
		err = virtio_queue_setup(&s->net, &s->tx, 1, &s->tx_mem);
	if (err)
		return err;
	virtio_driver_ok(&s->net);
	for (i = 0; i < ARRAY_SIZE(s->rxbuf); i++) {
		struct virtq_buf b = { s->rxbuf[i], NET_BUF_LEN, true };

		virtq_add(&s->rx, &b, 1);
	}
	virtq_kick(&s->rx);
	return 0;
}

static bool link_up(const struct virtio_pci *vp)
{
	return virtio_config_read8(vp, 6) & NET_S_LINK_UP;
}

static void timer_interrupt(void *ctx, unsigned int vector)
{
	(void)ctx;
	(void)vector;
	lapic_eoi();
}

int guest_main(const struct hvm_start_info *si)
{
	/* On the stack: identity mapped, so the devices can DMA to it. */
	struct irq_table t;
	struct idle s;
	bool down = false;

	(void)si;
	memset(&s, 0, sizeof(s));
	if (bring_up(&s))
		return IDLE_FAIL;
	printf("idle: ready (blk %s, net %s, link %s)\n",
	       s.has_blk ? "up" : "none", s.has_net ? "up" : "none",
	       s.has_net && link_up(&s.net) ? "up" : "-");
	irq_init(&t);
	irq_set_handler(&t, VEC_TIMER, timer_interrupt, NULL);
	lapic_timer_start(VEC_TIMER, LAPIC_TIMER_50MS);
	for (;;) {
		irq_wait();
		if (!s.has_net || down)
			continue;
		if ((mmio_read8(s.net.isr) & ISR_CONFIG) && !link_up(&s.net)) {
			puts("idle: net link down");
			down = true;
		}
	}
}
