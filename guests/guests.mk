# Guests: the tiny freestanding PVH guests, the Debian kernel and initramfs,
# and `make demo`. Included by the top Makefile.
#
# Every guests/tiny/g_<name>.c becomes build/guests/<name>.elf, linked with
# the guest library (the other guests/tiny/*.c, start.S and irq_stubs.S,
# the interrupt entry stubs irq.c refers to; --gc-sections drops them from
# guests that take no interrupts).

GUEST_DIR	:= guests/tiny
GUEST_OBJDIR	:= $(BUILD)/guests/obj
GUEST_CFLAGS	:= -std=gnu11 -O2 -g $(WARN) -m64 -ffreestanding -fno-builtin \
		   -nostdlib -fno-pic -fno-pie -mno-red-zone -mgeneral-regs-only \
		   -fno-stack-protector -fcf-protection=none \
		   -fno-asynchronous-unwind-tables -ffunction-sections \
		   -fdata-sections -I$(GUEST_DIR) -MMD -MP
GUEST_LDFLAGS	:= -m64 -nostdlib -static -no-pie -Wl,-T,$(GUEST_DIR)/guest.ld \
		   -Wl,--gc-sections -Wl,--build-id=none -Wl,-z,noexecstack -Wl,--no-warn-rwx-segments

GUEST_LIB_SRC	:= $(filter-out $(GUEST_DIR)/g_%.c,$(wildcard $(GUEST_DIR)/*.c))
GUEST_LIB_OBJ	:= $(GUEST_OBJDIR)/start.o $(GUEST_OBJDIR)/irq_stubs.o \
		   $(GUEST_LIB_SRC:$(GUEST_DIR)/%.c=$(GUEST_OBJDIR)/%.o)
GUEST_SRC	:= $(wildcard $(GUEST_DIR)/g_*.c)
GUEST_ELFS	:= $(GUEST_SRC:$(GUEST_DIR)/g_%.c=$(BUILD)/guests/%.elf)

$(GUEST_OBJDIR)/%.o: $(GUEST_DIR)/%.c
	@mkdir -p $(dir $@)
	$(CC) $(GUEST_CFLAGS) -c $< -o $@

$(GUEST_OBJDIR)/%.o: $(GUEST_DIR)/%.S
	@mkdir -p $(dir $@)
	$(CC) $(GUEST_CFLAGS) -c $< -o $@

$(BUILD)/guests/%.elf: $(GUEST_OBJDIR)/g_%.o $(GUEST_LIB_OBJ) \
		       $(GUEST_DIR)/guest.ld
	$(CC) $(GUEST_LDFLAGS) -o $@ $< $(GUEST_LIB_OBJ)

tiny-guests: $(GUEST_ELFS)

# The Debian kernel (fetched from Debian's archive) and the initramfs.
DEBIAN		:= $(BUILD)/debian
DEBIAN_STAMP	:= $(DEBIAN)/.stamp
INITRAMFS	:= $(DEBIAN)/initramfs.cpio.gz
SCENARIOS	:= $(wildcard guests/scenarios/*.sh)
# guests/tools/: static helpers for the initramfs's /bin.
RESEED		:= $(BUILD)/guests/tools/reseed
TOOL_CFLAGS	:= -std=gnu11 -Os $(WARN) -D_GNU_SOURCE -static \
		   -ffunction-sections -fdata-sections -Wl,--gc-sections -s

# Refetch by removing $(DEBIAN_STAMP).
$(DEBIAN_STAMP):
	guests/fetch-kernel.sh $(DEBIAN)

$(RESEED): guests/tools/reseed.c | build-deps
	@mkdir -p $(dir $@)
	$(CC) $(TOOL_CFLAGS) -o $@ $<

$(INITRAMFS): $(DEBIAN_STAMP) guests/mkinitramfs.sh guests/init $(SCENARIOS) \
	      $(RESEED)
	guests/mkinitramfs.sh -b $(RESEED) $(DEBIAN) $@

debian: $(INITRAMFS)

# The tiny guests are required; the Debian kernel needs Debian's archive,
# so without it the suites that boot it skip instead of `make test` failing.
guests: tiny-guests
	@$(MAKE) --no-print-directory debian || \
		echo "guests: Debian kernel/initramfs not built; suites that boot it will skip"

# Hardware KVM: the Debian kernel to a shell. Emulating KVM (PVM): hello.
demo: deps
	@$(MAKE) --no-print-directory squeeze guests
	guests/demo.sh

.PHONY: tiny-guests debian
