#!/usr/bin/env bash
# Boot benchmark (not a test): squeeze against QEMU microvm, both booting
# the same tiny PVH guest (build/guests/hello.elf: one console line, then
# exit through port 0xf4, status 1). Per VMM, in the same run, alternating:
#   wall    median over RUNS of the whole process, fork to exit (ms)
#   RSS     median over RUNS of the process's peak resident set (MiB)
#   rate    LOOPS launches back to back on one core (taskset -c 0), per s
# QEMU runs twice: as the brief's baseline ("qemu-microvm") and with the
# microvm devices this guest does not need switched off ("qemu-min").
# On hardware KVM it also times the Debian kernel to the initramfs banner.
#
#   tests/bench/bench_boot.sh        RUNS=21 LOOPS=50 by default
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh

RUNS=${RUNS:-21}
LOOPS=${LOOPS:-50}
GUEST=build/guests/hello.elf
LINE="Hello from a squeeze guest"
BT=build/bench/boottime
out=$(mktemp -d /tmp/bench-boot.XXXXXX)
trap 'rm -rf "$out"' EXIT

# shellcheck disable=SC2054 # the commas belong to QEMU options
qemu_base=(qemu-system-x86_64 -accel kvm -cpu host,-arch-capabilities
	-nodefaults -no-user-config -nographic -serial stdio
	-device isa-debug-exit,iobase=0xf4,iosize=0x04 -m 128M -kernel "$GUEST")
declare -A CMD
CMD[squeeze]="./squeeze run --kernel $GUEST --memory 128M --console stdio"
CMD[qemu-microvm]="${qemu_base[*]} -M microvm"
CMD[qemu-min]="${qemu_base[*]} -M microvm,x-option-roms=off,pit=off,pic=off,rtc=off,acpi=off"
ORDER=(squeeze qemu-microvm qemu-min)

if [ ! -e /dev/kvm ]; then
	echo "bench-boot: SKIPPED: no /dev/kvm"
	exit 0
fi
for f in "$GUEST" "$BT"; do
	[ -x "$f" ] || [ -f "$f" ] || { echo "bench-boot: $f missing (make bench-boot builds it)"; exit 1; }
done

# A VMM is timed only if it really boots the guest: the line, status 1.
vmms=()
for v in "${ORDER[@]}"; do
	# shellcheck disable=SC2086
	timeout 20 ${CMD[$v]} </dev/null >"$out/$v.console" 2>&1
	st=$?
	if [ $st -eq 1 ] && grep -q "$LINE" "$out/$v.console"; then
		vmms+=("$v")
	else
		echo "bench-boot: $v does not boot $GUEST (status $st); left out:"
		tail -n 3 "$out/$v.console" | sed 's/^/    /'
	fi
done
[ ${#vmms[@]} -gt 0 ] || exit 1

# Alternate the VMMs run by run, rotating who goes first.
for ((i = 0; i < RUNS; i++)); do
	for ((j = 0; j < ${#vmms[@]}; j++)); do
		v=${vmms[$(((i + j) % ${#vmms[@]}))]}
		# shellcheck disable=SC2086
		$BT -s 1 -- ${CMD[$v]} >>"$out/$v.runs"
	done
done
for v in "${vmms[@]}"; do
	# shellcheck disable=SC2086
	taskset -c 0 $BT -l "$LOOPS" -s 1 -- ${CMD[$v]} >"$out/$v.loop"
done

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
declare -A WALL RSS RATE BAD
for v in "${vmms[@]}"; do
	WALL[$v]=$(cut -d' ' -f1 "$out/$v.runs" | median)
	RSS[$v]=$(cut -d' ' -f2 "$out/$v.runs" | median)
	read -r total _ lbad <"$out/$v.loop"
	RATE[$v]=$(awk -v n="$LOOPS" -v t="$total" 'BEGIN { printf "%.1f", n * 1e6 / t }')
	BAD[$v]=$(( $(awk '{ s += $3 } END { print s + 0 }' "$out/$v.runs") + lbad ))
done

echo
echo "boot: $GUEST, median of $RUNS runs, $LOOPS launches on CPU 0"
printf "%-22s %10s %14s %12s %6s\n" VMM "wall ms" "peak RSS MiB" "launches/s" "bad"
for v in "${vmms[@]}"; do
	awk -v v="$v" -v w="${WALL[$v]}" -v r="${RSS[$v]}" -v l="${RATE[$v]}" \
	    -v b="${BAD[$v]}" 'BEGIN { printf "%-22s %10.2f %14.2f %12s %6d\n",
		v, w / 1000, r / 1024, l, b }'
done
if [ -n "${WALL[squeeze]:-}" ]; then
	for q in qemu-microvm qemu-min; do
		[ -n "${WALL[$q]:-}" ] || continue
		awk -v q="$q" -v sw="${WALL[squeeze]}" -v qw="${WALL[$q]}" \
		    -v sr="${RSS[squeeze]}" -v qr="${RSS[$q]}" \
		    -v sl="${RATE[squeeze]}" -v ql="${RATE[$q]}" \
		    'BEGIN { printf "%-22s %10.3f %14.3f %12.2f\n",
			"squeeze/" q, sw / qw, sr / qr, sl / ql }'
	done
	awk -v w="${WALL[squeeze]}" -v r="${RSS[squeeze]}" -v l="${RATE[squeeze]}" \
	    'BEGIN { printf "targets: wall < 15 ms %s, RSS < 2 MiB %s, > 180 launches/s %s\n",
		(w < 15000 ? "met" : "MISSED"), (r < 2048 ? "met" : "MISSED"),
		(l > 180 ? "met" : "MISSED") }'
fi

# The Debian kernel to /init's banner: only where guests run at full speed.
if ! hw_kvm; then
	echo "debian-boot: SKIPPED: /dev/kvm emulates guest code here (no hardware KVM)"
	exit 0
fi
if [ ! -f build/debian/vmlinux ] || [ ! -f build/debian/initramfs.cpio.gz ]; then
	echo "debian-boot: SKIPPED: no Debian kernel/initramfs (make guests)"
	exit 0
fi
for ((i = 0; i < 5; i++)); do
	start=$(date +%s%N)
	timeout 60 ./squeeze run --kernel build/debian/vmlinux \
		--initrd build/debian/initramfs.cpio.gz --memory 512M \
		--cmdline "console=ttyS0 quiet -- true" --console stdio </dev/null |
		while read -r l; do
			case $l in *"squeeze guest: kernel"*)
				echo $((($(date +%s%N) - start) / 1000)) ;;
			esac
		done
done >"$out/debian"
if [ -s "$out/debian" ]; then
	awk '{ printf "%d\n", $1 }' "$out/debian" | median |
		awk '{ printf "debian-boot: vmlinux to /init banner, median %.1f ms\n", $1 / 1000 }'
else
	echo "debian-boot: the banner never appeared"
fi
