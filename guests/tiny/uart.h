/* SPDX-License-Identifier: MIT */
#ifndef TINY_UART_H
#define TINY_UART_H

/* The 16550A registers at COM1, for the guests that drive it by interrupt. */
#include "lib.h"

#define COM1_RBR	 (PORT_COM1 + 0)
#define COM1_THR	 (PORT_COM1 + 0)
#define COM1_IER	 (PORT_COM1 + 1)
#define COM1_IIR	 (PORT_COM1 + 2)
#define COM1_MCR	 (PORT_COM1 + 4)
#define COM1_LSR	 (PORT_COM1 + 5)
#define COM1_MSR	 (PORT_COM1 + 6)
#define IER_RDI		 0x01
#define IER_THRI	 0x02
#define IIR_NO_INT	 0x01
#define IIR_ID		 0x0e
#define IIR_MSI		 0x00
#define IIR_THRI	 0x02
#define IIR_RDI		 0x04
#define IIR_TIMEOUT	 0x0c
#define MCR_DTR_RTS_OUT2 0x0b /* OUT2 gates the IRQ on a PC */
#define LSR_DR		 0x01
#define LSR_THRE	 0x20

#define COM1_IRQ 4

#endif
