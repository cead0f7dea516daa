// SPDX-License-Identifier: MIT
/*
 * The userspace IOAPIC (devices/legacy/ioapic.c), reached as a guest
 * reaches it: IOREGSEL/IOWIN through the MMIO bus. Beneath it a fake of
 * KVM's side records the MSI route of each GSI and the irqfd assigned to
 * it; the irqfds are real eventfds, so a delivery is a count read back
 * from the eventfd, exactly what KVM would consume.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <unistd.h>

#include "devices/legacy/ioapic.h"

#define BASE	LAYOUT_IOAPIC
#define APIC_ID 2
#define PIN	4
#define VEC	0x41
#define LO(pin) (IOAPIC_REG_REDTBL + 2 * (pin))
#define HI(pin) (LO(pin) + 1)

struct fake_kvm {
	u64 addr[IOAPIC_PINS];
	u32 data[IOAPIC_PINS];
	int irqfd[IOAPIC_PINS];
	unsigned int routes; /* msi_route() calls */
};

static int fake_msi_route(void *opaque, u32 gsi, u64 addr, u32 data)
{
	struct fake_kvm *k = opaque;

	if (gsi >= IOAPIC_PINS)
		return -EINVAL;
	k->addr[gsi] = addr;
	k->data[gsi] = data;
	k->routes++;
	return 0;
}

static int fake_irqfd(void *opaque, int efd, u32 gsi, bool assign)
{
	struct fake_kvm *k = opaque;

	if (gsi >= IOAPIC_PINS || !assign || k->irqfd[gsi] >= 0)
		return -EINVAL;
	k->irqfd[gsi] = efd;
	return 0;
}

static const struct irq_ops fake_ops = {
	.msi_route = fake_msi_route,
	.irqfd = fake_irqfd,
};

static struct fake_kvm kvm;

static void fake_kvm_init(struct fake_kvm *k)
{
	memset(k, 0, sizeof(*k));
	for (unsigned int i = 0; i < IOAPIC_PINS; i++)
		k->irqfd[i] = -1;
}

static struct irq_ctl out = { &fake_ops, &kvm };
static struct bus mmio;
static struct ioapic io;

static void setup(void)
{
	fake_kvm_init(&kvm);
	bus_init(&mmio, "mmio");
	ioapic_init(&io, APIC_ID, &out);
	cr_assert_eq(ioapic_register(&io, &mmio, BASE), 0);
}

static void teardown(void)
{
	ioapic_destroy(&io);
	bus_destroy(&mmio);
}

TestSuite(ioapic, .init = setup, .fini = teardown);

static u32 reg_read(u32 reg)
{
	u32 v;

	bus_write(&mmio, BASE + IOAPIC_IOREGSEL, &reg, 4);
	bus_read(&mmio, BASE + IOAPIC_IOWIN, &v, 4);
	return v;
}

static void reg_write(u32 reg, u32 v)
{
	bus_write(&mmio, BASE + IOAPIC_IOREGSEL, &reg, 4);
	bus_write(&mmio, BASE + IOAPIC_IOWIN, &v, 4);
}

static u64 entry(u32 pin)
{
	return reg_read(LO(pin)) | (u64)reg_read(HI(pin)) << 32;
}

/* Program @pin: destination first, while masked, as drivers do. */
static void route(u32 pin, u32 low, u8 dest)
{
	reg_write(LO(pin), IOAPIC_MASKED);
	reg_write(HI(pin), (u32)dest << 24);
	reg_write(LO(pin), low);
}

/* Messages KVM @k would have injected for @pin since the last call. */
static u64 delivered_on(const struct fake_kvm *k, u32 pin)
{
	u64 n = 0;

	if (k->irqfd[pin] < 0)
		return 0;
	if (read(k->irqfd[pin], &n, sizeof(n)) != sizeof(n))
		return 0; /* EAGAIN: nothing */
	return n;
}

static u64 delivered(u32 pin)
{
	return delivered_on(&kvm, pin);
}

Test(ioapic, id_version_and_arbitration)
{
	cr_assert_eq(reg_read(IOAPIC_REG_VER), 0x00170011,
		     "24 pins, version 0x11");
	cr_assert_eq(reg_read(IOAPIC_REG_ID), APIC_ID << 24);
	cr_assert_eq(reg_read(IOAPIC_REG_ARB), APIC_ID << 24);
	reg_write(IOAPIC_REG_ID, 0xffffffff);
	cr_assert_eq(reg_read(IOAPIC_REG_ID), 0x0f000000, "ID is bits 24-27");
	reg_write(IOAPIC_REG_VER, 0);
	cr_assert_eq(reg_read(IOAPIC_REG_VER), 0x00170011, "read-only");
}

