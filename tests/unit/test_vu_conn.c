// SPDX-License-Identifier: MIT
/*
 * The vhost-user connection against a scripted fake back-end: the
 * handshake and what it negotiates, REPLY_ACK, malformed replies killing
 * the connection, and the memory table of RAM split around the PCI hole.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <sys/mman.h>

#include "tests/unit/vu_fake.h"
#include "virtio/vhost_user/vu_conn.h"
#include "vmm/core/layout.h"

#define PF (1ULL << VU_F_PROTOCOL_FEATURES)
#define V1 (1ULL << 32)

static struct vu_fake fake;
static struct vhost_user vu;

static void add(struct fake_step s)
{
	fake.step[fake.nr_steps++] = s;
}

static void start(void)
{
	fake_start(&fake);
	vu_conn_init(&vu, fake.sock[0], 1000);
}

static void finish(void)
{
	vu_conn_close(&vu); /* the fake sees EOF if still reading */
	fake_join(&fake);
	cr_assert_not(fake.bad_order, "requests came in another order");
	fake_free(&fake);
}

TestSuite(vu_conn, .timeout = 10);

static u32 seen_req(unsigned int i)
{
	cr_assert_lt(i, fake.nr_seen);
	return fake.seen[i].msg.hdr.request;
}

Test(vu_conn, handshake_negotiates_the_common_protocol_features)
{
	u64 theirs =
		(1ULL << VU_PROTOCOL_F_MQ) | (1ULL << VU_PROTOCOL_F_REPLY_ACK) |
		(1ULL << VU_PROTOCOL_F_CONFIG) | (1ULL << 5) | (1ULL << 12);

	add(fake_reply(VU_GET_FEATURES, 8, V1 | PF | 1));
	add(fake_reply(VU_GET_PROTOCOL_FEATURES, 8, theirs));
	add(fake_silent(VU_SET_PROTOCOL_FEATURES));
	add(fake_reply(VU_SET_OWNER, 8, 0)); /* the ack */
	start();
	cr_assert_eq(vu_conn_handshake(&vu, VU_PROTOCOL_WANTED), 0);
	cr_assert_eq(vu.features, V1 | PF | 1);
	cr_assert_eq(vu.protocol, theirs & VU_PROTOCOL_WANTED);
	finish();
	cr_assert_eq(fake.nr_seen, 4);
	cr_assert_eq(fake.seen[2].msg.hdr.size, 8);
	cr_assert_eq(fake.seen[2].msg.p.u64, theirs & VU_PROTOCOL_WANTED);
	/* Not before REPLY_ACK is agreed; from then on, every request. */
	cr_assert_eq(fake.seen[2].msg.hdr.flags, VU_VERSION);
	cr_assert_eq(fake.seen[3].msg.hdr.flags,
		     VU_VERSION | VU_FLAG_NEED_REPLY);
	cr_assert_eq(fake.seen[3].msg.hdr.size, 0);
}

Test(vu_conn, old_backend_without_protocol_features)
{
	add(fake_reply(VU_GET_FEATURES, 8, V1));
	add(fake_silent(VU_SET_OWNER));
	start();
	cr_assert_eq(vu_conn_handshake(&vu, VU_PROTOCOL_WANTED), 0);
	cr_assert_eq(vu.protocol, 0);
	finish();
	cr_assert_eq(fake.nr_seen, 2);
	cr_assert_eq(seen_req(1), VU_SET_OWNER);
	cr_assert_eq(fake.seen[1].msg.hdr.flags, VU_VERSION);
}

/* Agree on REPLY_ACK only. */
static void handshake_with_ack(void)
{
	add(fake_reply(VU_GET_FEATURES, 8, V1 | PF));
	add(fake_reply(VU_GET_PROTOCOL_FEATURES, 8,
		       1ULL << VU_PROTOCOL_F_REPLY_ACK));
	add(fake_silent(VU_SET_PROTOCOL_FEATURES));
	add(fake_reply(VU_SET_OWNER, 8, 0));
}

Test(vu_conn, nonzero_ack_is_refusal_not_death)
{
	handshake_with_ack();
	add(fake_reply(VU_SET_VRING_NUM, 8, 1)); /* refused */
	add(fake_reply(VU_SET_VRING_NUM, 8, 0));
	start();
	cr_assert_eq(vu_conn_handshake(&vu, VU_PROTOCOL_WANTED), 0);
	cr_assert_eq(vu_conn_set_vring(&vu, VU_SET_VRING_NUM, 0, 4096), -EIO);
	cr_assert_not(vu_conn_dead(&vu));
	cr_assert_eq(vu_conn_set_vring(&vu, VU_SET_VRING_NUM, 0, 256), 0);
	finish();
}

static void assert_dead_after(struct fake_step bad, int want)
{
	u64 f;

	add(bad);
	start();
	cr_assert_eq(vu_conn_handshake(&vu, VU_PROTOCOL_WANTED), want);
	cr_assert(vu_conn_dead(&vu));
	/* Nothing more goes out on a dead connection. */
	cr_assert_eq(vu_conn_get_queue_num(&vu, &f), -EPIPE);
	finish();
	cr_assert_eq(fake.nr_seen, 1);
}

Test(vu_conn, short_reply_kills_the_connection)
{
	assert_dead_after(fake_reply(VU_GET_FEATURES, 4, V1), -EPROTO);
}

Test(vu_conn, wrong_request_id_kills_the_connection)
{
	struct fake_step s = fake_reply(VU_GET_FEATURES, 8, V1);

	s.reply.hdr.request = VU_GET_PROTOCOL_FEATURES;
	assert_dead_after(s, -EPROTO);
}

