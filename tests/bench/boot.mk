# `make bench-boot`: squeeze against QEMU microvm booting the same tiny
# PVH guest (build/guests/hello.elf). See tests/bench/bench_boot.sh.

$(BUILD)/bench/boottime: tests/bench/boottime.c | build-deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $<

bench-boot: squeeze $(BUILD)/guests/hello.elf $(BUILD)/bench/boottime
	tests/bench/bench_boot.sh

bench: bench-boot

.PHONY: bench-boot
