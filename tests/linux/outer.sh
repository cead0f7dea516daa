#!/usr/bin/env bash
# Run a command as root inside the outer guest: Debian's generic kernel in
# QEMU's software emulator (TCG, `-cpu max`, which emulates AMD SVM, so
# kvm_amd gives the guest a /dev/kvm), with the host's root shared read
# only under a tmpfs overlay (tests/linux/outer-init):
#   tests/linux/outer.sh RUNDIR COMMAND [ARG...]
# COMMAND runs with bash, in this repository, on the same paths as here.
# RUNDIR (made if missing) is shared writable at /run/linux inside; the
# outer console goes to RUNDIR/console.log. Exit status: the command's, or
# 124 when a step hangs, 125 when the outer guest cannot run.
#
# The watchdog: the outer guest must print "linux-outer: ready" within
# OUTER_BOOT_TIMEOUT (default 180) s. The command announces each step on
# its output, "linux-step: start NAME SECONDS" ... "linux-step: end NAME"
# (tests/linux/run-scenarios.sh does, per scenario); a step still running
# after SECONDS + 60, or no line but the heartbeat for OUTER_IDLE_TIMEOUT
# (default 120) s while no step runs, or no heartbeat ("linux-outer:
# alive", every 15 s) for OUTER_SILENT_TIMEOUT (default 60) s, or an RCU
# stall or a soft lockup the outer kernel reports, kills the emulator and
# fails with the last console lines. Why it stopped early is also in
# RUNDIR/verdict. OUTER_MEM (default 4G) and OUTER_CPUS (default 2) size
# it. For debugging: OUTER_APPEND adds to its kernel command line,
# OUTER_MONITOR=PATH puts QEMU's monitor on that unix socket.
#
# The outer KVM uses shadow paging (kvm_amd.npt=0) and no virtual GIF
# (vgif=off): with TCG's emulated nested paging, inner guests running side
# by side now and then triple-faulted or hung, and the outer kernel twice
# took a page fault with a wrong GS base (a stack-guard-page panic); 12
# inner boots, two at a time, passed with shadow paging, no slower.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
outer=$root/build/linux/outer