Test(vu_conn, oversized_payload_kills_the_connection)
{
	struct fake_step s = fake_reply(VU_GET_FEATURES, 8, V1);

	s.action = FAKE_RAW;
	s.reply.hdr.size = 100000;
	memcpy(s.raw, &s.reply.hdr, sizeof(s.reply.hdr));
	s.nr_raw = sizeof(s.reply.hdr);
	assert_dead_after(s, -EPROTO);
}

Test(vu_conn, hangup_kills_the_connection)
{
	assert_dead_after((struct fake_step){ .action = FAKE_CLOSE },
			  -ECONNRESET);
}

Test(vu_conn, silence_kills_the_connection)
{
	assert_dead_after(fake_silent(VU_GET_FEATURES), -ETIMEDOUT);
}

Test(vu_conn, get_vring_base_for_another_ring_is_malformed)
{
	struct fake_step s = fake_reply(VU_GET_VRING_BASE, 8, 0);
	u32 base;

	s.reply.p.state = (struct vu_vring_state){ 1, 7 };
	add(fake_reply(VU_GET_FEATURES, 8, V1));
	add(fake_silent(VU_SET_OWNER));
	add(s);
	start();
	cr_assert_eq(vu_conn_handshake(&vu, 0), 0);
	cr_assert_eq(vu_conn_get_vring_base(&vu, 0, &base), -EPROTO);
	cr_assert(vu_conn_dead(&vu));
	finish();
}

Test(vu_conn, get_config_empty_reply_is_refusal)
{
	u8 cfg[60];

	add(fake_reply(VU_GET_FEATURES, 8, V1));
	add(fake_silent(VU_SET_OWNER));
	add(fake_reply(VU_GET_CONFIG, 0, 0));
	start();
	cr_assert_eq(vu_conn_handshake(&vu, 0), 0);
	cr_assert_eq(vu_conn_get_config(&vu, cfg, sizeof(cfg)), -EIO);
	cr_assert_not(vu_conn_dead(&vu));
	finish();
	cr_assert_eq(fake.seen[2].msg.hdr.size, VU_CONFIG_HDR_SIZE + 60);
	cr_assert_eq(fake.seen[2].msg.p.config.size, 60);
}

Test(vu_conn, memory_table_of_ram_split_around_the_hole)
{
	u64 low = LAYOUT_PCI_HOLE_START, v = 0xfeedface;
	struct vu_mem_table t;
	struct guest_mem mem;
	int fds[VU_MAX_REGIONS];
	u8 *map;

	cr_assert_eq(guest_mem_alloc_shared(&mem, 6 * GiB), 0);
	cr_assert_eq(vu_mem_table_build(&mem, &t, fds), 0);
	cr_assert_eq(t.nr, 2);
	cr_assert_eq(t.region[0].gpa, 0);
	cr_assert_eq(t.region[0].size, low);
	cr_assert_eq(t.region[0].uaddr, (u64)(uintptr_t)mem.region[0].hva);
	cr_assert_eq(t.region[0].mmap_offset, 0);
	cr_assert_eq(t.region[1].gpa, LAYOUT_HIGH_RAM_START);
	cr_assert_eq(t.region[1].size, 6 * GiB - low);
	cr_assert_eq(t.region[1].uaddr, (u64)(uintptr_t)mem.region[1].hva);
	cr_assert_eq(t.region[1].mmap_offset, low);
	cr_assert_eq(fds[0], mem.memfd);
	cr_assert_eq(fds[1], mem.memfd);

	/* What a back-end does: map the fd, look at offset + (gpa - base). */
	cr_assert_eq(guest_mem_write(&mem, LAYOUT_HIGH_RAM_START + 4096, &v, 8),
		     0);
	map = mmap(NULL, 8192, PROT_READ, MAP_SHARED, fds[1],
		   t.region[1].mmap_offset);
	cr_assert_neq(map, MAP_FAILED);
	cr_assert_eq(*(u64 *)(map + 4096), v);
	munmap(map, 8192);
	guest_mem_free(&mem);
}

Test(vu_conn, set_mem_table_sends_each_region_with_its_fd)
{
	struct guest_mem mem;

	cr_assert_eq(guest_mem_alloc_shared(&mem, 5 * GiB), 0);
	add(fake_reply(VU_GET_FEATURES, 8, V1));
	add(fake_silent(VU_SET_OWNER));
	add(fake_silent(VU_SET_MEM_TABLE));
	start();
	cr_assert_eq(vu_conn_handshake(&vu, 0), 0);
	cr_assert_eq(vu_conn_set_mem_table(&vu, &mem), 0);
	finish();
	cr_assert_eq(fake.seen[2].msg.hdr.size, 8 + 2 * 32);
	cr_assert_eq(fake.seen[2].msg.p.mem.nr, 2);
	cr_assert_eq(fake.seen[2].nr_fds, 2);
	cr_assert_eq(fake.seen[2].msg.p.mem.region[1].gpa,
		     LAYOUT_HIGH_RAM_START);
	guest_mem_free(&mem);
}

Test(vu_conn, private_ram_cannot_be_shared)
{
	struct guest_mem mem;
	struct vu_mem_table t;
	int fds[VU_MAX_REGIONS];

	cr_assert_eq(guest_mem_alloc(&mem, 32 * MiB), 0);
	cr_assert_eq(vu_mem_table_build(&mem, &t, fds), -EINVAL);
	guest_mem_free(&mem);
}
