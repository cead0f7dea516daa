// SPDX-License-Identifier: MIT
/*
 * boots: counts its boots on its disk, for a VMM that restarts it on
 * reset (--on-reboot restart). Each boot reads sector 0 ("squeeze-boots
 * N"), writes N + 1 and flushes, checks that RAM came back zeroed (a
 * marker the previous boot left at RAM_MARKER must be gone), then resets
 * through the i8042 until it has booted resets+1 times (command line
 * "resets=N", default 2), and then powers off by ACPI S5.
 * Exit codes name what went wrong; see guests/README.md.
 */
#include "blkdev.h"

#define MAGIC		  "squeeze-boots "
#define RAM_MARKER	  0x1000000ULL /* 16 MiB: above the image */
#define MARKER		  0x5a5a5a5a5a5a5a5aULL
#define I8042_PULSE_RESET 0xfe

enum boots_exit {
	BOOTS_NO_DEVICE = 0x21,
	BOOTS_IO = 0x22,
	BOOTS_RAM_KEPT = 0x23,
	BOOTS_STILL_ALIVE = 0x24,
};

/* The count in @s ("squeeze-boots N"), 0 for anything else. */
static u32 parse_count(const u8 *s)
{
	u32 n = 0;
	size_t i = strlen(MAGIC);

	if (memcmp(s, MAGIC, i))
		return 0;
	for (; s[i] >= '0' && s[i] <= '9' && n < 100000; i++)
		n = n * 10 + (s[i] - '0');
	return n;
}

static void format_count(u8 *s, u32 n)
{
	char digits[12];
	int k = 0;

	memset(s, 0, SECTOR_SIZE);
	memcpy(s, MAGIC, strlen(MAGIC));
	do {
		digits[k++] = '0' + n % 10;
		n /= 10;
	} while (n);
	s += strlen(MAGIC);
	while (k)
		*s++ = digits[--k];
	*s = '\n';
}

int guest_main(const struct hvm_start_info *si)
{
	struct pci_window win = PCI_WINDOW_INIT;
	volatile u64 *marker = (volatile u64 *)RAM_MARKER;
	u8 sector[SECTOR_SIZE];
	struct blkdev b;
	const char *why;
	u32 boot, resets = 2;

	cmdline_get_uint(cmdline(si), "resets", &resets);
	if (blkdev_open(&b, &win, &why) != BLKDEV_OK) {
		printf("boots: FAIL probe: %s\n", why);
		return BOOTS_NO_DEVICE;
	}
	if (blkdev_request(&b, VIRTIO_BLK_T_IN, 0, sector, &why))
		goto io;
	boot = parse_count(sector) + 1;
	format_count(sector, boot);
	if (blkdev_request(&b, VIRTIO_BLK_T_OUT, 0, sector, &why) ||
	    blkdev_request(&b, VIRTIO_BLK_T_FLUSH, 0, NULL, &why))
		goto io;
	printf("boots: boot %u\n", boot);
	if (*marker) {
		printf("boots: FAIL RAM still holds the last boot's marker\n");
		return BOOTS_RAM_KEPT;
	}
	*marker = MARKER;
	if (boot <= resets) {
		puts("boots: reset");
		outb(PORT_I8042_CMD, I8042_PULSE_RESET);
	} else {
		puts("boots: power off");
		outw(PORT_PM1A_CNT, (ACPI_S5_SLP_TYP << 10) | PM1_SLP_EN);
	}
	puts("boots: FAIL still alive");
	return BOOTS_STILL_ALIVE;
io:
	printf("boots: FAIL I/O: %s\n", why);
	return BOOTS_IO;
}
