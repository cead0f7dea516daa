/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_IMG_RESIZE_H
#define SQUEEZE_IMG_RESIZE_H

/* `squeeze img resize ...` (argv after "resize"); an exit status. */
int img_resize(int argc, char **argv);

#endif
