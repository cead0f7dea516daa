#!/usr/bin/env bash
# The full-Linux tier: Debian's cloud kernel with the test initramfs under
# squeeze, every scenario in tests/linux/scenarios/ (run-scenarios.sh).
# On hardware KVM they run here. Where /dev/kvm emulates guest code (KVM's
# PVM flavour, too slow for Linux) they run nested, all in one boot of the
# outer guest (tests/linux/outer.sh: QEMU's software emulator, whose AMD
# SVM gives the outer kernel a /dev/kvm). One line says which. Every
# scenario's PASS, FAIL and SKIPPED lines count here; the outer guest
# failing, or a step hanging, is one more failure with its last console
# lines. Logs and consoles stay in build/linux/run/. (A scenario whose
# guest the emulator crashed runs once more: run-scenarios.sh.)
set -u
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/console.sh"
t_begin linux
RUN=$ROOT/build/linux/run
OUTER=$ROOT/build/linux/outer

# The emulator's crash signature (console.sh emulator_fault, on which a
# nested scenario runs again) is found on the console where it was seen,
# and not on the same console with the fault one instruction further on,
# or with a kernel stack pointer.
signature() {
	local fx=$ROOT/tests/linux/fixtures/syscall-double-fault.con t
	t=$(mktemp -d)
	sed 's|entry_SYSCALL_64+0x0/|entry_SYSCALL_64+0x3/|' "$fx" >"$t/later.con"
	sed 's|RSP: 0018:00007ffed4f6a488|RSP: 0018:ffffb7ee40003f58|' "$fx" >"$t/kstack.con"
	if ! emulator_fault "$fx" >/dev/null; then
		fail "the emulator's crash signature: not found in $fx"
	elif emulator_fault "$t/later.con" >/dev/null ||
	     emulator_fault "$t/kstack.con" >/dev/null; then
		fail "the emulator's crash signature: found where it is not:" \
			"$(emulator_fault "$t/later.con"; emulator_fault "$t/kstack.con")"
	else
		pass "the emulator's crash signature: $(emulator_fault "$fx")"
	fi
	rm -rf "$t"
}
signature

if [ "$(id -u)" != 0 ]; then
	skip "all scenarios: needs root (network namespaces, taps)"
	t_end
	exit
fi
# The emulator's own failure, from the outer run directory @1 (its
# console.log and outer.sh's verdict) and outer.sh's status @2: QEMU's
# emulated SVM now and then stops delivering a CPU's interrupts while an
# inner guest runs (the outer kernel reports an RCU stall, then a soft
# lockup; outer.sh kills it, 124), or stops them on every CPU (the outer
# kernel cannot say so; its heartbeat stops: 124), or the outer kernel
# takes a fault with a wrong GS base and panics (125 after it was ready).
# Prints what happened. A step that hangs while the outer guest stays
# alive is no emulator failure: it fails the tier.
emulator_failed() {
	[ "$2" = 124 ] || [ "$2" = 125 ] || return 1
	tr -d '\r' <"$1/console.log" | grep -aq '^linux-outer: ready' || return 1
	# The outer kernel's own lines ("[  50.1] ..."), not a scenario's
	# FAIL line quoting an inner guest's console.
	tr -d '\r' <"$1/console.log" | grep -a -m1 -o -E \
		'^\[ *[0-9.]+\] .*(rcu_preempt detected stalls|soft lockup|Kernel panic).*' |
		sed 's/^\[[^]]*\] //' | grep . ||
		grep -m1 -o 'no heartbeat for .*' "$1/verdict" 2>/dev/null
}

# Every scenario in one outer guest. After an emulator failure, the
# scenarios that finished keep their results and the others run in a
# fresh outer guest, twice at most. Sets rc, log (the last attempt's
# console) and first (the results kept from the attempts before).
nested_tier() {
	local dir=$RUN names=() done_list="" what n f attempt
	first=""
	for attempt in 1 2 3; do
		"$ROOT/tests/linux/outer.sh" "$dir" \
			env LINUX_JOBS="${LINUX_JOBS:-2}" LINUX_NESTED=1 \
			tests/linux/run-scenarios.sh "${names[@]}"
		rc=$?
		log=$dir/console.log
		what=$(emulator_failed "$dir" $rc) && [ $attempt -lt 3 ] || return 0
		n=$(tr -d '\r' <"$log" | sed -n 's/^linux: \([a-z0-9_-]*\) took .*/\1/p')
		done_list+=$n$'\n'
		names=()
		for f in "$ROOT"/tests/linux/scenarios/*.sh; do
			f=$(basename "$f" .sh)
			grep -qx "$f" <<<"$done_list" || names+=("$f")
		done
		if [ ${#names[@]} = 0 ]; then
			# It failed after the last scenario: every result is in
			# (this console's and those kept in $first).
			echo "linux: the outer guest failed ($what) after every scenario had finished"
			rc=0
			return 0
		fi
		[ -n "$n" ] && first+=$(tr -d '\r' <"$log" |
			grep -a -E '^(PASS|FAIL|SKIPPED) linux/' |
			grep -E "^[A-Z]+ linux/($(paste -sd'|' <<<"$n")): ")$'\n'
		echo "linux: the outer guest failed ($what); running ${names[*]} again in a fresh one"
		dir=$RUN/again$attempt
		mkdir -p "$dir"
	done
}

rm -rf "$RUN"
mkdir -p "$RUN"
log=$RUN/console.log
t0=$(date +%s)
if hw_kvm; then
	echo "linux: hardware KVM: the scenarios run on this host"
	LINUX_RESULTS=$RUN "$ROOT/tests/linux/run-scenarios.sh" >"$log" 2>&1
	rc=$?
elif ! command -v qemu-system-x86_64 >/dev/null; then
	skip "all scenarios: no hardware KVM, and no qemu-system-x86_64 to nest in"
	t_end
	exit
elif [ ! -f "$OUTER/vmlinuz" ] || [ ! -f "$OUTER/initramfs.cpio.gz" ]; then
	skip "all scenarios: no hardware KVM, and the outer guest is not built (make linux-outer needs Debian's archive)"
	t_end
	exit
else
	echo "linux: no hardware KVM here (/dev/kvm emulates guest code): nested, in QEMU TCG (-cpu max, AMD SVM) with Debian's $(cat "$OUTER/version") kernel"
	nested_tier
fi

results=$(tr -d '\r' <"$log" | grep -a -E '^(PASS|FAIL|SKIPPED) ')
[ -n "${first:-}" ] && results=${first%$'\n'}$'\n'$results
tr -d '\r' <"$log" | grep -a -E '^(linux-outer: ready|linux: )'
if [ -n "$results" ]; then
	echo "$results"
	T_PASS=$((T_PASS + $(grep -c '^PASS ' <<<"$results")))
	T_FAIL=$((T_FAIL + $(grep -c '^FAIL ' <<<"$results")))
	T_SKIP=$((T_SKIP + $(grep -c '^SKIPPED ' <<<"$results")))
fi
case $rc in
124)	fail "a step hung; the emulator was killed (see above and $log)" ;;
125)	fail "the outer guest did not run the scenarios (see above and $log)" ;;
*)	[ -n "$results" ] || fail "no scenario reported a result (status $rc): $(tail -n 5 "$log" | tr '\n' '|')" ;;
esac
echo "linux: tier took $(($(date +%s) - t0)) s"
t_end