Test(ioapic, reset_state_and_ioregsel)
{
	u32 sel = LO(7);
	u8 b = 0;

	for (u32 pin = 0; pin < IOAPIC_PINS; pin++)
		cr_assert_eq(entry(pin), IOAPIC_MASKED, "pin %u", pin);
	bus_write(&mmio, BASE + IOAPIC_IOREGSEL, &sel, 4);
	bus_read(&mmio, BASE + IOAPIC_IOREGSEL, &b, 1);
	cr_assert_eq(b, LO(7), "IOREGSEL reads back");
	/* Beyond the table, and away from the two registers: zero. */
	cr_assert_eq(reg_read(LO(IOAPIC_PINS)), 0);
	cr_assert_eq(kvm.routes, 0, "untouched pins need no route");
}

Test(ioapic, redirection_table_through_iowin)
{
	u64 want = (u64)0xa5 << IOAPIC_DEST_SHIFT | IOAPIC_MASKED |
		   IOAPIC_TRIGGER_LEVEL | IOAPIC_POLARITY_LOW |
		   IOAPIC_DESTMODE_LOGICAL | 1 << IOAPIC_DELMODE_SHIFT | VEC;

	reg_write(HI(9), 0xa5ffffff); /* reserved bits 32-55 */
	/* Delivery status and remote IRR are read-only. */
	reg_write(LO(9),
		  (u32)want | IOAPIC_DELIVS | IOAPIC_REMOTE_IRR | 0xfffe0000);
	cr_assert_eq(entry(9), want, "got %#llx", (unsigned long long)entry(9));
	cr_assert_eq(entry(8), IOAPIC_MASKED, "neighbours untouched");
	cr_assert_eq(entry(10), IOAPIC_MASKED);
}

Test(ioapic, msi_route_encodes_destination_and_vector)
{
	route(PIN, VEC, 3);
	cr_assert_eq(kvm.addr[PIN], 0xfee03000, "physical APIC 3: %#llx",
		     (unsigned long long)kvm.addr[PIN]);
	cr_assert_eq(kvm.data[PIN], VEC, "fixed, edge");
	cr_assert_geq(kvm.irqfd[PIN], 0, "an irqfd on GSI = pin");

	route(5,
	      VEC | IOAPIC_TRIGGER_LEVEL | IOAPIC_DESTMODE_LOGICAL |
		      IOAPIC_DELMODE_LOWEST << IOAPIC_DELMODE_SHIFT,
	      0x0f);
	cr_assert_eq(kvm.addr[5], 0xfee0f00c,
		     "logical 0x0f, redirection hint: %#llx",
		     (unsigned long long)kvm.addr[5]);
	cr_assert_eq(kvm.data[5], 0xc141,
		     "level, asserted, lowest priority: %#x", kvm.data[5]);
}

Test(ioapic, route_changes_only_with_the_message)
{
	unsigned int n;

	route(PIN, VEC, 1);
	n = kvm.routes;
	reg_write(LO(PIN), VEC | IOAPIC_MASKED);
	reg_write(LO(PIN), VEC);
	cr_assert_eq(kvm.routes, n, "masking is not part of the message");
	reg_write(HI(PIN), 2 << 24);
	cr_assert_eq(kvm.routes, n + 1);
	cr_assert_eq(kvm.addr[PIN], 0xfee02000);
}

Test(ioapic, masked_edge_is_lost_unmasked_edge_is_sent)
{
	route(PIN, VEC | IOAPIC_MASKED, 0);
	cr_assert_eq(ioapic_set_line(&io, PIN, 1), 0);
	cr_assert_eq(delivered(PIN), 0, "masked");
	reg_write(LO(PIN), VEC);
	cr_assert_eq(delivered(PIN), 0, "an edge is not remembered");
	ioapic_set_line(&io, PIN, 0);
	ioapic_set_line(&io, PIN, 1);
	cr_assert_eq(delivered(PIN), 1);
	cr_assert_eq(io.delivered, 1);
}

