// SPDX-License-Identifier: MIT
/*
 * virtio-blk quiesced for a snapshot, through the in-process driver: with
 * requests in flight, afterwards each one is either completed (used, with
 * its data in the file) or still unseen by the device (its avail slot not
 * taken, its data not written); the device holds none; nothing moves while
 * frozen; the thaw finishes the rest. Then a save and a restore into a
 * fresh transport: the driver goes on as if nothing happened.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "tests/driver/lib/blk_fixture.h"

#define NREQ	24
#define REQ_LEN (256 * KiB)

TestSuite(blk_snapshot, .init = blk_fx_setup, .fini = blk_fx_teardown);

static void submit_writes(struct blk_drv *b, u64 gpa[NREQ], unsigned int from,
			  unsigned int to)
{
	unsigned int i;

	for (i = from; i < to; i++) {
		struct drv_buf d;

		gpa[i] = galloc(REQ_LEN, 4096);
		fill_random(gptr(gpa[i], REQ_LEN), REQ_LEN);
		d = (struct drv_buf){ gpa[i], REQ_LEN, false };
		cr_assert_geq(blk_drv_submit(b, VIRTIO_BLK_T_OUT,
					     i * (REQ_LEN / 512), &d, 1, i),
			      0);
	}
	blk_drv_kick(b);
}

/* Reap what is there now; mark each cookie done, check its status. */
static unsigned int reap_now(struct blk_drv *b, bool done[NREQ], int ms)
{
	unsigned int n = 0;
	u64 cookie;
	u8 status;
	u32 len;

	while (blk_drv_reap(b, ms, &cookie, &status, &len) == 0) {
		cr_assert_lt(cookie, NREQ);
		cr_assert_eq(status, VIRTIO_BLK_S_OK);
		cr_assert_not(done[cookie], "request %llu completed twice",
			      (unsigned long long)cookie);
		done[cookie] = true;
		n++;
	}
	return n;
}

static bool on_disk(u64 gpa, unsigned int i)
{
	static u8 buf[REQ_LEN];

	file_read(0, (u64)i * REQ_LEN, buf, REQ_LEN);
	return !memcmp(buf, gptr(gpa, REQ_LEN), REQ_LEN);
}

Test(blk_snapshot, each_request_completed_or_unseen)
{
	struct blk_options o = plain();
	struct blk_drv *b;
	struct virtio_pci_state *st = malloc(sizeof(*st));
	bool done[NREQ] = { 0 };
	u64 gpa[NREQ];
	unsigned int i, n, taken;

	o.disk.cache = DISK_CACHE_NONE; /* slower: more caught in flight */
	b = add_disk(o, BLK_DRV_ALL_FEATURES);
	submit_writes(b, gpa, 0, NREQ / 2);
	cr_assert_eq(virtio_pci_quiesce(blk_fx_vp(0), true), 0);
	/* The other half comes, with its doorbell, while it is frozen. */
	submit_writes(b, gpa, NREQ / 2, NREQ);
	virtio_pci_save(blk_fx_vp(0), st);
	taken = st->q[0].dev.last_avail;
	cr_assert_eq(taken, st->q[0].dev.used_idx,
		     "the device holds no request");
	n = reap_now(b, done, 0);
	cr_assert_eq(n, taken, "every request taken was completed");
	cr_assert_leq(taken, NREQ / 2, "none of those kicked while frozen");
	for (i = 0; i < NREQ; i++)
		cr_assert_eq(on_disk(gpa[i], i), done[i],
			     "request %u: %s, data %s on disk", i,
			     done[i] ? "completed" : "unseen",
			     on_disk(gpa[i], i) ? "" : "not");
	cr_assert_eq(reap_now(b, done, 200), 0, "frozen: nothing moves");
	cr_assert_eq(virtio_pci_quiesce(blk_fx_vp(0), false), 0);
	while (n < NREQ)
		n += reap_now(b, done, 2000);
	for (i = 0; i < NREQ; i++)
		cr_assert(on_disk(gpa[i], i), "request %u after the thaw", i);
	cr_log_info("%u of %u requests completed at the freeze", taken, NREQ);
	free(st);
}

Test(blk_snapshot, save_restore_into_a_new_transport_goes_on)
{
	struct blk_drv *b = add_disk(plain(), BLK_DRV_ALL_FEATURES);
	struct virtio_pci_state *st = malloc(sizeof(*st));
	u64 gpa = galloc(4096, 4096);
	struct err err = { 0 };
	struct virtio_pci *vp;

	fill_random(gptr(gpa, 4096), 4096);
	cr_assert_eq(blk_drv_write(b, 8, gpa, 4096), 0);
	cr_assert_eq(virtio_pci_quiesce(blk_fx_vp(0), true), 0);
	virtio_pci_save(blk_fx_vp(0), st);
	cr_assert(st->status & VIRTIO_STATUS_DRIVER_OK);
	/* As a restore does: a fresh function in the slot, the state in. */
	vp = blk_fx_replug(0);
	cr_assert_eq(virtio_pci_restore(vp, st, &err), 0, "%s", err.msg);
	virtio_pci_restart(vp, st);
	memset(gptr(gpa, 4096), 0, 4096);
	cr_assert_eq(blk_drv_read(b, 8, gpa, 4096), 0);
	file_read(0, 8 * 512, st->cfg, 256);
	cr_assert_arr_eq(gptr(gpa, 256), st->cfg, 256);
	st->device_features ^= 1ULL << VIRTIO_BLK_F_RO;
	vp = blk_fx_replug(0);
	cr_assert_eq(virtio_pci_restore(vp, st, &err), -EINVAL);
	cr_assert(strstr(err.msg, "features"), "%s", err.msg);
	free(st);
}
