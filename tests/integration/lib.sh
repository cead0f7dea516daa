# Shared helpers for integration suites. Source it, call t_begin once,
# then pass/fail/skip per case, and t_end last (prints the summary line).
T_PASS=0 T_FAIL=0 T_SKIP=0 T_SUITE=""

t_begin() { T_SUITE=$1; }
pass() { T_PASS=$((T_PASS + 1)); echo "PASS $T_SUITE: $*"; }
fail() { T_FAIL=$((T_FAIL + 1)); echo "FAIL $T_SUITE: $*"; }
# One line saying what did not run and why; never counted as passed.
skip() { T_SKIP=$((T_SKIP + 1)); echo "SKIPPED $T_SUITE: $*"; }
t_end() {
	echo "$T_SUITE: $T_PASS passed, $T_FAIL failed, $T_SKIP skipped"
	[ "$T_FAIL" -eq 0 ]
}

# Hardware KVM (not an emulating flavour): full Linux guests can run.
hw_kvm() {
	[ -e /dev/kvm ] && [ ! -d /sys/module/kvm_pvm ] &&
		{ [ -d /sys/module/kvm_intel ] || [ -d /sys/module/kvm_amd ]; }
}

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SQUEEZE=$ROOT/squeeze
GUESTS=$ROOT/build/guests

# expect_exit2 SECS NAME TEXT CMD...: CMD exits 2 within SECS seconds (then
# SIGKILL: a hang is a failure) with one line on stderr saying TEXT.
expect_exit2() {
	local secs=$1 name=$2 text=$3 rc err
	shift 3
	err=$(mktemp)
	timeout -k 2 "$secs" "$@" </dev/null >/dev/null 2>"$err"
	rc=$?
	if [ $rc -eq 2 ] && grep -q -- "$text" "$err" &&
	   [ "$(wc -l <"$err")" -eq 1 ]; then
		pass "$name (exit 2: $(head -c 160 "$err"))"
	elif [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
		fail "$name: still blocked after $secs s"
	else
		fail "$name: exit $rc, said '$(head -c 300 "$err")'"
	fi
	rm -f "$err"
}

# wait_for FILE PATTERN [TENTHS]: until FILE has a line matching PATTERN
# (10 s by default); false if it never does.
wait_for() {
	local i
	for i in $(seq 1 "${3:-100}"); do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# virtiofsds DIR: the pids of virtiofsd processes (not zombies) whose
# command line names something under DIR.
virtiofsds() {
	local p c
	for p in /proc/[0-9]*; do
		[ "$(cat "$p/comm" 2>/dev/null)" = virtiofsd ] || continue
		c=$(tr '\0' ' ' <"$p/cmdline" 2>/dev/null)
		[[ $c == *"$1"* ]] || continue
		[ "$(awk '/^State:/ { print $2 }' "$p/status" 2>/dev/null)" = Z ] &&
			continue
		echo "${p#/proc/}"
	done
}

# virtiofsds_gone DIR [TENTHS]: true once no virtiofsd serves under DIR
# (waiting up to TENTHS tenths of a second, default 0); else prints their
# pids and is false.
virtiofsds_gone() {
	local i left
	for ((i = 0; i <= ${2:-0}; i++)); do
		left=$(virtiofsds "$1")
		[ -z "$left" ] && return 0
		[ "$i" -lt "${2:-0}" ] && sleep 0.1
	done
	echo "$left"
	return 1
}

# hex16 FILE: its first 16 bytes as the tiny guests print them.
hex16() {
	od -An -t x1 -N 16 "$1" | tr -s ' \n' ' ' | sed 's/^ //; s/ $//'
}
