#!/usr/bin/env bash
# Run full-Linux scenarios where /dev/kvm runs Linux at speed: on hardware
# KVM, or inside the outer guest (tests/linux/outer.sh). As root.
#   tests/linux/run-scenarios.sh [NAME...]
# runs tests/linux/scenarios/NAME.sh (default: all of them), LINUX_JOBS
# (default 2) at a time, longest timeout first. A scenario's timeout is
# its "# timeout: SECONDS" line (default 120); it runs in its own process
# group (timeout(1) makes one), killed when the time is up. Each scenario
# works in a directory of its own under /tmp (images, fifos, sockets: the
# outer guest's /tmp is the tmpfs overlay) that it gets as LINUX_OUT; afterwards its
# small files (consoles, logs) are kept in RESULTS/NAME, its output in
# RESULTS/NAME.log. RESULTS: LINUX_RESULTS, else /run/linux in the outer
# guest, else a new directory in /tmp. Nested (LINUX_NESTED set), a
# scenario whose guest the emulator crashed runs once more (run_one).
# Output lines:
#   linux-step: start NAME SECONDS / linux-step: end NAME  (the watchdog)
#   PASS|FAIL|SKIPPED linux/NAME: ...                       (the results)
#   linux: NAME: the emulator crashed a guest (...)        (after a rerun)
#   linux: NAME took S s
#   linux-scenarios: P passed, F failed, S skipped          (last)
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
. "$here/console.sh"
out=${LINUX_RESULTS:-}
work=$(mktemp -d /tmp/linux-work.XXXXXX)
trap 'rm -rf "$work"' EXIT
if [ -z "$out" ]; then
	if [ -d /run/linux ] && [ -w /run/linux ]; then
		out=/run/linux
	else
		out=$(mktemp -d /tmp/linux-scenarios.XXXXXX)
	fi
fi
lock=$work/.lock
: >"$lock"

names=("$@")
if [ ${#names[@]} -eq 0 ]; then
	for f in "$here"/scenarios/*.sh; do
		[ -f "$f" ] && names+=("$(basename "$f" .sh)")
	done
fi

timeout_of() {
	local t
	t=$(sed -n 's/^# timeout: *\([0-9]*\).*/\1/p' "$1" | head -n 1)
	echo "${t:-120}"
}

# Why nothing can run here, or nothing.
blocker() {
	if [ "$(id -u)" != 0 ]; then
		echo "needs root (network namespaces, taps)"
	elif [ ! -c /dev/kvm ]; then
		echo "no /dev/kvm"
	elif [ ! -x "$root/squeeze" ]; then
		echo "squeeze is not built (make)"
	elif [ ! -f "$root/build/debian/vmlinuz" ] ||
	     [ ! -f "$root/build/debian/initramfs.cpio.gz" ]; then
		echo "build/debian not built (make debian needs Debian's archive)"
	fi
}

# keep NAME DIR: DIR's small files (consoles, logs) into RESULTS/NAME.
keep() {
	mkdir -p "$out/$1"
	(cd "$2" 2>/dev/null &&
		find . -type f -size -1024k -exec cp --parents {} "$out/$1" \;)
	rm -rf "${2:?}"
}

# run_one NAME SECONDS: the scenario, then its output in one piece. Nested,
# a run whose guest the emulator crashed (console.sh emulator_fault) is
# thrown away, kept in RESULTS/NAME/emulator-fault/, and the scenario
# runs once more; its output then begins with a line saying so, and "took"
# is the second run's time.
run_one() {
	local name=$1 secs=$2 file=$here/scenarios/$1.sh log=$work/$1.log
	local t0 t1 rc why="" attempt
	for attempt in 1 2; do
		echo "linux-step: start $name $secs"
		t0=$(date +%s%N)
		LINUX_OUT=$work/$name timeout -k 10 "$secs" \
			bash "$file" </dev/null >"$log" 2>&1
		rc=$?
		t1=$(date +%s%N)
		# A restored guest's pending events are squeeze's to set
		# (KVM_SET_VCPU_EVENTS): no second chance for snapshot.
		[ $attempt = 1 ] && [ -n "${LINUX_NESTED:-}" ] &&
			[ "$name" != snapshot ] &&
			why=$(emulator_fault "$work/$name"/*.con) || break
		keep "$name/emulator-fault" "$work/$name"
		cp "$log" "$out/$name/emulator-fault/"
	done
	keep "$name" "$work/$name"
	if [ -n "$why" ]; then
		{ echo "linux: $name: the emulator crashed a guest ($why);" \
			"the scenario ran again, the first run is in $name/emulator-fault/"
		  cat "$log"; } >"$log.new" && mv "$log.new" "$log"
	fi
	if [ $rc = 124 ] || [ $rc = 137 ]; then
		echo "FAIL linux/$name: timed out after $secs s; last console lines:" \
			"$(con_tail "$(ls -t "$out/$name"/*.con 2>/dev/null |
				head -n 1)" 3)" >>"$log"
	elif ! grep -q -E '^(PASS|FAIL|SKIPPED) ' "$log"; then
		echo "FAIL linux/$name: exit status $rc and no result" >>"$log"
	elif [ $rc != 0 ] && ! grep -q '^FAIL ' "$log"; then
		echo "FAIL linux/$name: exit status $rc" >>"$log"
	fi
	echo "linux: $name took $(((t1 - t0) / 1000000000)).$(((t1 - t0) / 100000000 % 10)) s" >>"$log"
	echo "linux-step: end $name" >>"$log"
	cp "$log" "$out/"
	flock "$lock" cat "$log"
}

why=$(blocker)
early=$work/.early
: >"$early"
list=()
for n in "${names[@]}"; do
	f=$here/scenarios/$n.sh
	if [ ! -f "$f" ]; then
		echo "FAIL linux/$n: no such scenario ($f)" | tee -a "$early"
	elif [ -n "$why" ]; then
		echo "SKIPPED linux/$n: $why" | tee -a "$early"
	else
		list+=("$(timeout_of "$f") $n")
	fi
done
order=()
[ ${#list[@]} -gt 0 ] && mapfile -t order < <(printf '%s\n' "${list[@]}" | sort -rn)

running=0
for entry in "${order[@]}"; do
	if [ $running -ge "${LINUX_JOBS:-2}" ]; then
		wait -n
		running=$((running - 1))
	fi
	run_one ${entry#* } ${entry%% *} &
	running=$((running + 1))
done
wait

logs=("$early")
for entry in "${order[@]}"; do
	logs+=("$work/${entry#* }.log")
done
p=$(cat "${logs[@]}" | grep -c '^PASS ')
f=$(cat "${logs[@]}" | grep -c '^FAIL ')
s=$(cat "${logs[@]}" | grep -c '^SKIPPED ')
echo "linux-scenarios: $p passed, $f failed, $s skipped"
[ "$f" = 0 ]
