# `make bench-img`: squeeze img convert, check and serve against qemu-img
# and qemu-nbd in the same run. See tests/bench/bench_img.sh.

bench-img: squeeze
	tests/bench/bench_img.sh

bench: bench-img

.PHONY: bench-img
