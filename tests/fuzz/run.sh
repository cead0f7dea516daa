#!/usr/bin/env bash
# Run every libFuzzer target of tests/fuzz/ at the same time for SECONDS
# (default 30) each, from the seeds it writes itself (its unit tests'
# cases) plus what earlier runs kept in build/fuzz/corpus/NAME. Prints
# one line per target, "NAME: N runs, no finding" or the finding, and
# exits non-zero if any target found something.
set -u
cd "$(dirname "$0")/../.."
secs=${1:-30}
out=build/fuzz/logs
mkdir -p "$out"
pids=() names=()
for bin in build/fuzz/fuzz_*; do
	[ -x "$bin" ] || continue
	name=${bin##*/fuzz_}
	seeds=build/fuzz/seeds/$name corpus=build/fuzz/corpus/$name
	rm -rf "$seeds"
	mkdir -p "$seeds" "$corpus"
	if ! FUZZ_SEED_DIR=$seeds "$bin" >"$out/$name.log" 2>&1; then
		echo "$name: cannot write its seeds: $(tail -n 1 "$out/$name.log")"
		exit 1
	fi
	"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 "$corpus" "$seeds" >"$out/$name.log" 2>&1 &
	pids+=($!)
	names+=("$name")
done
bad=0
for i in "${!pids[@]}"; do
	name=${names[$i]}
	if wait "${pids[$i]}"; then
		runs=$(grep -ao 'stat::number_of_executed_units: *[0-9]*' \
		       "$out/$name.log" | grep -o '[0-9]*$')
		echo "$name: ${runs:-?} runs in ${secs} s, no finding"
	else
		bad=1
		echo "$name: FINDING: $(grep -a -m1 -E 'ERROR|SUMMARY|runtime error' "$out/$name.log") (log: $out/$name.log)"
	fi
done
exit $bad
