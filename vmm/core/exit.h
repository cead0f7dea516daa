/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_EXIT_H
#define SQUEEZE_EXIT_H

/*
 * How a device ends the VM: power-off, reset and the debug-exit port ask
 * the VMM to stop all vCPUs and exit with a status. The VMM supplies the
 * sink; unit tests supply one that records the request.
 */
enum vm_stop_reason {
	VM_STOP_POWEROFF,   /* ACPI S5 */
	VM_STOP_RESET,	    /* i8042 pulse or ACPI reset register */
	VM_STOP_DEBUG_EXIT, /* port 0xf4 */
	VM_STOP_FAILURE,    /* a vCPU failed (triple fault, ...) */
	VM_STOP_QUIT,	    /* the user typed Ctrl-A x */
	VM_STOP_SIGNAL,	    /* SIGTERM, SIGINT, SIGHUP */
	VM_STOP_TIMEOUT,    /* squeeze exec --timeout */
	VM_STOP_STATUS,	    /* squeeze exec: the command's status */
	VM_STOP_CONTROL,    /* squeeze ctl poweroff */
};

struct exit_sink {
	void (*stop)(void *opaque, enum vm_stop_reason why, int status);
	void *opaque;
};

static inline void exit_sink_stop(const struct exit_sink *s,
				  enum vm_stop_reason why, int status)
{
	s->stop(s->opaque, why, status);
}

#endif
