#!/usr/bin/env bash
# Run every test tier and print one closing line: "N passed, N failed, N skipped".
#
#   unit (Criterion), unit under ASan+UBSan, in-process driver scenarios,
#   then every integration suite (tests/integration/suite_*.sh) and the
#   full-Linux tier (tests/linux/suite_linux.sh), each of which ends with
#   its own "name: N passed, N failed, N skipped" line.
set -u
cd "$(dirname "$0")/.."

pass=0 fail=0 skip=0
log=build/test-logs
mkdir -p "$log"

# Criterion closes with "Synthesis: Tested: T | Passing: P | Failing: F | Crashing: C".
run_criterion() {
	local bin=$1 name out line p f c t
	name=$(basename "$(dirname "$bin")")/$(basename "$bin")
	out="$log/${name//\//_}.log"
	timeout 600 "$bin" --jobs 2 >"$out" 2>&1
	local rc=$?
	line=$(grep -a 'Synthesis: Tested' "$out" | tail -n 1)
	if [ -z "$line" ]; then
		echo "FAIL $name (exit $rc, no summary; see $out)"
		tail -n 20 "$out"
		fail=$((fail + 1))
		return
	fi
	t=$(sed -E 's/.*Tested: ([0-9]+).*/\1/' <<<"$line")
	p=$(sed -E 's/.*Passing: ([0-9]+).*/\1/' <<<"$line")
	f=$(sed -E 's/.*Failing: ([0-9]+).*/\1/' <<<"$line")
	c=$(sed -E 's/.*Crashing: ([0-9]+).*/\1/' <<<"$line")
	s=$(grep -ac '\[SKIP\]' "$out")
	pass=$((pass + p)); fail=$((fail + f + c)); skip=$((skip + s))
	if [ $((f + c)) -gt 0 ] || [ $rc -ne 0 ]; then
		echo "FAIL $name: $line"
		grep -a -E '\[FAIL\]|\[----\]|CRASH|ERROR' "$out" | head -n 40
		[ $((f + c)) -eq 0 ] && fail=$((fail + 1))
	else
		if [ "$s" -gt 0 ]; then echo "ok   $name: $p passed, $s skipped"; else echo "ok   $name: $p passed"; fi
	fi
}

for bin in build/tests/unit/* build/tests/unit-san/* build/tests/driver/*; do
	[ -x "$bin" ] && [ -f "$bin" ] && run_criterion "$bin"
done

# Integration suites print "<suite>: N passed, N failed, N skipped" last.
for suite in tests/integration/suite_*.sh tests/linux/suite_*.sh; do
	[ -f "$suite" ] || continue
	name=$(basename "$suite" .sh)
	out="$log/$name.log"
	timeout 900 bash "$suite" 2>&1 | tee "$out"
	line=$(grep -a -E '^[a-z0-9_-]+: [0-9]+ passed, [0-9]+ failed' "$out" | tail -n 1)
	if [ -z "$line" ]; then
		echo "FAIL $name (no summary line)"
		fail=$((fail + 1))
		continue
	fi
	p=$(sed -E 's/.*: ([0-9]+) passed.*/\1/' <<<"$line")
	f=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")
	s=$(sed -nE 's/.* ([0-9]+) skipped.*/\1/p' <<<"$line")
	pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + ${s:-0}))
done

echo
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
