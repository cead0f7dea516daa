#!/usr/bin/env bash
# guests/exercises/: the reference solutions pass the grader, and the
# exercises as shipped (the students' starting points) fail it, each for
# the right reason (not done, not a crash or a build problem).
set -u
. "$(dirname "$0")/lib.sh"
t_begin suite_exercises

GRADE=$ROOT/guests/exercises/grade.sh
if [ ! -e /dev/kvm ]; then
	skip "exercises: /dev/kvm is missing"
	t_end
	exit
fi
out=$("$GRADE" solutions 2>&1)
while IFS= read -r line; do
	case $line in
	"PASS "*) pass "solution ${line#PASS }" ;;
	"FAIL "*) fail "solution ${line#FAIL }" ;;
	esac
done <<<"$out"
grep -q '^exercises (solutions): \([0-9]*\) of \1 pass$' <<<"$out" ||
	fail "solutions: $(tail -n 1 <<<"$out")"

out=$("$GRADE" work 2>&1)
while IFS= read -r line; do
	name=${line#* }
	name=${name%%:*}
	case $line in
	"FAIL "*"(console: exercise "*": not done yet|)"*)
		pass "exercise $name as shipped fails the grader: not done yet" ;;
	"FAIL "*) fail "exercise $name as shipped fails for another reason: $line" ;;
	"PASS "*) fail "exercise $name as shipped passes the grader" ;;
	esac
done <<<"$out"
grep -q '^exercises (work): 0 of [1-9][0-9]* pass$' <<<"$out" ||
	fail "exercises as shipped: $(tail -n 1 <<<"$out")"
t_end
