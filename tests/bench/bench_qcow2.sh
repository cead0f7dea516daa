#!/usr/bin/env bash
# qcow2 rows of `make bench-blk`: the same in-process virtio-blk driver
# (build/bench/blk_bench) on a raw file, on a fully allocated qcow2 image
# (qemu-img preallocation=full: every cluster mapped) and on a fresh empty
# qcow2 image (every write allocates), all page-cache backed (qcow2 does
# not use O_DIRECT), in the same run. Goals: allocated qcow2 >= 0.95x raw;
# first-write allocation >= 0.5x raw.
#
#   BENCH_SECONDS=N   seconds per measurement (default 3)
#   BENCH_REPS=N      alternating raw/qcow2 measurements per row, the
#                     median is shown (default 3; this machine is noisy)
set -u
cd "$(dirname "$0")/../.." || exit 1
BENCH=build/bench/blk_bench
SECS=${BENCH_SECONDS:-3}
REPS=${BENCH_REPS:-3}
DIR=$(mktemp -d /var/tmp/squeeze-bench-qcow2.XXXXXX)
RAW=$DIR/raw.img ALLOC=$DIR/alloc.qcow2 FRESH=$DIR/fresh.qcow2

command -v qemu-img >/dev/null || { echo "bench-qcow2: qemu-img is not installed"; exit 1; }
[ -x "$BENCH" ] || { echo "bench-qcow2: $BENCH missing (make bench-blk)"; exit 1; }
trap 'rm -rf "$DIR"' EXIT
dd if=/dev/zero of="$RAW" bs=1M count=1024 status=none || exit 1
# Written like the raw file (1 MiB writes) so that both have the same
# page-cache shape: qemu-img's own writes leave it measurably different.
qemu-img create -q -f qcow2 -o preallocation=full "$ALLOC.tmp" 1G || exit 1
dd if="$ALLOC.tmp" of="$ALLOC" bs=1M status=none && rm -f "$ALLOC.tmp"

# run SPEC RW BS QD -> "iops mibps"
run() {
	"$BENCH" "$1" "$2" "$3" "$4" "$SECS" |
		sed -E 's/.*iops=([0-9.]+) mibps=([0-9.]+).*/\1 \2/'
}

# median of "iops mibps" lines, by iops
median() {
	sort -n | awk '{ l[NR] = $0 } END { print l[int((NR + 1) / 2)] }'
}

ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b ? a / b : 0 }'
}

printf '%-30s %10s %9s | %10s %9s | %6s\n' workload "raw IOPS" "MiB/s" \
	"qcow2 IOPS" "MiB/s" ratio
missed=""
# [PREP=CMD] row LABEL GOAL RAW_SPEC QCOW2_SPEC RW BS QD (CMD before each rep)
row() {
	local label=$1 goal=$2 r="" q="" ri rm qi qm x i
	for i in $(seq "$REPS"); do
		${PREP:-true}
		r+=$(run "$3" "$5" "$6" "$7")$'\n'
		q+=$(run "$4" "$5" "$6" "$7")$'\n'
	done
	r=$(median <<<"${r%$'\n'}")
	q=$(median <<<"${q%$'\n'}")
	read -r ri rm <<<"$r"
	read -r qi qm <<<"$q"
	x=$(ratio "$qi" "$ri")
	printf '%-30s %10s %9s | %10s %9s | %5sx\n' "$label" "$ri" "$rm" \
		"$qi" "$qm" "$x"
	awk -v r="$x" -v g="$goal" 'BEGIN { exit !(r < g) }' &&
		missed="$missed '$label'"
}

# First writes: a fresh sparse raw file against a fresh qcow2 image, both
# large enough that every write of the run lands on new blocks.
fresh() {
	rm -f "$DIR/fresh.raw" "$FRESH"
	sync	# both start without dirty pages to write back
	truncate -s 64G "$DIR/fresh.raw"
	qemu-img create -q -f qcow2 "$FRESH" 64G
}

row "4k randread QD32 allocated" 0.95 "$RAW" "$ALLOC,format=qcow2" randread 4096 32
row "1M seqread QD8 allocated" 0.95 "$RAW" "$ALLOC,format=qcow2" seqread 1048576 8
row "1M seqwrite QD8 allocated" 0.95 "$RAW" "$ALLOC,format=qcow2" seqwrite 1048576 8
PREP=fresh row "1M seqwrite QD8 first write" 0.5 "$DIR/fresh.raw" "$FRESH,format=qcow2" seqwrite 1048576 8
echo "allocated: qemu-img preallocation=full; first write: fresh images (sparse raw);"
echo "all through the page cache (the qcow2 engine does not use O_DIRECT)."
if [ -z "$missed" ]; then
	echo "qcow2 goals (allocated >= 0.95x raw, first write >= 0.5x raw): met"
else
	echo "qcow2 goals (allocated >= 0.95x raw, first write >= 0.5x raw): NOT met for:$missed"
fi
