/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_CONTROL_H
#define SQUEEZE_CONTROL_H

/*
 * The control socket (--control PATH): a unix stream socket, mode 0600,
 * served by one thread ("ctl", vmm/core/iothread.h) that accepts one
 * client at a time, reads its lines, parses them (ctl_proto.h) and hands
 * each checked request to the main thread, which runs it and answers.
 * The thread writes the answer back and reads the next line only then.
 * A second client, a malformed or overlong line and an unknown command
 * get an error reply; nothing a client sends reaches the VM unchecked.
 *
 * The main thread polls control_request_fd(); when it is readable,
 * control_take() gives the request and control_answer() (exactly once per
 * request taken) sends the reply.
 */

#include <jansson.h>

#include "vmm/base/err.h"
#include "vmm/control/ctl_proto.h"

struct control;

/*
 * Create the socket at @path (a stale socket left by a killed squeeze is
 * replaced; a live one, or any other file there, is refused: input) and
 * start the thread. @vm_name names it ("web1:ctl"). 0 or -errno with @err.
 */
int control_open(struct control **out, const char *path, const char *vm_name,
		 struct err *err);

/* The thread (to confine it, see iothread_call()). */
struct iothread *control_iothread(struct control *c);

/* Readable while a request waits for the main thread. */
int control_request_fd(struct control *c);

/* The waiting request, if any (clears the fd). */
bool control_take(struct control *c, struct ctl_request *req);

/*
 * Answer the request taken: @result (a reference is taken; NULL means an
 * empty object) or, when @err is set, the error.
 */
void control_answer(struct control *c, json_t *result, const struct err *err);

/*
 * Deliver an answer still on its way, stop the thread, close the client
 * and remove the socket file (if it is still ours). NULL is fine.
 */
void control_close(struct control *c);

#endif
