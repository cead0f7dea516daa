#!/usr/bin/env bash
# make bench-exec: build/bench/exec_bench (initramfs generation, console
# throughput), then the wall time of `squeeze exec -- true` with the
# Debian cloud kernel, median of 20, where /dev/kvm runs Linux at speed
# (no QEMU figure beside it yet). On an emulating /dev/kvm (KVM's PVM
# flavour) Linux never reaches userspace: that figure comes from the
# full-Linux tier (tests/linux/scenarios/exec.sh) instead.
set -eu
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh
echo "bench-exec: $(nproc) CPUs, $(awk '/MemTotal/ {print int($2/1048576) " GiB"}' /proc/meminfo)"
build/bench/exec_bench build/debian
DEB=build/debian
if ! hw_kvm; then
	echo "exec wall time: skipped: /dev/kvm emulates guest code here; measured nested in the full-Linux tier"
	exit 0
fi
ver=$(cat $DEB/version)
t=()
for i in $(seq 20); do
	s=$(date +%s%N)
	./squeeze exec --kernel $DEB/vmlinuz --modules $DEB/root/lib/modules/$ver -- true
	t+=($(( ($(date +%s%N) - s) / 1000000 )))
done
printf '%s\n' "${t[@]}" | sort -n | awk '{v[NR]=$1} END {print "exec wall time: squeeze exec -- true, median of 20: " v[int((NR+1)/2)] " ms"}'
