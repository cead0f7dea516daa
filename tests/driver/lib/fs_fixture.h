/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_TEST_FS_FIXTURE_H
#define SQUEEZE_TEST_FS_FIXTURE_H

#include "tests/driver/lib/fuse_drv.h"
#include "virtio/fs/fs.h"

/*
 * The set-up the virtio-fs scenarios share: a test machine on shared RAM
 * that reaches above 4 GiB,
 * a fresh host directory under /var/tmp (fsfx_dir()) with a share/ inside
 * it that is what the guest sees, and up to FSFX_MAX devices, each with a
 * real virtiofsd started by squeeze's own code. One fixture per test
 * process (Criterion runs each test in its own).
 */

/* Split around the PCI hole (3 GiB low, the rest from 4 GiB): the
 * back-end gets two regions. Sparse: only touched pages cost memory. */
#define FSFX_ENV_MEM (3 * GiB + 256 * MiB)
#define FSFX_MAX     2

/* TestSuite(..., .init = fsfx_setup, .fini = fsfx_teardown). */
void fsfx_setup(void);
void fsfx_teardown(void);

/* The test's directory (parent of the share) and the shared one. */
const char *fsfx_dir(void);
const char *fsfx_share(void);
/* A host path under the share; a static buffer per call site is fine. */
void fsfx_path(char *buf, size_t size, const char *rel);
/* Write @len bytes to share/@rel on the host. */
void fsfx_write_file(const char *rel, const void *data, size_t len);

/*
 * The next device from @o (share directory and tag "t<index>" filled in
 * when unset), on the PCI bus, driver up, FUSE_INIT done.
 */
struct fuse_drv *fsfx_add(struct fs_options o);
struct virtio_fs *fsfx_dev(unsigned int i);
struct drv_env *fsfx_env(void);

u64 fsfx_galloc(u64 len, u64 align);
void *fsfx_gptr(u64 gpa, u64 len);

/* Wait up to 5 s for NEEDS_RESET on @d. */
bool fsfx_wait_needs_reset(struct drv_dev *d);

#endif
