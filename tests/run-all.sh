#!/usr/bin/env bash
# Run every test tier, print one closing line "N passed, N failed, N
# skipped", and write every case of every tier to one JUnit XML report,
# build/test-report.xml, which CI systems display.
#
#   static checks (tests/static/suite_*.sh), unit (Criterion), unit under
#   ASan+UBSan, the in-process driver scenarios, then every integration
#   suite (tests/integration/suite_*.sh, two at a time) and the full-Linux
#   tier (tests/linux/suite_linux.sh).
#
# Criterion binaries write TAP, which is counted here (ok, ok # SKIP, not
# ok), and JUnit XML, which goes into the report as it is. Shell suites
# print one PASS, FAIL or SKIPPED line per case and a closing "name: N
# passed, N failed, N skipped" line, which must agree with them.
set -u
cd "$(dirname "$0")/.."

pass=0 fail=0 skip=0
log=build/test-logs
report=build/test-report.xml
body=$log/report.body
mkdir -p "$log"
: >"$body"

xml_escape() {
	tr -d '\000-\010\013\014\016-\037' |
		sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g' \
		    -e 's/"/\&quot;/g'
}

# A suite of one failed case, for a tier that did not report at all.
report_broken() {
	local name=$1 why
	why=$(xml_escape <<<"$2")
	cat >>"$body" <<EOF
  <testsuite name="$name" tests="1" failures="1" skipped="0">
    <testcase classname="$name" name="$name"><failure message="$why"/></testcase>
  </testsuite>
EOF
}

# Criterion's own JUnit suites, named after the binary.
report_criterion_xml() {
	local name=$1 xml=$2
	sed -n '/<testsuite /,/<\/testsuite>/p' "$xml" |
		sed -e "s|<testsuite name=\"|<testsuite name=\"$name: |" \
		    -e "s|<testcase name=\"|<testcase classname=\"$name\" name=\"|" \
		    >>"$body"
}

run_criterion() {
	local bin=$1 name out tap xml rc p f s
	name=$(basename "$(dirname "$bin")")/$(basename "$bin")
	out="$log/${name//\//_}.log"
	tap="$log/${name//\//_}.tap"
	xml="$log/${name//\//_}.xml"
	rm -f "$tap" "$xml"
	timeout 600 "$bin" --jobs 2 --tap="$tap" --xml="$xml" >"$out" 2>&1
	rc=$?
	if ! grep -q '^1\.\.[0-9]' "$tap" 2>/dev/null || [ ! -s "$xml" ]; then
		echo "FAIL $name (exit $rc, no TAP or XML report; see $out)"
		tail -n 20 "$out"
		report_broken "$name" "exit $rc without a report; see $out"
		fail=$((fail + 1))
		return
	fi
	s=$(grep -cE '^ok .*# SKIP' "$tap")
	p=$(($(grep -c '^ok ' "$tap") - s))
	f=$(grep -c '^not ok ' "$tap")
	pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + s))
	report_criterion_xml "$name" "$xml"
	if [ "$f" -gt 0 ] || [ "$rc" -ne 0 ]; then
		echo "FAIL $name: $p passed, $f failed (exit $rc)"
		grep -a -E '^not ok|\[FAIL\]|\[----\]|CRASH|ERROR' "$tap" "$out" |
			head -n 40
		if [ "$f" -eq 0 ]; then
			report_broken "$name" "exit $rc with every case passed"
			fail=$((fail + 1))
		fi
	elif [ "$s" -gt 0 ]; then
		echo "ok   $name: $p passed, $s skipped"
	else
		echo "ok   $name: $p passed"
	fi
}

# One JUnit suite from a shell suite's PASS/FAIL/SKIPPED lines.
report_shell() {
	local name=$1 out=$2 secs=$3 p=$4 f=$5 s=$6 kind text
	echo "  <testsuite name=\"$name\" tests=\"$((p + f + s))\" failures=\"$f\" skipped=\"$s\" time=\"$secs\">" >>"$body"
	grep -a -E '^(PASS|FAIL|SKIPPED) ' "$out" | while read -r kind text; do
		text=$(xml_escape <<<"$text")
		case $kind in
		PASS) echo "    <testcase classname=\"$name\" name=\"$text\"/>" ;;
		FAIL) echo "    <testcase classname=\"$name\" name=\"$text\"><failure message=\"$text\"/></testcase>" ;;
		SKIPPED) echo "    <testcase classname=\"$name\" name=\"$text\"><skipped message=\"$text\"/></testcase>" ;;
		esac
	done >>"$body"
	echo "  </testsuite>" >>"$body"
}

