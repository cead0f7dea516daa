/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_IMG_INFO_H
#define SQUEEZE_IMG_INFO_H

#include <stdbool.h>

/* `squeeze img info [--json] FILE` (argv after "info"); an exit status. */
int img_info(int argc, char **argv);

/* The VMDK part (img_info_vmdk.c): is @path one, and its report. */
bool img_is_vmdk(const char *path);
int img_info_vmdk(const char *path, bool json);

#endif
