#!/usr/bin/env bash
# `make bench-img`: squeeze img against qemu-img / qemu-nbd in the same
# run, on the same files, page-cache backed, runs alternating:
#   convert qcow2 -> raw and raw -> qcow2 of a 4 GiB image, half allocated
#     (1 MiB of data every 2 MiB); goal >= 1.0x qemu-img. Like for like:
#     "not flushed" is qemu-img's default (its data is never flushed)
#     against squeeze -t unsafe; "flushed" is squeeze's default (fsync
#     before the rename) against qemu-img -t writeback;
#   check of a 64 GiB qcow2 with 64 KiB clusters, fully allocated
#     (preallocation=metadata: every cluster mapped);
#   serve: nbdcopy to null: from squeeze img serve and from qemu-nbd
#     (both read-only, the same 4 GiB qcow2); goal >= 1.0x.
# Ratios are qemu's time / squeeze's time (above 1: squeeze is faster),
# for wall time and for CPU time (user + system: what the run cost, which
# other load on the machine disturbs less).
#
#   BENCH_REPS=N   runs per tool and row, the median is shown (default 7:
#                  on this host one run in three or four takes seconds
#                  longer, for either tool, as the disk and the memory
#                  behind it catch up)
set -u
cd "$(dirname "$0")/../.." || exit 1
REPS=${BENCH_REPS:-7}
SQ=$PWD/squeeze
DIR=$(mktemp -d /var/tmp/squeeze-bench-img.XXXXXX)
srv=""
trap '[ -n "$srv" ] && kill $srv 2>/dev/null; rm -rf "$DIR"' EXIT

for t in qemu-img qemu-nbd nbdcopy python3; do
	command -v $t >/dev/null || { echo "bench-img: $t is not installed"; exit 1; }
done
[ -x "$SQ" ] || { echo "bench-img: build squeeze first"; exit 1; }

python3 - "$DIR/src.raw" <<-'EOF'
import os, sys
blk = os.urandom(1 << 20)
with open(sys.argv[1], 'wb') as f:
    f.truncate(4 << 30)
    for i in range(0, 4096, 2):
        f.seek(i << 20)
        f.write(blk)
EOF
qemu-img convert -f raw -O qcow2 "$DIR/src.raw" "$DIR/src.qcow2"
qemu-img create -q -f qcow2 -o preallocation=metadata "$DIR/big.qcow2" 64G
# Both start cached, and written back: 6 GiB of fresh files still being
# written back slowed whichever tool ran next by seconds (first row).
sync
cat "$DIR/src.raw" "$DIR/src.qcow2" >/dev/null

# secs CMD...: "wall cpu" of one run, in seconds (cpu: user + system).
secs() {
	/usr/bin/time -f "%e %U %S" -o "$DIR/time" "$@" >/dev/null 2>&1 ||
		echo "bench-img: failed: $*" >&2
	awk '{ printf "%.2f %.2f\n", $1, $2 + $3 }' "$DIR/time"
}

# median COLUMN: of the lines on stdin.
median() {
	awk -v c="$1" '{ print $c }' | sort -n |
		awk '{ l[NR] = $0 } END { print l[int((NR + 1) / 2)] }'
}

ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", b ? a / b : 0 }'
}

# show LABEL SQUEEZE_RUNS QEMU_RUNS: medians of wall and cpu, ratios.
show() {
	local sw sc qw qc
	sw=$(median 1 <<<"$2")
	sc=$(median 2 <<<"$2")
	qw=$(median 1 <<<"$3")
	qc=$(median 2 <<<"$3")
	printf '%-42s %7s %7s %6s | %7s %7s %6s\n' "$1" "$sw" "$qw" \
		"$(ratio "$qw" "$sw")" "$sc" "$qc" "$(ratio "$qc" "$sc")"
}

# row LABEL "SQUEEZE CMD" "QEMU CMD" [CLEAN]: runs alternate.
row() {
	local s="" q="" i
	for i in $(seq "$REPS"); do
		[ -n "${4:-}" ] && eval "$4"
		s+=$(secs bash -c "$2")$'\n'
		[ -n "${4:-}" ] && eval "$4"
		q+=$(secs bash -c "$3")$'\n'
	done
	show "$1" "${s%$'\n'}" "${q%$'\n'}"
}

clean="rm -f $DIR/out.raw $DIR/out.qcow2; sync"
printf '%-42s %7s %7s %6s | %7s %7s %6s\n' "median of $REPS runs, seconds" \
	"wall sq" qemu ratio "cpu sq" qemu ratio
row "convert qcow2->raw, not flushed (-t unsafe)" \
	"$SQ img convert -t unsafe -f qcow2 $DIR/src.qcow2 $DIR/out.raw" \
	"qemu-img convert -f qcow2 -O raw $DIR/src.qcow2 $DIR/out.raw" "$clean"
row "convert qcow2->raw, flushed" \
	"$SQ img convert -f qcow2 $DIR/src.qcow2 $DIR/out.raw" \
	"qemu-img convert -t writeback -f qcow2 -O raw $DIR/src.qcow2 $DIR/out.raw" "$clean"
row "convert raw->qcow2, not flushed (-t unsafe)" \
	"$SQ img convert -t unsafe -f raw -O qcow2 $DIR/src.raw $DIR/out.qcow2" \
	"qemu-img convert -f raw -O qcow2 $DIR/src.raw $DIR/out.qcow2" "$clean"
row "convert raw->qcow2, flushed" \
	"$SQ img convert -f raw -O qcow2 $DIR/src.raw $DIR/out.qcow2" \
	"qemu-img convert -t writeback -f raw -O qcow2 $DIR/src.raw $DIR/out.qcow2" "$clean"
row "check 64 GiB, 64K clusters, all allocated" \
	"$SQ img check $DIR/big.qcow2" "qemu-img check $DIR/big.qcow2"

# serve_once squeeze|qemu: "wall cpu" of nbdcopy to null:, where cpu is
# the server's (user + system), from a server started fresh.
serve_once() {
	local sock=$DIR/s.sock i w
	rm -f "$sock"
	if [ "$1" = squeeze ]; then
		"$SQ" img serve -f qcow2 --readonly --socket "$sock" "$DIR/src.qcow2" \
			>/dev/null 2>&1 &
	else
		qemu-nbd -f qcow2 -r -t -e 16 -k "$sock" "$DIR/src.qcow2" >/dev/null 2>&1 &
	fi
	srv=$!
	for i in $(seq 200); do [ -S "$sock" ] && break; sleep 0.02; done
	w=$(secs nbdcopy "nbd+unix:///?socket=$sock" null: | cut -d' ' -f1)
	echo "$w $(awk '{ printf "%.2f", ($14 + $15) / 100 }' /proc/$srv/stat)"
	kill $srv
	wait $srv 2>/dev/null
	srv=""
}

s="" q=""
for i in $(seq "$REPS"); do
	s+=$(serve_once squeeze)$'\n'
	q+=$(serve_once qemu)$'\n'
done
show "serve: nbdcopy to null: (server cpu)" "${s%$'\n'}" "${q%$'\n'}"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) CPUs"
