#!/usr/bin/env bash
# cpus: the guest with 4 vCPUs (guests/scenarios/cpus.sh): the banner and
# nproc say 4, and a CPU-bound job pinned to each CPU finishes there.
# timeout: 150
set -u
. "$(dirname "$0")/../lib.sh"

guest cpus4 --cpus 4 --memory 2G --cmdline "$(cmdline cpus)"
st=$?
banner 4 $((2 << 30))
if ! con_has "$CON" "squeeze scenario cpus: exit 0" ||
   ! con_has "$CON" "cpus: done"; then
	fail "cpus4: the guest scenario did not finish: $(con_tail "$CON")"
	exit
fi
stopped_by "$st" power-off
if con_has "$CON" "cpus: nproc 4"; then
	pass "cpus4: nproc says 4"
else
	fail "cpus4: $(con_value "$CON" "cpus: nproc" | sed 's/^/nproc/')"
fi
for c in 0 1 2 3; do
	if con_has "$CON" "cpus: job $c finished on cpu $c"; then
		pass "cpus4: the job pinned to CPU $c finished there"
	else
		fail "cpus4: job $c: $(tr -d '\r' <"$CON" | grep -a "cpus: job $c " | tr '\n' '|')"
	fi
done
