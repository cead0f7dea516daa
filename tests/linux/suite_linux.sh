#!/usr/bin/env bash
# The full-Linux tier: Debian's cloud kernel with the test initramfs under
# squeeze, every scenario in tests/linux/scenarios/ (run-scenarios.sh).
# On hardware KVM they run here. Where /dev/kvm emulates guest code (KVM's
# PVM flavour, too slow for Linux) they run nested, all in one boot of the
# outer guest (tests/linux/outer.sh: QEMU's software emulator, whose AMD
# SVM gives the outer kernel a /dev/kvm). One line says which. Every
# scenario's PASS, FAIL and SKIPPED lines count here; the outer guest
# failing, or a step hanging, is one more failure with its last console
# lines. Logs and consoles stay in build/linux/run/.
set -u
. "$(dirname "$0")/../integration/lib.sh"
t_begin linux
RUN=$ROOT/build/linux/run
OUTER=$ROOT/build/linux/outer

if [ "$(id -u)" != 0 ]; then
	skip "all scenarios: needs root (network namespaces, taps)"
	t_end
	exit
fi
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
	"$ROOT/tests/linux/outer.sh" "$RUN" \
		env LINUX_JOBS="${LINUX_JOBS:-2}" LINUX_NESTED=1 \
		tests/linux/run-scenarios.sh
	rc=$?
	# QEMU's emulated SVM now and then stops delivering the outer
	# guest's interrupts while an inner guest runs (the outer kernel
	# reports an RCU stall and a soft lockup: the watchdog kills the
	# emulator, 124), or the outer kernel takes a fault with a wrong GS
	# base and panics (125 after it was ready). The scenarios that
	# finished keep their results; the others run once more in a fresh
	# outer guest, and a second failure fails as before.
	if [ $rc = 124 ] || { [ $rc = 125 ] &&
	   tr -d '\r' <"$log" | grep -aq '^linux-outer: ready'; }; then
		kept=$(tr -d '\r' <"$log" | sed -n 's/^linux: \([a-z0-9_-]*\) took .*/\1/p')
		again=()
		for f in "$ROOT"/tests/linux/scenarios/*.sh; do
			n=$(basename "$f" .sh)
			grep -qx "$n" <<<"$kept" || again+=("$n")
		done
		echo "linux: the outer guest failed ($(tr -d '\r' <"$log" | grep -a -m1 -o -E 'rcu_preempt detected stalls.*|soft lockup.*|Kernel panic.*' || echo "status $rc")); running ${again[*]} again in a fresh one"
		first=$(tr -d '\r' <"$log" | grep -a -E '^(PASS|FAIL|SKIPPED) linux/' |
			grep -E "^[A-Z]+ linux/($(paste -sd'|' <<<"$kept")): " || true)
		mkdir -p "$RUN/again"
		"$ROOT/tests/linux/outer.sh" "$RUN/again" \
			env LINUX_JOBS="${LINUX_JOBS:-2}" LINUX_NESTED=1 \
			tests/linux/run-scenarios.sh "${again[@]}"
		rc=$?
		log=$RUN/again/console.log
	fi
fi

results=$(tr -d '\r' <"$log" | grep -a -E '^(PASS|FAIL|SKIPPED) ')
[ -n "${first:-}" ] && results=$first$'\n'$results
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
