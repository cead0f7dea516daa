/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_IMG_INFO_H
#define SQUEEZE_IMG_INFO_H

/* `squeeze img info [--json] FILE` (argv after "info"); an exit status. */
int img_info(int argc, char **argv);

#endif
