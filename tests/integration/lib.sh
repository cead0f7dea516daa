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
