/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_IMG_H
#define SQUEEZE_IMG_H

/*
 * `squeeze img create|info|check|convert|resize|serve ...`: argv[0] is
 * "img". Returns the process exit
 * status (0, 1 on I/O failure, 2 on bad usage or a bad file); prints its
 * own one-line errors. Called only from vmm/main.c.
 */
int img_main(int argc, char **argv);

#endif
