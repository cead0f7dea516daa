// SPDX-License-Identifier: MIT
/*
 * warn_once(): a repeated guest-triggered problem is logged once per
 * device, and a second device still logs its own first one.
 */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <stdlib.h>
#include <unistd.h>

#include "virtio/core/virtio.h"
#include "vmm/base/log.h"

static const struct virtio_dev_ops dev_ops = {
	.device_id = 99,
	.nr_queues = 1,
};

static struct virtio_dev *new_dev(void)
{
	struct virtio_dev *vd = calloc(1, sizeof(*vd));

	cr_assert_not_null(vd);
	virtio_dev_init(vd, &dev_ops, NULL);
	return vd;
}

static void free_dev(struct virtio_dev *vd)
{
	pthread_mutex_destroy(&vd->lock);
	free(vd);
}

Test(warn_once, each_bit_is_true_once_per_mask)
{
	u32 a = 0, b = 0;

	cr_assert(warn_once(&a, 1u << 0));
	cr_assert_not(warn_once(&a, 1u << 0));
	cr_assert(warn_once(&a, 1u << 3), "another kind still logs");
	cr_assert_not(warn_once(&a, 1u << 3));
	cr_assert_eq(a, (1u << 0) | (1u << 3));
	cr_assert(warn_once(&b, 1u << 0), "another object still logs");
	cr_assert_eq(b, 1u << 0);
}

/*
 * Reading the write end of a pipe fails with EBADF: a drain that cannot
 * read. Each device logs it once however often it happens.
 */
Test(warn_once, two_devices_each_log_their_first_problem,
     .init = cr_redirect_stderr)
{
	struct virtio_dev *a = new_dev(), *b = new_dev();
	int p[2];
	int i;

	cr_assert_eq(pipe(p), 0);
	for (i = 0; i < 3; i++)
		virtio_eventfd_drain(a, p[1]);
	for (i = 0; i < 2; i++)
		virtio_eventfd_drain(b, p[1]);
	close(p[0]);
	close(p[1]);
	free_dev(a);
	free_dev(b);
	fflush(stderr);
	cr_assert_stderr_eq_str(
		"squeeze: warning: virtio: eventfd read: Bad file descriptor\n"
		"squeeze: warning: virtio: eventfd read: Bad file descriptor\n");
}

/*
 * NEEDS_RESET: every episode raises the configuration interrupt, but a
 * guest cycling bad request / reset gets one log line per device.
 */
Test(warn_once, needs_reset_logs_once_per_device, .init = cr_redirect_stderr)
{
	struct virtio_dev *a = new_dev(), *b = new_dev();

	virtio_dev_needs_reset(a, "first");
	cr_assert(a->status & VIRTIO_STATUS_NEEDS_RESET);
	cr_assert(a->isr & VIRTIO_ISR_CONFIG);
	virtio_dev_needs_reset(a, "same episode");
	a->status = 0; /* the driver reset it */
	a->isr = 0;
	virtio_dev_needs_reset(a, "second episode");
	cr_assert(a->status & VIRTIO_STATUS_NEEDS_RESET);
	cr_assert(a->isr & VIRTIO_ISR_CONFIG, "interrupt on every episode");
	virtio_dev_needs_reset(b, "other device");
	free_dev(a);
	free_dev(b);
	fflush(stderr);
	cr_assert_stderr_eq_str(
		"squeeze: warning: virtio device (id 99) needs reset: first\n"
		"squeeze: warning: virtio device (id 99) needs reset: "
		"other device\n");
}
