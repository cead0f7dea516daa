#!/usr/bin/env bash
# Grade the exercises: run build/exercises/SET/NAME.elf on squeeze and
# compare with guests/exercises/NAME/expect (the exit status, console
# lines, --stats rows).
#
#   guests/exercises/grade.sh [work|solutions] [NAME...]
#
# "work" (the default) is your exercise.c files, "solutions" the reference
# ones; `make exercises` builds yours and runs this. One PASS or FAIL line
# per exercise, then "exercises (SET): N of M pass"; exit status 0 when
# all of them do.
#
# An expect file is bash, sourced with DISK set to a scratch image path:
#   disk PATH TEXT     make a 64 KiB disk image whose sector 0 starts with
#                      the line TEXT
#   ARGS=(...)         squeeze run options besides --kernel
#   STATUS=N           the exit status
#   LINES=(...)        console lines that must appear, exactly; "a|b" is
#                      either
#   STATS=(...)        extended regexps some --stats line must match
set -u
cd "$(dirname "$0")/../.." || exit 1
set_=${1:-work}
[ $# -gt 0 ] && shift
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
	for d in guests/exercises/[0-9]*/; do
		names+=("$(basename "$d")")
	done
fi

disk() {
	printf '%s\n' "$2" >"$1"
	truncate -s 64K "$1"
}

# has_line FILE "a|b": FILE has a line equal to a or to b.
has_line() {
	local alt
	IFS='|' read -ra alt <<<"$2"
	for a in "${alt[@]}"; do
		grep -qxF -- "$a" <(tr -d '\r' <"$1") && return 0
	done
	return 1
}

# grade NAME: "" when it passes, else why not.
grade() {
	local name=$1 elf=build/exercises/$set_/$1.elf rc l s
	local ARGS=() STATUS= LINES=() STATS=()
	DISK=$tmp/$name.img
	[ -f "guests/exercises/$name/expect" ] || { echo "no such exercise"; return; }
	[ -f "$elf" ] || { echo "$elf is not built (make exercises)"; return; }
	# shellcheck source=/dev/null
	. "guests/exercises/$name/expect"
	timeout 30 ./squeeze run --kernel "$elf" --memory 64M --stats \
		"${ARGS[@]}" </dev/null >"$tmp/$name.out" 2>"$tmp/$name.err"
	rc=$?
	for l in "${LINES[@]}"; do
		has_line "$tmp/$name.out" "$l" ||
			{ echo "no line '${l%%|*}' (console: $(tail -n 2 "$tmp/$name.out" | tr -d '\r' | tr '\n' '|'))"; return; }
	done
	[ "$rc" = "$STATUS" ] || { echo "exit status $rc, want $STATUS"; return; }
	for s in "${STATS[@]}"; do
		grep -qE -- "$s" "$tmp/$name.err" ||
			{ echo "--stats has no line matching '$s'"; return; }
	done
}

tmp=$(mktemp -d /tmp/grade-exercises.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
pass=0
for name in "${names[@]}"; do
	why=$(grade "$name")
	if [ -z "$why" ]; then
		echo "PASS $name"
		pass=$((pass + 1))
	else
		echo "FAIL $name: $why"
	fi
done
echo "exercises ($set_): $pass of ${#names[@]} pass"
[ "$pass" -eq ${#names[@]} ]
