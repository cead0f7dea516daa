# `make bench-exec`: the exec initramfs generation time and virtio-console
# throughput through the in-process driver (build/bench/exec_bench), and
# the wall time of `squeeze exec -- true` with the Debian kernel where
# /dev/kvm runs Linux at speed (tests/bench/bench_exec.sh).

EXEC_BENCH := $(BUILD)/bench/exec_bench

$(EXEC_BENCH): $(BUILD)/obj/tests/bench/exec_bench.o $(DRV_LIB_A) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) -o $@ $^ $(LDLIBS)

bench-exec: $(EXEC_BENCH) squeeze debian
	tests/bench/bench_exec.sh

bench: bench-exec

.PHONY: bench-exec
