// SPDX-License-Identifier: MIT
/*
 * Tiny guest library: console, printf, exit, command line, mem*.
 * Every instruction costs about a microsecond under the emulating KVM
 * these guests are tested on, so the code is plain and short rather
 * than clever.
 */
#include "lib.h"
#include "uart.h"

#define THRE_SPINS 100000 /* a dead UART cannot hang us */

/* Entered from start.S in long mode. */
void tiny_entry(const struct hvm_start_info *si) __noreturn;
void tiny_entry(const struct hvm_start_info *si)
{
	if (!si || si->magic != HVM_START_MAGIC) {
		puts("tiny: bad hvm_start_info magic");
		exit(EXIT_BAD_START_INFO);
	}
	exit(guest_main(si));
}

void putc(char c)
{
	unsigned int spins = THRE_SPINS;

	while (!(inb(COM1_LSR) & LSR_THRE) && --spins)
		;
	outb(COM1_THR, (u8)c);
}

static void put_str(const char *s)
{
	while (*s)
		putc(*s++);
}

void puts(const char *s)
{
	put_str(s);
	putc('\n');
}

static void put_num(u64 v, unsigned int base, bool neg, unsigned int width,
		    char pad)
{
	char buf[24];
	unsigned int n = 0;

	do {
		buf[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	if (neg)
		buf[n++] = '-';
	while (width > n) {
		putc(pad);
		width--;
	}
	while (n)
		putc(buf[--n]);
}

static u64 arg_unsigned(va_list *ap, bool is_long)
{
	return is_long ? va_arg(*ap, unsigned long) : va_arg(*ap, unsigned int);
}

/* Print one conversion; @f points after the flags and width. */
static const char *put_conv(const char *f, va_list *ap, unsigned int width,
			    char pad)
{
	bool is_long = *f == 'l';
	long v;

	if (is_long)
		f++;
	switch (*f) {
	case 'd':
		v = is_long ? va_arg(*ap, long) : va_arg(*ap, int);
		put_num(v < 0 ? -(u64)v : (u64)v, 10, v < 0, width, pad);
		break;
	case 'u':
		put_num(arg_unsigned(ap, is_long), 10, false, width, pad);
		break;
	case 'x':
		put_num(arg_unsigned(ap, is_long), 16, false, width, pad);
		break;
	case 'p':
		put_str("0x");
		put_num((uintptr_t)va_arg(*ap, void *), 16, false, width, pad);
		break;
	case 'c':
		putc((char)va_arg(*ap, int));
		break;
	case 's':
		put_str(va_arg(*ap, const char *));
		break;
	case '\0':
		return f;
	default:
		putc(*f);
		break;
	}
	return f + 1;
}

void vprintf(const char *f, va_list ap)
{
	va_list aq;

	va_copy(aq, ap);
	while (*f) {
		unsigned int width = 0;
		char pad = ' ';

		if (*f != '%') {
			putc(*f++);
			continue;
		}
		f++;
		if (*f == '0') {
			pad = '0';
			f++;
		}
		while (*f >= '0' && *f <= '9')
			width = width * 10 + (unsigned int)(*f++ - '0');
		f = put_conv(f, &aq, width, pad);
	}
	va_end(aq);
}

void printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

void print_hex(const void *buf, size_t len)
{
	const u8 *p = buf;
	size_t i;

	for (i = 0; i < len; i++)
		printf(" %02x", p[i]);
	putc('\n');
}

void halt(void)
{
	for (;;)
		asm volatile("cli; hlt");
}

void exit(int code)
{
	outb(PORT_DEBUG_EXIT, (u8)code);
	halt();
}

const char *cmdline(const struct hvm_start_info *si)
{
	if (!si->cmdline_paddr || si->cmdline_paddr >= (4ULL << 30))
		return "";
	return (const char *)(uintptr_t)si->cmdline_paddr;
}

static bool parse_uint(const char *s, u32 *val)
{
	unsigned int base = 10;
	u64 v = 0;
	int digits = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	for (; *s && *s != ' '; s++, digits++) {
		unsigned int d;

		if (*s >= '0' && *s <= '9')
			d = (unsigned int)(*s - '0');
		else if (base == 16 && (*s | 0x20) >= 'a' && (*s | 0x20) <= 'f')
			d = (unsigned int)((*s | 0x20) - 'a' + 10);
		else
			return false;
		v = v * base + d;
		if (v > 0xffffffffULL)
			return false;
	}
	if (!digits)
		return false;
	*val = (u32)v;
	return true;
}

bool cmdline_get_uint(const char *cmd, const char *key, u32 *val)
{
	size_t klen = strlen(key);
	const char *p = cmd;

	for (; *p; p++) {
		if (p != cmd && p[-1] != ' ')
			continue;
		if (!strncmp(p, key, klen) && p[klen] == '=')
			return parse_uint(p + klen + 1, val);
	}
	return false;
}

void *memset(void *d, int c, size_t n)
{
	u8 *p = d;

	while (n--)
		*p++ = (u8)c;
	return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
	u8 *dp = d;
	const u8 *sp = s;

	while (n--)
		*dp++ = *sp++;
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const u8 *pa = a, *pb = b;

	for (; n; n--, pa++, pb++)
		if (*pa != *pb)
			return *pa - *pb;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (u8)*a - (u8)*b;
		if (!*a)
			break;
	}
	return 0;
}

u32 crc32(u32 crc, const void *buf, size_t len)
{
	const u8 *p = buf;
	int k;

	crc = ~crc;
	while (len--) {
		crc ^= *p++;
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320 & -(crc & 1));
	}
	return ~crc;
}
