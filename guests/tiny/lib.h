/* SPDX-License-Identifier: MIT */
#ifndef TINY_LIB_H
#define TINY_LIB_H

/*
 * The freestanding library of the tiny PVH guests: port and MMIO access,
 * COM1 console, a small printf, exit through the debug-exit port, the
 * command line from hvm_start_info, and the few libc memory functions
 * the compiler may call on its own.
 *
 * A guest is one file guests/tiny/g_<name>.c defining guest_main().
 * Memory is identity mapped for the first 4 GiB, so a pointer is its
 * guest-physical address (virt_to_phys()).
 */

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;

#define ARRAY_SIZE(a)  (sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a) (((x) + ((a)-1)) & ~((__typeof__(x))(a)-1))
#define MIN(a, b)      ((a) < (b) ? (a) : (b))
#define __noreturn     __attribute__((noreturn))
#define __aligned(n)   __attribute__((aligned(n)))
#define __packed       __attribute__((packed))

/* Ports, as in firmware/layout.h (the guest cannot include VMM headers). */
#define PORT_DEBUG_EXIT 0x00f4 /* status (v << 1) | 1 */
#define PORT_I8042_CMD	0x0064
#define PORT_COM1	0x03f8
#define PORT_PM1A_CNT	0x0604
#define ACPI_S5_SLP_TYP 5
#define PM1_SLP_EN	(1 << 13)

/* struct hvm_start_info, Xen public/arch-x86/hvm/start_info.h. */
#define HVM_START_MAGIC 0x336ec578
struct hvm_start_info {
	u32 magic;
	u32 version;
	u32 flags;
	u32 nr_modules;
	u64 modlist_paddr;
	u64 cmdline_paddr; /* offset 0x18 */
	u64 rsdp_paddr;
	u64 memmap_paddr; /* version >= 1 */
	u32 memmap_entries;
	u32 reserved;
};

/* Exit code of every guest when hvm_start_info is bad (status 0xff). */
#define EXIT_BAD_START_INFO 0x7f

/* Each guest defines this; its return value is passed to exit(). */
int guest_main(const struct hvm_start_info *si);

static inline void outb(u16 port, u8 v)
{
	asm volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outw(u16 port, u16 v)
{
	asm volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(u16 port, u32 v)
{
	asm volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline u8 inb(u16 port)
{
	u8 v;

	asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline u16 inw(u16 port)
{
	u16 v;

	asm volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline u32 inl(u16 port)
{
	u32 v;

	asm volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

/* Compiler barrier; x86 keeps stores in order, so this orders DMA too. */
static inline void barrier(void)
{
	asm volatile("" : : : "memory");
}

/* Full barrier: orders a store before a later load (x86 may reorder those). */
static inline void mb(void)
{
	asm volatile("mfence" : : : "memory");
}

static inline u64 rdtsc(void)
{
	u32 lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (u64)hi << 32 | lo;
}

static inline void cpu_relax(void)
{
	asm volatile("pause" : : : "memory");
}

static inline u8 mmio_read8(u64 a)
{
	return *(volatile u8 *)(uintptr_t)a;
}

static inline u16 mmio_read16(u64 a)
{
	return *(volatile u16 *)(uintptr_t)a;
}

static inline u32 mmio_read32(u64 a)
{
	return *(volatile u32 *)(uintptr_t)a;
}

static inline u64 mmio_read64(u64 a)
{
	return *(volatile u64 *)(uintptr_t)a;
}

static inline void mmio_write8(u64 a, u8 v)
{
	*(volatile u8 *)(uintptr_t)a = v;
}

static inline void mmio_write16(u64 a, u16 v)
{
	*(volatile u16 *)(uintptr_t)a = v;
}

static inline void mmio_write32(u64 a, u32 v)
{
	*(volatile u32 *)(uintptr_t)a = v;
}

static inline void mmio_write64(u64 a, u64 v)
{
	*(volatile u64 *)(uintptr_t)a = v;
}

static inline u64 virt_to_phys(const void *p)
{
	return (u64)(uintptr_t)p;
}

/* Console on COM1. puts() appends a newline, like libc's. */
void putc(char c);
void puts(const char *s);
/* %s %c %d %u %x %lx %lu %ld %p %%, with optional '0' flag and width. */
void printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void vprintf(const char *fmt, va_list ap);
/* "  xx xx ..." for @len bytes, then a newline. */
void print_hex(const void *buf, size_t len);

/* Write @code to the debug-exit port (status (code << 1) | 1), then halt. */
void exit(int code) __noreturn;
/* cli; hlt forever: the VM stays up until it is killed. */
void halt(void) __noreturn;

/* The command line, or "" when the VMM gave none. */
const char *cmdline(const struct hvm_start_info *si);
/*
 * Find "@key=<number>" as a whole word on @cmd; the number is decimal or
 * 0x-prefixed hex. Returns true and sets @val if found and well formed.
 */
bool cmdline_get_uint(const char *cmd, const char *key, u32 *val);

void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strncmp(const char *a, const char *b, size_t n);
/* CRC-32 (IEEE 802.3, the one zlib's crc32() computes), bitwise. */
u32 crc32(u32 crc, const void *buf, size_t len);

#endif
