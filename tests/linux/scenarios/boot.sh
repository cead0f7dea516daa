#!/usr/bin/env bash
# boot: the Debian guest with 1 and with 2 vCPUs, 2 GiB each (at 1 GiB the
# kernel's own code, data and page structs are already 5% of RAM). The
# banner names the fetched kernel, the CPUs asked for and a MemTotal
# within 5% of --memory; guests/scenarios/info.sh lists the devices; then
# /init powers off: exit status 0, stopped by power-off. The FADT claims
# no PS/2 controller, so Linux must not have probed one (it used to spend
# 10,000 polls of port 0x64 on it).
# timeout: 150
set -u
. "$(dirname "$0")/../lib.sh"

for cpus in 1 2; do
	guest "cpus$cpus" --cpus "$cpus" --memory 2G --cmdline "$(cmdline info)"
	st=$?
	banner "$cpus" $((2 << 30))
	stopped_by "$st" power-off
	if con_has "$CON" "info: i8042 absent"; then
		pass "cpus$cpus: no i8042 probed"
	else
		fail "cpus$cpus: Linux probed an i8042: $(con_value "$CON" "info: i8042")"
	fi
done
