# `make bench-boot`: squeeze against QEMU microvm booting the same tiny
# PVH guest (build/guests/hello.elf). See tests/bench/bench_boot.sh.

$(BUILD)/bench/boottime: tests/bench/boottime.c | build-deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $<

bench-boot: squeeze $(BUILD)/guests/hello.elf $(BUILD)/bench/boottime
	tests/bench/bench_boot.sh

bench: bench-boot

.PHONY: bench-boot

# `make bench-cost BASE=DIR`: this tree's bench-boot and bench-blk against
# those of tree DIR (built), in one run. See tests/bench/bench_cost.sh.
bench-cost: squeeze $(BUILD)/guests/hello.elf $(BUILD)/bench/boottime $(BLK_BENCH)
	tests/bench/bench_cost.sh $(BASE)

.PHONY: bench-cost
