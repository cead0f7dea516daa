# `make bench-linux`: squeeze against QEMU on the Debian guest, boot and
# the blk and net scenarios, in the full-Linux tier's outer guest (or on
# hardware KVM). See tests/bench/bench_linux.sh.

bench-linux: squeeze linux-tier
	@$(MAKE) --no-print-directory debian
	tests/bench/bench_linux.sh

bench: bench-linux

.PHONY: bench-linux
