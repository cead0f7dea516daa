#!/usr/bin/env bash
# `make bench-fs` (a benchmark, not a test): virtio-fs through the
# in-process driver (build/bench/fs_bench: real transport, vhost-user
# front-end, the virtiofsd squeeze starts) against the host in the same
# run, then start-up cost of --fs, then vhost-user-blk against squeeze's
# own raw backend on the same file.
#
#   BENCH_SECONDS=N   seconds per measurement (default 4)
#   RUNS=N            start-up runs per variant (default 21)
#
# Rows alternate A-B-B-A (host, squeeze, squeeze, host) and average the
# halves: this machine's disk and caches drift within seconds.
set -u
cd "$(dirname "$0")/../.." || exit 1
SECS=${BENCH_SECONDS:-4}
HALF=$(((SECS + 1) / 2))
RUNS=${RUNS:-21}
FSB=build/bench/fs_bench
BLKB=build/bench/blk_bench
BT=build/bench/boottime
W=$(mktemp -d /var/tmp/squeeze-bench-fs.XXXXXX)
qsd_pid=
cleanup() {
	[ -n "$qsd_pid" ] && kill "$qsd_pid" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
for f in "$FSB" "$BLKB" "$BT" ./squeeze; do
	[ -x "$f" ] || { echo "bench-fs: $f missing (make bench-fs)"; exit 1; }
done
if [ ! -x /usr/lib/qemu/virtiofsd ] && [ ! -x /usr/libexec/virtiofsd ]; then
	echo "bench-fs: SKIPPED: virtiofsd is not installed (qemu-system-common)"
	exit 0
fi
field() { sed -nE "s/.* $1=([0-9.]+).*/\\1/p"; }
mean() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (a + b) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b ? a / b : 0 }'; }

mkdir -p "$W/share/stat"
dd if=/dev/zero of="$W/share/big" bs=1M count=1024 status=none
cat "$W/share/big" >/dev/null		# in the page cache, both sides
for ((i = 0; i < 10000; i++)); do printf -v n 'f%05d' $i; : >"$W/share/stat/$n"; done

# host_dd -> MiB/s of dd bs=1M over the whole 1 GiB file (page cache)
host_dd() {
	dd if="$W/share/big" of=/dev/null bs=1M 2>&1 |
		awk '/copied/ { for (i = 1; i <= NF; i++) if ($i == "copied,") s = $(i + 1);
			printf "%.1f\n", $1 / s / 1048576 }'
}
fs_read() { "$FSB" read "$W/share" big 1048576 "$1" "$HALF" | field mibps; }

echo "virtio-fs, 1 GiB file in the page cache, $SECS s per row (A-B-B-A)"
printf '%-34s %12s %12s %7s\n' workload "host MiB/s" "squeeze" ratio
for qd in 1 4; do
	h1=$(host_dd); s1=$(fs_read $qd); s2=$(fs_read $qd); h2=$(host_dd)
	h=$(mean "$h1" "$h2"); s=$(mean "$s1" "$s2")
	printf '%-34s %12s %12s %6sx\n' "1 MiB sequential reads, QD$qd" "$h" "$s" \
		"$(ratio "$s" "$h")"
	[ $qd = 1 ] && read_ratio=$(ratio "$s" "$h")
done
echo "host: dd bs=1M (one read at a time); squeeze: FUSE_READ of 1 MiB into"
echo "guest RAM, QD requests in flight, through virtiofsd's preadv."
awk -v r="$read_ratio" 'BEGIN { printf "goal (>= 0.5x the host on reads, QD1): %s\n",
	(r >= 0.5 ? "met" : "NOT met") }'

echo
echo "stat of 10,000 files (A-B-B-A, means)"
hs1=$("$FSB" hoststat "$W/share/stat" 10000)
fs1=$("$FSB" stat "$W/share" stat 10000)
fs2=$("$FSB" stat "$W/share" stat 10000)
hs2=$("$FSB" hoststat "$W/share/stat" 10000)
# rate_of OUT1 OUT2 MODE: the mean rate of MODE's lines
rate_of() {
	mean "$(grep "fs_bench: $3 " <<<"$1" | field rate)" \
	     "$(grep "fs_bench: $3 " <<<"$2" | field rate)"
}
hr=$(rate_of "$hs1" "$hs2" hoststat)
printf '%-34s %12s %12s %7s\n' operation "per second" "us per op" "vs host"
us() { awk -v r="$1" 'BEGIN { printf "%.2f", r ? 1e6 / r : 0 }'; }
printf '%-34s %12s %12s %7s\n' "host fstatat() loop" "$hr" "$(us "$hr")" "1.00x"
for mode in lookup getattr; do
	r=$(rate_of "$fs1" "$fs2" $mode)
	case $mode in
	lookup) label="FUSE_LOOKUP (a cold stat)" ;;
	getattr) label="FUSE_GETATTR (a stat, node known)" ;;
	esac
	printf '%-34s %12s %12s %6sx\n' "$label" "$r" "$(us "$r")" "$(ratio "$r" "$hr")"
