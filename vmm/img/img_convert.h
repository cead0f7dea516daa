/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_IMG_CONVERT_CMD_H
#define SQUEEZE_IMG_CONVERT_CMD_H

#include "devices/block/disk.h"

/* `squeeze img convert ...` (argv after "convert"); an exit status. */
int img_convert(int argc, char **argv);

/* -f raw|qcow2|vmdk: 0, or -EINVAL for any other name. */
int img_parse_format(const char *s, enum disk_format *f);

#endif
