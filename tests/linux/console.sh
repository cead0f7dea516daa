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
		!hit && /^(BUG: |Oops: |general protection fault|kernel BUG at|stack segment: |invalid opcode: |divide error: |Kernel panic - not syncing)/ {
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
