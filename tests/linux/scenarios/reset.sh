#!/usr/bin/env bash
# reset: the guest resets the machine, squeeze exits 0 "stopped by reset":
#   reboot  `reboot -f` in the guest (guests/scenarios/reboot.sh);
#   panic   a kernel panic (sysrq-c, guests/scenarios/panic.sh) with
#           panic=-1, which reboots at once; the panic line must be on
#           the console, and the crash summary a FAIL line would quote
#           (con_oops, tests/linux/console.sh) must name it and
#           sysrq_handle_crash.
# timeout: 120
set -u
. "$(dirname "$0")/../lib.sh"

guest reboot --cpus 2 --memory 512M --cmdline "$(cmdline reboot)"
st=$?
if con_has "$CON" "reboot: reboot -f"; then
	stopped_by "$st" reset
else
	fail "reboot: the scenario did not run: $(con_tail "$CON")"
fi

guest panic --cpus 2 --memory 512M --cmdline "$(cmdline panic panic=-1)"
st=$?
if tr -d '\r' <"$CON" | grep -q "Kernel panic - not syncing: sysrq triggered crash"; then
	pass "panic: the kernel panicked (sysrq-c)"
	stopped_by "$st" reset
	# What a FAIL line quotes of a crashed guest (console.sh).
	sum=$(con_oops "$CON")
	if [[ $sum == "Kernel panic - not syncing: sysrq triggered crash|"*"|sysrq_handle_crash+"* ]]; then
		pass "panic: the crash summary names the panic and where: ${sum:0:120}..."
	else
		fail "panic: the crash summary misses the panic or sysrq_handle_crash: '$sum'"
	fi
else
	fail "panic: no panic line: $(con_tail "$CON")"
fi
