#!/usr/bin/env bash
# What tracing costs when it is off: `make bench-boot` and `make bench-blk`
# (tests/bench/bench_boot.sh, bench_blk.sh) of this tree against those of a
# tree without it (BASE, built with `make squeeze build/guests/hello.elf
# build/bench/boottime build/bench/blk_bench`), in the same run, in the
# order BASE, this, this, BASE, so that drift shows as the difference
# between the two runs of the same tree: that difference is the noise.
#
#   tests/bench/bench_cost.sh BASE_DIR      (make bench-cost BASE=DIR)
#
# Also the exact resident set of hello.elf's run as squeeze exits, and its
# private (anonymous) part, with tests/bench/exit_rss.sh: bench-boot's peak
# RSS comes from the kernel's approximate counters.
#
# Prints squeeze's rows of each benchmark per run, then one table: each
# figure's mean for BASE and for this tree, their ratio, and the noise
# (the larger of the two same-tree differences, relative to the mean).
set -u
cd "$(dirname "$0")/../.." || exit 1
base=${1:?usage: bench_cost.sh BASE_DIR}
here=$PWD
out=$(mktemp -d /tmp/bench-cost.XXXXXX)
trap 'rm -rf "$out"' EXIT

for f in squeeze build/guests/hello.elf build/bench/boottime build/bench/blk_bench; do
	for t in "$base" "$here"; do
		[ -e "$t/$f" ] || { echo "bench-cost: $t/$f missing"; exit 1; }
	done
done

# run TREE TAG: both benchmarks of TREE, their squeeze figures in
# $out/TAG as "name value" lines.
run() {
	local tree=$1 tag=$2
	echo "== $tag: $tree"
	(cd "$tree" && tests/bench/bench_boot.sh) >"$out/$tag.boot" 2>&1
	(cd "$tree" && tests/bench/bench_blk.sh) >"$out/$tag.blk" 2>&1
	# (NF 6: bench-boot's exit RSS column, which older trees lack.)
	awk '$1 == "squeeze" && (NF == 5 || NF == 6) {
		print "boot_wall_ms", $2; print "boot_rss_mib", $3;
		print "launches_per_s", $4 }' "$out/$tag.boot" >"$out/$tag"
	# "4k randread QD32 raw  <host iops> <MiB/s> <us> | <sq iops> <MiB/s> <us> | r"
	awk -F'|' '/ raw / { split($1, h, " "); split($2, s, " ");
		name = h[1] "_" h[2] "_" h[3];
		print name "_iops", s[1]; print name "_mibps", s[2];
		print name "_us_per_op", s[3] }' "$out/$tag.blk" >>"$out/$tag"
	# The exact resident set at exit, median of 5 (exit_rss.sh says why
	# bench-boot's figure is not exact enough here).
	for _ in 1 2 3 4 5; do
		tests/bench/exit_rss.sh "$tree/squeeze" run \
			--kernel "$tree/build/guests/hello.elf"
	done >"$out/$tag.rss"
	awk '{ print $1 }' "$out/$tag.rss" | sort -n | sed -n 3p |
		sed 's/^/exit_rss_exact_kib /' >>"$out/$tag"
	awk '{ print $2 }' "$out/$tag.rss" | sort -n | sed -n 3p |
		sed 's/^/exit_anon_exact_kib /' >>"$out/$tag"
	grep -E '^squeeze |^machine:' "$out/$tag.boot"
	grep -E ' raw ' "$out/$tag.blk"
	grep -E '^exit_' "$out/$tag"
}

run "$base" base1
run "$here" new1
run "$here" new2
run "$base" base2

echo
echo "tracing compiled in, off: this tree ($here) against $base"
echo "machine: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-34s %12s %12s %8s %8s\n' figure base this ratio noise
join <(sort "$out/base1") <(sort "$out/base2") |
	join - <(sort "$out/new1") | join - <(sort "$out/new2") |
	awk '{ b = ($2 + $3) / 2; n = ($4 + $5) / 2;
		nb = b ? ($2 > $3 ? $2 - $3 : $3 - $2) / b : 0;
		nn = n ? ($4 > $5 ? $4 - $5 : $5 - $4) / n : 0;
		printf "%-34s %12.2f %12.2f %8.3f %7.1f%%\n", $1, b, n,
			b ? n / b : 0, 100 * (nb > nn ? nb : nn) }'
