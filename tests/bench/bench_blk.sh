#!/usr/bin/env bash
# `make bench-blk`: virtio-blk through the in-process driver
# (build/bench/blk_bench: real transport, device, I/O thread, io_uring)
# against the host's own fio (io_uring, O_DIRECT) on the same 1 GiB file in
# /var/tmp, in the same run. A benchmark, not a test: it prints a table.
#
#   BENCH_SECONDS=N   seconds each side measures per row (default 4)
#
# The host disk here is itself virtual and drifts by +-30% within seconds,
# so each row runs A-B-B-A (fio, squeeze, squeeze, fio; N/2 s each) and
# averages the halves.
#
# Adding a row (e.g. qcow2): call `row LABEL DISK_SPEC FIO_FILE RW BS QD`.
set -u
cd "$(dirname "$0")/../.."
BENCH=build/bench/blk_bench
SECS=${BENCH_SECONDS:-4}
HALF=$(( (SECS + 1) / 2 ))
IMG=/var/tmp/squeeze-bench-blk.img

command -v fio >/dev/null || { echo "bench-blk: fio is not installed"; exit 1; }
[ -x "$BENCH" ] || { echo "bench-blk: $BENCH missing (make bench-blk)"; exit 1; }
trap 'rm -f "$IMG"' EXIT
# Real blocks, not a sparse file: reads of holes would cost no I/O.
dd if=/dev/zero of="$IMG" bs=1M count=1024 oflag=direct status=none || exit 1

# fio_run FILE RW BS QD -> "iops mibps cpu_us_per_op"
fio_run() {
	local rw=$2 line
	line=$(fio --name=host --filename="$1" --ioengine=io_uring --direct=1 \
		--rw="$rw" --bs="$3" --iodepth="$4" --runtime="$HALF" \
		--time_based --minimal 2>/dev/null) || return 1
	# Terse v3: read kB/bw/iops at 6/7/8, write at 47/48/49, cpu % 88/89.
	awk -F';' -v rw="$rw" -v secs="$HALF" '{
		w = (rw ~ /write/); kb = w ? $47 : $6; iops = w ? $49 : $8;
		bw = w ? $48 : $7; ops = iops * secs;
		cpu = ($88 + $89) / 100 * secs;
		printf "%.0f %.1f %.2f\n", iops, bw / 1024, ops ? cpu * 1e6 / ops : 0
	}' <<<"$line"
}

# squeeze_run SPEC RW BS QD -> "iops mibps cpu_us_per_op"
squeeze_run() {
	local rw=$2 out
	case $rw in
	randread) ;;
	read) rw=seqread ;;
	write) rw=seqwrite ;;
	esac
	out=$("$BENCH" "$1" "$rw" "$3" "$4" "$HALF") || return 1
	sed -E 's/.*iops=([0-9.]+) mibps=([0-9.]+) cpu_us_per_op=([0-9.]+).*/\1 \2 \3/' <<<"$out"
}

printf '%-26s %10s %9s %8s | %10s %9s %8s | %6s\n' workload \
	"host IOPS" "MiB/s" "us/op" "squeeze" "MiB/s" "us/op" ratio
worst=""
# mean2 "a b c" "d e f" -> the element-wise mean
mean2() {
	awk -v x="$1" -v y="$2" 'BEGIN { split(x, a, " "); split(y, b, " ");
		printf "%.0f %.1f %.2f\n", (a[1] + b[1]) / 2, (a[2] + b[2]) / 2,
		       (a[3] + b[3]) / 2 }'
}

row() {
	local label=$1 spec=$2 file=$3 rw=$4 bs=$5 qd=$6 h1 h2 s1 s2 ratio
	h1=$(fio_run "$file" "$rw" "$bs" "$qd") &&
	s1=$(squeeze_run "$spec" "$rw" "$bs" "$qd") &&
	s2=$(squeeze_run "$spec" "$rw" "$bs" "$qd") &&
	h2=$(fio_run "$file" "$rw" "$bs" "$qd") ||
		{ echo "$label: a measurement failed"; worst="$worst $label"; return; }
	read -r hi hm hc <<<"$(mean2 "$h1" "$h2")"
	read -r si sm sc <<<"$(mean2 "$s1" "$s2")"
	ratio=$(awk -v a="$si" -v b="$hi" 'BEGIN { printf "%.2f", b ? a / b : 0 }')
	printf '%-26s %10s %9s %8s | %10s %9s %8s | %5sx\n' "$label" \
		"$hi" "$hm" "$hc" "$si" "$sm" "$sc" "$ratio"
	awk -v r="$ratio" 'BEGIN { exit !(r < 0.9) }' && worst="$worst $label"
}

row "4k randread QD32 raw" "$IMG,cache=none" "$IMG" randread 4096 32
row "1M seqread QD8 raw" "$IMG,cache=none" "$IMG" read 1048576 8
row "1M seqwrite QD8 raw" "$IMG,cache=none" "$IMG" write 1048576 8

echo "us/op: CPU time of the process per request (fio: its job; squeeze:"
echo "the device's I/O thread plus the in-process driver standing in for the guest)."
if [ -z "$worst" ]; then
	echo "goal (>= 0.9x the host on every row): met"
else
	echo "goal (>= 0.9x the host on every row): NOT met for:$worst"
fi