done
echo "A guest with cache=auto answers repeated stats from its own dentry and"
echo "attribute caches (1 s) without a request; these are the misses."

echo
echo "start-up of the tiny guest (median of $RUNS; wall from fork to exit)"
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
declare -A CMD WANT
CMD[hello]="./squeeze run --kernel build/guests/hello.elf --memory 128M"
WANT[hello]=1
CMD[hello+fs]="./squeeze run --kernel build/guests/hello.elf --memory 128M --fs $W/share"
WANT[hello+fs]=1
CMD[fs-guest+fs]="./squeeze run --kernel build/guests/fs.elf --memory 128M --fs $W/share"
WANT[fs-guest+fs]=161
for ((i = 0; i < RUNS; i++)); do
	for v in hello hello+fs fs-guest+fs; do
		# shellcheck disable=SC2086
		$BT -s "${WANT[$v]}" -- ${CMD[$v]} >>"$W/$v.runs"
	done
done
printf '%-34s %10s %14s %6s\n' variant "wall ms" "peak RSS MiB" bad
for v in hello hello+fs fs-guest+fs; do
	w=$(cut -d' ' -f1 "$W/$v.runs" | median)
	r=$(cut -d' ' -f2 "$W/$v.runs" | median)
	b=$(awk '{ s += $3 } END { print s + 0 }' "$W/$v.runs")
	awk -v v="$v" -v w="$w" -v r="$r" -v b="$b" \
		'BEGIN { printf "%-34s %10.2f %14.2f %6d\n", v, w / 1000, r / 1024, b }'
done
echo "peak RSS is wait4()'s: squeeze, or a reaped child (virtiofsd) if larger."
# Each process's own high-water mark, the VM held up.
./squeeze run --kernel build/guests/fs.elf --memory 128M --cmdline hold=1 \
	--fs "$W/share" </dev/null >"$W/held" 2>&1 &
sq=$!
for _ in $(seq 100); do grep -q "fs: holding" "$W/held" && break; sleep 0.1; done
hwm() { awk '/^VmHWM:/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status" 2>/dev/null; }
vfs=""
for p in /proc/[0-9]*; do
	[ "$(cat "$p/comm" 2>/dev/null)" = virtiofsd ] || continue
	tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -q "$W/share" && vfs="$vfs ${p#/proc/}"
done
echo -n "held after FUSE_INIT, VmHWM: squeeze $(hwm $sq) MiB"
for p in $vfs; do echo -n ", virtiofsd[$p] $(hwm "$p") MiB"; done
echo
kill -TERM $sq
wait $sq 2>/dev/null

echo
qsd=$(command -v qemu-storage-daemon)
if [ -z "$qsd" ]; then
	echo "vhost-user-blk: SKIPPED: qemu-storage-daemon is not installed"
	exit 0
fi
img=$W/blk.img
dd if=/dev/zero of="$img" bs=1M count=1024 oflag=direct status=none
# The daemon locks the file: it runs only while its rows do.
qsd_start() {
	"$qsd" --blockdev "driver=file,node-name=f0,filename=$img,cache.direct=on,aio=io_uring" \
		--export "type=vhost-user-blk,id=e0,node-name=f0,addr.type=unix,addr.path=$W/blk.sock,writable=on" \
		>/dev/null 2>&1 &
	qsd_pid=$!
	for _ in $(seq 100); do [ -S "$W/blk.sock" ] && break; sleep 0.05; done
}
qsd_stop() {
	kill "$qsd_pid"
	wait "$qsd_pid" 2>/dev/null
	qsd_pid=
	rm -f "$W/blk.sock"
}
blk() { "$BLKB" "$1" randread 4096 32 "$HALF" | field "$2"; }
echo "4 KiB random reads, QD32, 1 GiB file, O_DIRECT on both, $SECS s per side (A-B-B-A)"
r1=$(blk "$img,cache=none" iops)
qsd_start
v1=$(blk "vhost-user=$W/blk.sock" iops)
v2=$(blk "vhost-user=$W/blk.sock" iops)
qsd_stop
r2=$(blk "$img,cache=none" iops)
r=$(mean "$r1" "$r2"); v=$(mean "$v1" "$v2")
printf '%-48s %10s\n' backend IOPS
printf '%-48s %10s\n' "squeeze's own raw (io_uring, I/O thread)" "$r"
printf '%-48s %10s  %sx\n' "vhost-user-blk: qemu-storage-daemon (io_uring)" "$v" "$(ratio "$v" "$r")"
