// SPDX-License-Identifier: MIT
/*
 * devices/block/disk.c names every format's ops; the fuzz targets link it
 * for its helpers (locks) but never open a disk, so empty tables do.
 */
#include "devices/block/disk.h"

const struct disk_ops disk_raw_ops, disk_qcow2_ops, disk_vmdk_ops;