Test(ioapic, edge_sends_once_per_rising_edge)
{
	route(PIN, VEC, 0);
	ioapic_set_line(&io, PIN, 1);
	ioapic_set_line(&io, PIN, 1);
	cr_assert_eq(delivered(PIN), 1, "still high: no second edge");
	ioapic_set_line(&io, PIN, 0);
	cr_assert_eq(delivered(PIN), 0);
	ioapic_set_line(&io, PIN, 1);
	cr_assert_eq(delivered(PIN), 1);
	cr_assert_eq(entry(PIN) & IOAPIC_REMOTE_IRR, 0, "edge: no remote IRR");
	ioapic_eoi(&io, VEC);
	cr_assert_eq(delivered(PIN), 0, "an EOI does not re-send an edge");
}

Test(ioapic, level_sets_remote_irr_and_eoi_clears_it)
{
	route(PIN, VEC | IOAPIC_TRIGGER_LEVEL, 0);
	ioapic_set_line(&io, PIN, 1);
	cr_assert_eq(delivered(PIN), 1);
	cr_assert(entry(PIN) & IOAPIC_REMOTE_IRR, "set on delivery");
	ioapic_set_line(&io, PIN, 1);
	cr_assert_eq(delivered(PIN), 0, "in service: nothing more");
	ioapic_set_line(&io, PIN, 0);
	cr_assert_eq(delivered(PIN), 0);
	cr_assert(entry(PIN) & IOAPIC_REMOTE_IRR, "until the EOI");
	ioapic_eoi(&io, VEC + 1);
	cr_assert(entry(PIN) & IOAPIC_REMOTE_IRR, "another vector's EOI");
	ioapic_eoi(&io, VEC);
	cr_assert_eq(entry(PIN) & IOAPIC_REMOTE_IRR, 0, "cleared by the EOI");
	cr_assert_eq(delivered(PIN), 0, "the line is low: nothing re-sent");
}

Test(ioapic, level_still_asserted_after_eoi_is_sent_again)
{
	route(PIN, VEC | IOAPIC_TRIGGER_LEVEL, 0);
	ioapic_set_line(&io, PIN, 1);
	cr_assert_eq(delivered(PIN), 1);
	ioapic_eoi(&io, VEC);
	cr_assert_eq(delivered(PIN), 1, "re-sent after the EOI");
	cr_assert(entry(PIN) & IOAPIC_REMOTE_IRR, "and in service again");
	ioapic_eoi(&io, VEC);
	cr_assert_eq(delivered(PIN), 1);
	ioapic_set_line(&io, PIN, 0);
	ioapic_eoi(&io, VEC);
	cr_assert_eq(delivered(PIN), 0);
	cr_assert_eq(io.delivered, 3);
}

Test(ioapic, masked_level_is_sent_when_unmasked)
{
	route(PIN, VEC | IOAPIC_TRIGGER_LEVEL | IOAPIC_MASKED, 0);
	ioapic_set_line(&io, PIN, 1);
	cr_assert_eq(delivered(PIN), 0, "masked");
	cr_assert_eq(entry(PIN) & IOAPIC_REMOTE_IRR, 0);
	reg_write(LO(PIN), VEC | IOAPIC_TRIGGER_LEVEL);
	cr_assert_eq(delivered(PIN), 1, "a level is still there");
	reg_write(LO(PIN), VEC | IOAPIC_TRIGGER_LEVEL | IOAPIC_MASKED);
	ioapic_eoi(&io, VEC);
	cr_assert_eq(delivered(PIN), 0, "EOI while masked: held back");
	reg_write(LO(PIN), VEC | IOAPIC_TRIGGER_LEVEL);
	cr_assert_eq(delivered(PIN), 1);
}

/* Linux's EOI for a chip without an EOI register: edge, then level. */
Test(ioapic, switching_to_edge_clears_remote_irr)
{
	route(PIN, VEC | IOAPIC_TRIGGER_LEVEL, 0);
	ioapic_set_line(&io, PIN, 1);
	ioapic_set_line(&io, PIN, 0);
	cr_assert_eq(delivered(PIN), 1);
	cr_assert(entry(PIN) & IOAPIC_REMOTE_IRR);
	reg_write(LO(PIN), VEC | IOAPIC_MASKED);
	cr_assert_eq(entry(PIN) & IOAPIC_REMOTE_IRR, 0);
	reg_write(LO(PIN), VEC | IOAPIC_TRIGGER_LEVEL);
	cr_assert_eq(delivered(PIN), 0, "line low: nothing to send");
	ioapic_set_line(&io, PIN, 1);
	cr_assert_eq(delivered(PIN), 1, "in service again only now");
}

