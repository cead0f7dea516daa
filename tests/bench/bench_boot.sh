#!/usr/bin/env bash
# Boot benchmark (not a test): squeeze against QEMU microvm, both booting
# the same tiny PVH guest (build/guests/hello.elf: one console line, then
# exit through port 0xf4, status 1). Per VMM, in the same run, alternating:
#   wall    median over RUNS of the whole process, fork to exit (ms)
#   RSS     median over RUNS of the process's peak resident set (MiB), as
#           the kernel reports it (ru_maxrss: per-CPU counters it does not
#           sum, so it may be short by up to 32 pages per CPU)
#   exit RSS  the exact resident set as the process exits (MiB), median
#           of 5 runs of tests/bench/exit_rss.sh (a page-table walk)
#   rate    LOOPS launches back to back on one core (taskset -c 0), per s;
#           the median of ROUNDS such loops
# QEMU runs twice: as the brief's baseline ("qemu-microvm") and with the
# microvm devices this guest does not need switched off ("qemu-min").
# Then squeeze's own start-up breakdown (--stats), median per step over
# RUNS launches, and the load average, since other work on the machine
# shows in every number. On hardware KVM it also times the Debian kernel
# to the initramfs banner.
#
#   tests/bench/bench_boot.sh        RUNS=21 LOOPS=50 ROUNDS=5 by default
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh

RUNS=${RUNS:-21}
LOOPS=${LOOPS:-50}
ROUNDS=${ROUNDS:-5}
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
for ((i = 0; i < ROUNDS; i++)); do
	for v in "${vmms[@]}"; do
		# shellcheck disable=SC2086
		taskset -c 0 $BT -l "$LOOPS" -s 1 -- ${CMD[$v]} >>"$out/$v.loop"
	done
done
if [[ " ${vmms[*]} " == *" squeeze "* ]]; then
	# shellcheck disable=SC2086
	$BT -l "$RUNS" -s 1 -e "$out/stats" -- ${CMD[squeeze]} --stats >/dev/null
fi
for ((i = 0; i < 5; i++)); do
	for v in "${vmms[@]}"; do
		# shellcheck disable=SC2086
		tests/bench/exit_rss.sh ${CMD[$v]} >>"$out/$v.exit" ||
			echo "0 0" >>"$out/$v.exit"
	done
done

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
declare -A WALL RSS XRSS RATE BAD
for v in "${vmms[@]}"; do
	WALL[$v]=$(cut -d' ' -f1 "$out/$v.runs" | median)
	RSS[$v]=$(cut -d' ' -f2 "$out/$v.runs" | median)
	XRSS[$v]=$(cut -d' ' -f1 "$out/$v.exit" | median)
	RATE[$v]=$(awk -v n="$LOOPS" '{ printf "%.1f\n", n * 1e6 / $1 }' \
		"$out/$v.loop" | median)
	BAD[$v]=$(cat "$out/$v.runs" "$out/$v.loop" | awk '{ s += $3 } END { print s + 0 }')
done

echo
echo "boot: $GUEST, median of $RUNS runs; launches/s: median of $ROUNDS loops of $LOOPS on CPU 0"
echo "machine: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min) at the end"
printf "%-22s %10s %14s %12s %6s %14s\n" VMM "wall ms" "peak RSS MiB" \
	"launches/s" "bad" "exit RSS MiB"
for v in "${vmms[@]}"; do
	awk -v v="$v" -v w="${WALL[$v]}" -v r="${RSS[$v]}" -v l="${RATE[$v]}" \
	    -v b="${BAD[$v]}" -v x="${XRSS[$v]}" \
	    'BEGIN { printf "%-22s %10.2f %14.2f %12s %6d %14.2f\n",
		v, w / 1000, r / 1024, l, b, x / 1024 }'
done
if [ -n "${WALL[squeeze]:-}" ]; then
	for q in qemu-microvm qemu-min; do
		[ -n "${WALL[$q]:-}" ] || continue
		awk -v q="$q" -v sw="${WALL[squeeze]}" -v qw="${WALL[$q]}" \
		    -v sr="${RSS[squeeze]}" -v qr="${RSS[$q]}" \
		    -v sl="${RATE[squeeze]}" -v ql="${RATE[$q]}" \
		    -v sx="${XRSS[squeeze]}" -v qx="${XRSS[$q]}" \
		    'BEGIN { printf "%-22s %10.3f %14.3f %12.2f %6s %14.3f\n",
			"squeeze/" q, sw / qw, sr / qr, sl / ql, "",
			qx ? sx / qx : 0 }'
	done
	awk -v w="${WALL[squeeze]}" -v r="${RSS[squeeze]}" -v l="${RATE[squeeze]}" \
	    -v q="${RATE[qemu-microvm]:-0}" \
	    'BEGIN { printf "targets: wall <= 5 ms %s, RSS < 2 MiB %s, >= 200 launches/s %s, >= 7x qemu-microvm launches/s %s\n",
		(w <= 5000 ? "met" : "MISSED"), (r < 2048 ? "met" : "MISSED"),
		(l >= 200 ? "met" : "MISSED"),
		(q == 0 ? "n/a" : (l >= 7 * q ? "met" : "MISSED")) }'
fi
# squeeze's own account of where its time goes (vmm/machine/stats.c).
if [ -s "$out/stats" ]; then
	echo
	echo "squeeze start-up breakdown (--stats), median of $RUNS launches, ms"
	# The rows of its first table: "  <step>   <ms>".
	awk '/^squeeze stats: start-up/ { t = 1; next } /^squeeze stats:/ { t = 0 } t' \
		"$out/stats" | sed 's/^  //; s/  *\([0-9.]*\)$/\t\1/' >"$out/steps"
	cut -f1 "$out/steps" | awk '!seen[$0]++' | while IFS= read -r step; do
		awk -F '\t' -v k="$step" '$1 == k { print $2 }' "$out/steps" |
			median | awk -v k="$step" '{ printf "  %-40s %8.3f\n", k, $1 }'
	done
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
