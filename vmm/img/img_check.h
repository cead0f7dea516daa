/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_IMG_CHECK_H
#define SQUEEZE_IMG_CHECK_H

/* `squeeze img check ...` (argv after "check"); qemu-img's exit status. */
int img_check(int argc, char **argv);

#endif