Test(ioapic, eoi_reaches_every_pin_with_the_vector)
{
	route(PIN, VEC | IOAPIC_TRIGGER_LEVEL, 0);
	route(PIN + 1, VEC | IOAPIC_TRIGGER_LEVEL, 0);
	ioapic_set_line(&io, PIN, 1);
	ioapic_set_line(&io, PIN + 1, 1);
	cr_assert_eq(delivered(PIN) + delivered(PIN + 1), 2);
	ioapic_set_line(&io, PIN + 1, 0);
	ioapic_eoi(&io, VEC);
	cr_assert_eq(delivered(PIN), 1, "still asserted");
	cr_assert_eq(delivered(PIN + 1), 0);
	cr_assert_eq(entry(PIN + 1) & IOAPIC_REMOTE_IRR, 0);
}

Test(ioapic, bad_pins_and_accesses)
{
	u32 v = 0x1234;

	cr_assert_eq(ioapic_set_line(&io, IOAPIC_PINS, 1), -EINVAL);
	/* A 2-byte write to IOWIN is ignored, not half-applied. */
	reg_write(IOAPIC_REG_ID, 0);
	bus_write(&mmio, BASE + IOAPIC_IOWIN, &v, 2);
	cr_assert_eq(reg_read(IOAPIC_REG_ID), 0);
	/* Reads at other offsets of the page are zero. */
	bus_read(&mmio, BASE + 0x40, &v, 4);
	cr_assert_eq(v, 0);
}

/* A snapshot's round trip: the state, and KVM's routes rebuilt from it. */
Test(ioapic, save_and_restore)
{
	struct fake_kvm kvm2;
	struct irq_ctl out2 = { &fake_ops, &kvm2 };
	struct ioapic_state st;
	struct ioapic io2;

	reg_write(IOAPIC_REG_ID, 7 << 24);
	route(PIN, VEC | IOAPIC_TRIGGER_LEVEL, 3);
	route(PIN + 1, (VEC + 1) | IOAPIC_TRIGGER_LEVEL | IOAPIC_MASKED, 0);
	ioapic_set_line(&io, PIN, 1);	  /* in service */
	ioapic_set_line(&io, PIN + 1, 1); /* masked, waiting */
	cr_assert_eq(delivered(PIN), 1);
	ioapic_save(&io, &st);

	fake_kvm_init(&kvm2);
	ioapic_init(&io2, 0, &out2);
	ioapic_restore(&io2, &st);
	cr_assert_eq(io2.s.id, 7u << 24);
	cr_assert_eq(memcmp(io2.s.redtbl, st.redtbl, sizeof(st.redtbl)), 0);
	cr_assert_eq(kvm2.addr[PIN], kvm.addr[PIN]);
	cr_assert_eq(kvm2.data[PIN], kvm.data[PIN]);
	cr_assert_eq(kvm2.data[PIN + 1], kvm.data[PIN + 1]);
	cr_assert_eq(delivered_on(&kvm2, PIN), 0, "still in service");
	cr_assert_eq(delivered_on(&kvm2, PIN + 1), 0, "masked");
	ioapic_eoi(&io2, VEC);
	cr_assert_eq(delivered_on(&kvm2, PIN), 1, "the line was asserted");
	ioapic_destroy(&io2);

	/* A level line asserted, unmasked and not in service is sent. */
	st.redtbl[PIN] &= ~IOAPIC_REMOTE_IRR;
	fake_kvm_init(&kvm2);
	ioapic_init(&io2, 0, &out2);
	ioapic_restore(&io2, &st);
	cr_assert_eq(delivered_on(&kvm2, PIN), 0,
		     "not before the routes are in");
	ioapic_resend(&io2);
	cr_assert_eq(delivered_on(&kvm2, PIN), 1);
	cr_assert(io2.s.redtbl[PIN] & IOAPIC_REMOTE_IRR);
	ioapic_destroy(&io2);
}

/* Each route costs KVM a grace period: a masked pin gets none. */
Test(ioapic, masked_pins_get_no_route_until_unmasked)
{
	route(PIN, VEC | IOAPIC_MASKED, 0);
	cr_assert_eq(kvm.data[PIN], 0, "masked: no route yet");
	route(PIN, VEC, 0);
	cr_assert_eq(kvm.data[PIN] & IOAPIC_VECTOR_MASK, VEC,
		     "routed on unmask");
	ioapic_set_line(&io, PIN, 1);
	cr_assert_eq(delivered(PIN), 1);
}
