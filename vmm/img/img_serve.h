/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_IMG_SERVE_H
#define SQUEEZE_IMG_SERVE_H

/* `squeeze img serve ...` (argv after "serve"); an exit status. */
int img_serve(int argc, char **argv);

#endif
