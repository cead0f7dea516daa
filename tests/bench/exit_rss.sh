#!/usr/bin/env bash
# The exact resident set of a VMM (any command) as it exits:
#
#   tests/bench/exit_rss.sh COMMAND [ARG...]   prints "<rss KiB> <anon KiB>"
#
# e.g. tests/bench/exit_rss.sh ./squeeze run --kernel build/guests/hello.elf
#
# Why not ru_maxrss (what bench-boot's peak column is): since Linux 6.2
# the kernel keeps a process's RSS in per-CPU counters, and the figure it
# hands to wait4() at exit is read without summing them, so it may be short
# by up to 32 pages per CPU and jump by 64 KiB between two builds of the
# same code (measured: 1540 KiB where the page tables held 1664). A
# comparison of a few KiB (bench-cost) needs the exact figure, which a walk
# of the page tables gives: /proc/PID/smaps_rollup. So strace holds the
# process for a second as one of its threads enters exit_group(), with
# every mapping still there, and the rollup is read then. anon is the part
# that is the process's own (heap, stacks, written data); the rest is the
# binary's pages, shared with every other process running it.
set -u
[ $# -ge 1 ] || { echo "usage: exit_rss.sh COMMAND [ARG...]" >&2; exit 2; }
command -v strace >/dev/null || { echo "exit_rss: strace missing" >&2; exit 1; }

strace -f -qq -o /dev/null -e trace=exit_group \
	-e inject=exit_group:delay_enter=1000000 \
	"$@" </dev/null >/dev/null 2>&1 &
tracer=$!
pid=
for _ in $(seq 250); do
	pid=$(pgrep -P "$tracer" | head -n 1)
	# 231: exit_group on x86_64, the first field of /proc/PID/syscall,
	# in whichever thread calls it (QEMU's vCPU thread does).
	if [ -n "$pid" ] && cut -d' ' -f1 /proc/"$pid"/task/*/syscall \
		2>/dev/null | grep -qx 231; then
		break
	fi
	pid=
	sleep 0.02
done
if [ -z "$pid" ]; then
	wait "$tracer"
	echo "exit_rss: $1 did not reach exit_group" >&2
	exit 1
fi
awk '$1 == "Rss:" { r = $2 } $1 == "Anonymous:" { a = $2 }
	END { print r, a }' "/proc/$pid/smaps_rollup"
# The command's own exit status (a guest's, say) is not ours.
wait "$tracer"
exit 0