# A shell suite's output: $log/NAME.log (its wall time: NAME.secs).
suite_log() { echo "$log/$(basename "$1" .sh).log"; }

# start_suite SUITE [live]: run it; its output in suite_log (and on ours
# as it comes with "live"), its wall time beside it.
start_suite() {
	local suite=$1 out start
	out=$(suite_log "$suite")
	start=$(date +%s)
	if [ "${2:-}" = live ]; then
		timeout 900 bash "$suite" 2>&1 | tee "$out"
	else
		timeout 900 bash "$suite" </dev/null >"$out" 2>&1
	fi
	echo $(($(date +%s) - start)) >"${out%.log}.secs"
}

# count_suite SUITE: its summary line and case lines into the totals and
# the report.
count_suite() {
	local suite=$1 name out line p f s secs
	name=$(basename "$(dirname "$suite")")/$(basename "$suite" .sh)
	out=$(suite_log "$suite")
	secs=$(cat "${out%.log}.secs" 2>/dev/null)
	line=$(grep -a -E '^[a-z0-9_-]+: [0-9]+ passed, [0-9]+ failed' "$out" | tail -n 1)
	if [ -z "$line" ]; then
		echo "FAIL $name (no summary line)"
		report_broken "$name" "no summary line; see $out"
		fail=$((fail + 1))
		return
	fi
	p=$(sed -E 's/.*: ([0-9]+) passed.*/\1/' <<<"$line")
	f=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")
	s=$(sed -nE 's/.* ([0-9]+) skipped.*/\1/p' <<<"$line")
	s=${s:-0}
	pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + s))
	report_shell "$name" "$out" "${secs:-0}" "$p" "$f" "$s"
	if [ "$(grep -a -c -E '^(PASS|FAIL|SKIPPED) ' "$out")" -ne $((p + f + s)) ]; then
		echo "FAIL $name: its case lines disagree with '$line'"
		report_broken "$name: count" "case lines disagree with '$line'"
		fail=$((fail + 1))
	fi
}

run_suite() {
	start_suite "$1" live
	count_suite "$1"
}

# The integration suites, TEST_JOBS (default 2) at a time: most keep one
# CPU busy (a tiny guest's emulated instructions, qemu-img, python), so
# two of them share this machine's two cores; each makes its own
# directories, namespaces and taps. The slowest start first; each one's
# output is printed whole when it ends, and counted in name order.
run_integration() {
	local slow="suite_qcow2 suite_kernel suite_img suite_fuzz suite_exec"
	local order=() s running=0
	for s in $slow; do
		[ -f "tests/integration/$s.sh" ] && order+=("tests/integration/$s.sh")
	done
	for s in tests/integration/suite_*.sh; do
		[[ " $slow " == *" $(basename "$s" .sh) "* ]] || order+=("$s")
	done
	for s in "${order[@]}"; do
		if [ $running -ge "${TEST_JOBS:-2}" ]; then
			wait -n
			running=$((running - 1))
		fi
		{
			start_suite "$s"
			flock "$log/.print" cat "$(suite_log "$s")"
		} &
		running=$((running + 1))
	done
	wait
	for s in tests/integration/suite_*.sh; do
		count_suite "$s"
	done
}

for suite in tests/static/suite_*.sh; do
	[ -f "$suite" ] && run_suite "$suite"
done
for bin in build/tests/unit/* build/tests/unit-san/* build/tests/driver/*; do
	[ -x "$bin" ] && [ -f "$bin" ] && run_criterion "$bin"
done
run_integration
# The full-Linux tier alone: its emulator keeps both cores busy.
for suite in tests/linux/suite_*.sh; do
	[ -f "$suite" ] && run_suite "$suite"
done

{
	echo '<?xml version="1.0" encoding="UTF-8"?>'
	echo "<testsuites name=\"squeeze make test\" tests=\"$((pass + fail + skip))\" failures=\"$fail\" skipped=\"$skip\">"
	cat "$body"
	echo '</testsuites>'
} >"$report"
rm -f "$body"

echo
echo "JUnit report: $report"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
