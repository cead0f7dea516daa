#!/usr/bin/env bash
# The libFuzzer targets of tests/fuzz/ (virtqueue chain walker, virtio-blk
# requests, virtio-net headers, virtio-pci accessors, kernel loaders),
# seeded with their unit tests' cases, 30 s each, all at once. Longer:
# make fuzz (FUZZ_SECONDS each).
set -u
. "$(dirname "$0")/lib.sh"
t_begin fuzz

if ! command -v clang >/dev/null; then
	skip "all: clang not installed"
	t_end; exit
fi
if ! make -s -C "$ROOT" fuzz-bins >"$ROOT/build/fuzz-build.log" 2>&1; then
	fail "cannot build the fuzz targets: $(grep -m1 -E 'error' "$ROOT/build/fuzz-build.log")"
	t_end; exit
fi
"$ROOT/tests/fuzz/run.sh" "${FUZZ_TEST_SECONDS:-30}" >"$ROOT/build/fuzz-run.log" 2>&1
while read -r line; do
	case $line in
	*"no finding") pass "$line" ;;
	*) fail "$line" ;;
	esac
done <"$ROOT/build/fuzz-run.log"
t_end
