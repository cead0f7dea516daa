#!/usr/bin/env bash
# net: guests/scenarios/net.sh (per NIC: ping, then 64 MiB each way) on one
# guest with two NICs, in a network namespace of its own:
#   eth0  on a Linux bridge, br0 with 10.99.0.1/24;
#   eth1  on an Open vSwitch bridge (kernel datapath), ovsbr0 with
#         10.99.1.1/24, if the openvswitch module is loaded or loads; else
#         one SKIPPED line saying so, and only eth0.
# tests/linux/nethost.py is the host's end on each bridge: it sends 64 MiB
# of random bytes, the guest sends them back, and the host hashes what it
# sent and what it got; both must equal the hashes the guest printed.
# After power-off the taps must be gone from both bridges.
# timeout: 420
set -u
. "$(dirname "$0")/../lib.sh"
GUEST_TIMEOUT=360
SIZE=$((64 << 20))
NS=sqz-lnet-$$
OVS_NS=$NS
OVS_DIR=$OUT/ovs
. "$ROOT/tests/integration/ovs.sh"
cleanup() {
	local p
	for p in "${NET_HOSTS[@]}"; do kill "$p" 2>/dev/null; done
	ovs_stop
	ip netns del "$NS" 2>/dev/null
}
trap cleanup EXIT

if ! net_ns; then
	fail "bridge: namespace setup"
	exit
fi
nics=(--net "bridge=br0,mac=02:00:00:99:00:02,tap=sqzl$$")
net_host "$OUT/bridge" 10.99.0.1 "$SIZE" || exit
ovs=""
if ! command -v ovs-vswitchd >/dev/null; then
	skip "ovs: openvswitch-switch is not installed"
elif [ ! -d /sys/module/openvswitch ] && ! modprobe openvswitch 2>/dev/null; then
	skip "ovs: the openvswitch kernel module does not load in this kernel ($(uname -r))"
elif ! ovs_start system ovsbr0 || ! ovsx ip addr add 10.99.1.1/24 dev ovsbr0; then
	fail "ovs: ovsdb-server/ovs-vswitchd with the kernel datapath: $(tail -q -n 2 "$OVS_DIR"/*.log 2>/dev/null | tr '\n' '|')"
else
	ovs=1
	nics+=(--net "bridge=ovsbr0,mac=02:00:00:99:01:02,tap=sqzo$$")
	net_host "$OUT/ovs" 10.99.1.1 "$SIZE" || exit
fi

GUEST_WRAP=(ip netns exec "$NS" env OVS_RUNDIR="$OVS_DIR")
guest net --cpus 2 --memory 512M --cmdline "$(cmdline net)" "${nics[@]}"
st=$?
GUEST_WRAP=()
net_hosts_end
stopped_by "$st" power-off
con_has "$CON" "squeeze scenario net: exit 0" ||
	fail "net: the guest scenario failed: $(con_tail "$CON")"
net_check bridge eth0 "$OUT/bridge" "$SIZE"
if [ -n "$(ip -n "$NS" -o link show master br0)" ]; then
	fail "bridge: a port is left on br0 after power-off"
else
	pass "bridge: the tap left br0 with the VM"
fi
if [ -n "$ovs" ]; then
	net_check ovs eth1 "$OUT/ovs" "$SIZE"
	if [ -n "$(ovs_ports ovsbr0)" ]; then
		fail "ovs: ports left on ovsbr0 after power-off: $(ovs_ports ovsbr0)"
	else
		pass "ovs: the tap left ovsbr0 with the VM"
	fi
fi
