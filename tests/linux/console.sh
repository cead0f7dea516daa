# Reading a Linux guest's console file, for failure messages. Sourced by
# tests/linux/lib.sh (the scenarios) and run-scenarios.sh (a scenario's
# timeout):
#   con_oops FILE      the kernel's first oops or panic in FILE on one
#                      line: what it hit (BUG:, Oops:, general protection
#                      fault, Kernel panic, ...), where (RIP:) and the
#                      first sure frames of its call trace; nothing if the
#                      kernel never crashed
#   con_tail FILE [N]  con_oops, then the last N (5) non-empty lines, on
#                      one line ('|' between lines)

con_oops() {
	tr -d '\r' <"$1" 2>/dev/null | awk '
		function out(s) { printf "%s|", s }
		# "[  62.1] BUG: ..." -> "BUG: ..."
		{ sub(/^\[ *[0-9.]+\] /, "") }
		!hit && /^(BUG: |Oops: |general protection fault|kernel BUG at|stack segment: |invalid opcode: |divide error: |traps: PANIC: |Kernel panic - not syncing)/ {
			hit = 1; out($0); next
		}
		hit && /^RIP: / && !rip { rip = 1; out($0); next }
		hit && /^Call Trace:/ { trace = 1; next }
		trace {
			f = $0
			sub(/^ */, "", f)
			if (f ~ /^\? /)	# a frame the unwinder is unsure of
				next
			if (f ~ /^[^ ]+\+0x/ && frames < 6) {
				frames++; sub(/ .*/, "", f); out(f); next
			}
			if (frames && f !~ /^[^ ]+\+0x/ && f !~ /^<\/?[A-Z]+>$/)
				trace = 0
		}
	'
}

con_tail() {
	con_oops "$1"
	tr -d '\r' <"$1" 2>/dev/null | grep -a -v '^$' | tail -n "${2:-5}" |
		tr '\n' '|'
}

# emulator_fault CONSOLE...: succeeds, saying which console and what, when
# a Debian guest crashed in a way that no guest can bring about, nor
# squeeze while the guest runs, and QEMU's emulated SVM under the outer
# guest can: a double fault at the first instruction of the system call
# entry, with the user's stack pointer still in RSP. SYSCALL clears IF, so
# nothing may interrupt there before the kernel switches stacks; an
# interrupt delivered anyway pushes its frame onto the user stack, which
# SMAP refuses (a page fault, whose frame is refused too: a double fault).
# The VMM's interrupts go through KVM's local APIC, which never delivers
# with IF clear. (Only KVM_SET_VCPU_EVENTS, which squeeze calls when it
# restores a snapshot, could put an event there: run-scenarios.sh does not
# count this signature in the snapshot scenario.) Seen in the net
# scenario, while another guest ran beside it.
emulator_fault() {
	local f
	for f in "$@"; do
		# The first RIP and RSP lines after the "double fault:" line.
		tr -d '\r' <"$f" 2>/dev/null | awk '
			{ sub(/^\[ *[0-9.]+\] /, "") }
			/^double fault: / { df = 1; next }
			df && /^RIP: / {
				rip = $0 ~ /^RIP: 0010:entry_SYSCALL_64\+0x0\//
				if (!rip) exit
				next
			}
			df && rip && /^RSP: / {
				found = $0 ~ /^RSP: 0018:0000[0-7][0-9a-f]+ /
				exit
			}
			END { exit !found }' || continue
		echo "$(basename "$f"): a double fault at entry_SYSCALL_64+0x0 on the user stack (an interrupt delivered with IF clear)"
		return 0
	done
	return 1
}
