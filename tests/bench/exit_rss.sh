#!/usr/bin/env bash
# The exact resident set of `squeeze run --kernel GUEST` as it exits:
#
#   tests/bench/exit_rss.sh SQUEEZE GUEST    prints "<rss KiB> <anon KiB>"
#
# Why not ru_maxrss (what bench-boot reports): since Linux 6.2 the kernel
# keeps a process's RSS in per-CPU counters and reads it without summing
# them, so ru_maxrss and VmHWM can be short by up to 32 pages per CPU and
# jump by 64 KiB between two builds of the same code. A comparison of a
# few KiB (bench-cost) needs the exact figure, which only a walk of the
# page tables gives: /proc/PID/smaps_rollup. So strace holds squeeze for a
# second as it enters exit_group(), with every thread joined and every
# mapping still there, and the rollup is read then. anon is the part that
# is the process's own (heap, stacks, written data); the rest is the
# binary's pages, shared with every other squeeze.
set -u
sq=${1:?usage: exit_rss.sh SQUEEZE GUEST}
guest=${2:?usage: exit_rss.sh SQUEEZE GUEST}
command -v strace >/dev/null || { echo "exit_rss: strace missing" >&2; exit 1; }

strace -qq -o /dev/null -e trace=exit_group \
	-e inject=exit_group:delay_enter=1000000 \
	"$sq" run --kernel "$guest" >/dev/null 2>&1 &
tracer=$!
pid=
for _ in $(seq 250); do
	pid=$(pgrep -P "$tracer" | head -n 1)
	# 231: exit_group on x86_64, the first field of /proc/PID/syscall.
	if [ -n "$pid" ] &&
	   [ "$(cut -d' ' -f1 "/proc/$pid/syscall" 2>/dev/null)" = 231 ]; then
		break
	fi
	pid=
	sleep 0.02
done
if [ -z "$pid" ]; then
	wait "$tracer"
	echo "exit_rss: squeeze did not reach exit_group" >&2
	exit 1
fi
awk '$1 == "Rss:" { r = $2 } $1 == "Anonymous:" { a = $2 }
	END { print r, a }' "/proc/$pid/smaps_rollup"
wait "$tracer"
