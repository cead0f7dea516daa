# `make bench-blk`: virtio-blk through the in-process driver against the
# host's own fio on the same file. See tests/bench/bench_blk.sh.

BLK_BENCH := $(BUILD)/bench/blk_bench
$(BLK_BENCH): $(BUILD)/obj/tests/bench/blk_bench.o $(DRV_LIB_A) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) -o $@ $^ $(LDLIBS)

bench-blk: $(BLK_BENCH)
	tests/bench/bench_blk.sh

bench: bench-blk

.PHONY: bench-blk
