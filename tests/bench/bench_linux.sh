#!/usr/bin/env bash
# Full-Linux benchmark (not a test): squeeze against QEMU running the same
# Debian guest, boot to the banner, the blk and net scenarios and
# `squeeze exec -- true` (tests/bench/bench_linux_run.sh measures; it
# says how). On hardware KVM
# it runs here; elsewhere inside one boot of the outer guest of the
# full-Linux tier (tests/linux/outer.sh, QEMU's software emulator), where
# the figures are distorted by the emulator and only the ratios within one
# run mean anything.
#   tests/bench/bench_linux.sh        RUNS=3, BENCH_QEMU_MACHINE=microvm,
#                                     CASES="boot blk net exec"
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh
run=build/linux/bench
rm -rf "$run"
mkdir -p "$run"
args=(env RUNS="${RUNS:-3}" BENCH_QEMU_MACHINE="${BENCH_QEMU_MACHINE:-microvm}"
      CASES="${CASES:-boot blk net exec}")
run_sh=tests/bench/bench_linux_run.sh
if hw_kvm; then
	echo "bench-linux: hardware KVM, on this host"
	"${args[@]}" "$run_sh" | tee "$run/console.log"
	exit "${PIPESTATUS[0]}"
fi
echo "bench-linux: nested in QEMU TCG (no hardware KVM here). Emulated" \
	"figures: compare squeeze and QEMU within this run only."
note="NESTED in QEMU TCG, distorted by the emulator: compare within this run only"
tests/linux/outer.sh "$run" "${args[@]}" BENCH_NOTE="$note" "$run_sh"
rc=$?
tr -d '\r' <"$run/console.log" | sed -n '/^bench-linux: /,$p' |
	grep -a -v -E '^(linux-step|linux-outer|\[ *[0-9.]+\])'
exit $rc
