# qcow2 rows for `make bench-blk` (tests/bench/bench_qcow2.sh), after the
# blk engineer's raw rows; also alone as `make bench-qcow2`.
bench-qcow2: $(BUILD)/bench/blk_bench
	tests/bench/bench_qcow2.sh

bench-blk: bench-qcow2

.PHONY: bench-qcow2
