/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_CTL_CLIENT_H
#define SQUEEZE_CTL_CLIENT_H

/*
 * squeeze ctl PATH COMMAND [ARGS]: send one request to a running
 * squeeze's control socket, print the result (one JSON object) on stdout
 * and return 0; an error reply is printed as one line on stderr and
 * returns 2 for class input, 1 otherwise, as squeeze's own errors do.
 * @argv[0] is "ctl".
 */
int ctl_main(int argc, char **argv);

#endif
