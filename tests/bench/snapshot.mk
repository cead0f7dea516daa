# `make bench-snapshot`: snapshot time, restore against a cold boot of the
# same tiny guest, restores per second, and make bench-boot's figures in
# the same run. See tests/bench/bench_snapshot.sh.

bench-snapshot: squeeze $(BUILD)/guests/counter.elf $(BUILD)/guests/hello.elf \
		$(BUILD)/bench/boottime
	tests/bench/bench_snapshot.sh

bench: bench-snapshot

.PHONY: bench-snapshot