[ $# -ge 2 ] || { echo "usage: outer.sh RUNDIR COMMAND [ARG...]" >&2; exit 2; }
run=$1
shift
mkdir -p "$run" && run=$(cd "$run" && pwd) || exit 125
for f in vmlinuz initramfs.cpio.gz; do
	[ -f "$outer/$f" ] ||
		{ echo "outer: $outer/$f missing (make linux-outer)" >&2; exit 125; }
done
command -v qemu-system-x86_64 >/dev/null ||
	{ echo "outer: qemu-system-x86_64 missing" >&2; exit 125; }

{
	echo "cd $(printf '%q' "$root") || exit 125"
	printf 'exec'
	printf ' %q' "$@"
	echo
} >"$run/job"
con=$run/console.log
: >"$con"
rm -f "$run/verdict"
monitor=none
[ -n "${OUTER_MONITOR:-}" ] && monitor=unix:$OUTER_MONITOR,server,nowait

share=security_model=passthrough,multidevs=remap
qemu-system-x86_64 -nodefaults -display none -no-reboot \
	-accel tcg,thread=multi -cpu max,vgif=off \
	-smp "${OUTER_CPUS:-2}" -m "${OUTER_MEM:-4G}" \
	-kernel "$outer/vmlinuz" -initrd "$outer/initramfs.cpio.gz" \
	-append "console=ttyS0 quiet panic=-1 kvm_amd.npt=0 softlockup_all_cpu_backtrace=1 ${OUTER_APPEND:-}" \
	-virtfs "local,path=/,mount_tag=hostroot,readonly=on,$share" \
	-virtfs "local,path=$run,mount_tag=run,$share" \
	-serial "file:$con" -monitor "$monitor" \
	</dev/null >"$run/qemu.log" 2>&1 &
qemu=$!

# The last console lines but heartbeats, for a failure message.
last_lines() {
	echo "$1" >"$run/verdict"
	echo "outer: $1; last console lines:" >&2
	tr -d '\r' <"$con" | grep -v -e '^$' -e '^linux-outer: alive ' |
		tail -n "${2:-15}" | sed 's/^/  | /' >&2
}

now() { date +%s; }
start=$(now)
ready=0 seen=0 quiet_since=$start alive_since=$start status=""
declare -A deadline=()
while kill -0 "$qemu" 2>/dev/null; do
	sleep 1
	t=$(now)
	mapfile -t lines < <(tail -n +$((seen + 1)) "$con" | tr -d '\r')
	# A half-written last line is read again next time.
	[ "${#lines[@]}" -gt 0 ] && [ -n "$(tail -c 1 "$con")" ] &&
		unset 'lines[${#lines[@]}-1]'
	seen=$((seen + ${#lines[@]}))
	[ "${#lines[@]}" -gt 0 ] && alive_since=$t
	for l in "${lines[@]}"; do
		[[ $l == "linux-outer: alive "* ]] || quiet_since=$t
		case $l in
		"linux-outer: ready"*)
			ready=1
			echo "outer: ready $((t - start)) s after QEMU started" ;;
		"linux-outer: job exit "*) status=${l##* } ;;
		"linux-step: start "*)
			set -- $l
			deadline[$3]=$((t + $4 + 60)) ;;
		"linux-step: end "*)
			set -- $l
			unset "deadline[$3]" ;;
		"["*"] "*"BUG: soft lockup"* | \
		"["*"] "*"rcu: INFO: rcu_preempt detected stalls"*)
			[ -z "${lockup:-}" ] && lockup=$t stall=$l ;;
		esac
	done
	why=""
	# The emulator stopped delivering the outer guest's interrupts while
	# an inner guest ran: that step can only hang until its deadline. The
	# outer kernel says so first with an RCU stall (a CPU stopped taking
	# its timer for 21 s), then with a soft lockup. The kernel's
	# backtraces (of every CPU) get 5 s to reach console.log first.
	[ -n "${lockup:-}" ] && [ $((t - lockup)) -ge 5 ] &&
		why="the outer kernel reports ${stall#*] } (backtraces in $con)"
	if [ "$ready" = 0 ] && [ $((t - start)) -gt "${OUTER_BOOT_TIMEOUT:-180}" ]; then
		why="not ready after ${OUTER_BOOT_TIMEOUT:-180} s"
	elif [ "$ready" = 1 ] && [ -z "$status" ] &&
	     [ $((t - alive_since)) -gt "${OUTER_SILENT_TIMEOUT:-60}" ]; then
		why="no heartbeat for ${OUTER_SILENT_TIMEOUT:-60} s: the outer guest went silent"
	elif [ -n "$status" ] && [ $((t - quiet_since)) -gt 30 ]; then
		why="still running 30 s after the command ended"
	elif [ "${#deadline[@]}" = 0 ] &&
	     [ $((t - quiet_since)) -gt "${OUTER_IDLE_TIMEOUT:-120}" ]; then
		why="console silent for ${OUTER_IDLE_TIMEOUT:-120} s"
	fi
	for s in "${!deadline[@]}"; do
		[ "$t" -gt "${deadline[$s]}" ] && why="step $s hangs"
	done
	if [ -n "$why" ]; then
		kill -9 "$qemu" 2>/dev/null
		wait "$qemu" 2>/dev/null
		last_lines "$why, emulator killed"
		exit 124
	fi
done
wait "$qemu"
rc=$?
status=$(tr -d '\r' <"$con" | sed -n 's/^linux-outer: job exit //p' | tail -n 1)
if [ -z "$status" ]; then
	last_lines "the outer guest stopped (QEMU status $rc) before the command ended"
	tail -n 5 "$run/qemu.log" >&2
	exit 125
fi
exit "$status"
