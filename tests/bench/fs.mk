# `make bench-fs`: virtio-fs (and vhost-user-blk) through the in-process
# driver against the host in the same run. See tests/bench/bench_fs.sh.

FS_BENCH := $(BUILD)/bench/fs_bench
$(FS_BENCH): $(BUILD)/obj/tests/bench/fs_bench.o $(DRV_LIB_A) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) -o $@ $^ $(LDLIBS)

bench-fs: squeeze $(FS_BENCH) $(BUILD)/bench/blk_bench $(BUILD)/bench/boottime \
	  $(BUILD)/guests/hello.elf $(BUILD)/guests/fs.elf
	tests/bench/bench_fs.sh

bench: bench-fs

.PHONY: bench-fs
