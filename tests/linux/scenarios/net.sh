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
here=$(cd "$(dirname "$0")/.." && pwd)
GUEST_TIMEOUT=360
SIZE=$((64 << 20))
NS=sqz-lnet-$$
OVS_NS=$NS
OVS_DIR=$OUT/ovs
. "$ROOT/tests/integration/ovs.sh"
hosts=()
cleanup() {
	local p
	for p in "${hosts[@]}"; do kill "$p" 2>/dev/null; done
	ovs_stop
	ip netns del "$NS" 2>/dev/null
}
trap cleanup EXIT

# host_end DIR ADDR: nethost.py on ADDR in the namespace, DIR/ready waited.
host_end() {
	local i
	mkdir -p "$1"
	ip netns exec "$NS" python3 "$here/nethost.py" "$2" "$SIZE" "$1" \
		2>"$1/nethost.err" &
	hosts+=($!)
	for i in $(seq 1 600); do	# bounded: 60 s
		[ -e "$1/ready" ] && return 0
		sleep 0.1
	done
	fail "$(basename "$1"): the host end on $2 did not start: $(cat "$1/nethost.err")"
	return 1
}

# check NAME IF DIR: the guest's lines for IF against the host's files.
check() {
	local c=$1 ifc=$2 d=$3 want got
	if con_has "$CON" "net: $ifc ping ok"; then
		pass "$c: $ifc pings the host"
	else
		fail "$c: $ifc: $(tr -d '\r' <"$CON" | grep -a "net: $ifc" | tail -n 1)"
		return
	fi
	echo "linux: net/$ifc: 64 MiB host to guest in" \
		"$(con_value "$CON" "net: $ifc h2g " | sed 's/.* in //')," \
		"back in $(con_value "$CON" "net: $ifc g2h sent in ")"
	want=$(cat "$d/h2g" 2>/dev/null)
	got=$(con_value "$CON" "net: $ifc h2g " | sed 's/ bytes sha256//; s/ in .*//')
	if [ "$got" = "$want" ]; then
		pass "$c: host to guest: 64 MiB, sha256 equal on both sides"
	else
		fail "$c: host to guest: host sent '$want', guest got '$got'"
	fi
	want="$SIZE $(con_value "$CON" "net: $ifc g2h sha256 ")"
	got=$(cat "$d/g2h" 2>/dev/null)
	if [ "$got" = "$want" ]; then
		pass "$c: guest to host: 64 MiB, sha256 equal on both sides"
	else
		fail "$c: guest to host: guest sent '$want', host got '$got' $(cat "$d/nethost.err")"
	fi
}

if ! ip netns add "$NS" ||
   ! ip netns exec "$NS" sh -c 'ip link set lo up &&
	ip link add br0 type bridge &&
	ip addr add 10.99.0.1/24 dev br0 && ip link set br0 up'; then
	fail "bridge: namespace setup"
	exit
fi
nics=(--net "bridge=br0,mac=02:00:00:99:00:02,tap=sqzl$$")
host_end "$OUT/bridge" 10.99.0.1 || exit
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
	host_end "$OUT/ovs" 10.99.1.1 || exit
fi

GUEST_WRAP=(ip netns exec "$NS" env OVS_RUNDIR="$OVS_DIR")
guest net --cpus 2 --memory 512M --cmdline "$(cmdline net)" "${nics[@]}"
st=$?
GUEST_WRAP=()
for p in "${hosts[@]}"; do wait "$p"; done
hosts=()
stopped_by "$st" power-off
con_has "$CON" "squeeze scenario net: exit 0" ||
	fail "net: the guest scenario failed: $(con_tail "$CON")"
check bridge eth0 "$OUT/bridge"
if [ -n "$(ip -n "$NS" -o link show master br0)" ]; then
	fail "bridge: a port is left on br0 after power-off"
else
	pass "bridge: the tap left br0 with the VM"
fi
if [ -n "$ovs" ]; then
	check ovs eth1 "$OUT/ovs"
	if [ -n "$(ovs_ports ovsbr0)" ]; then
		fail "ovs: ports left on ovsbr0 after power-off: $(ovs_ports ovsbr0)"
	else
		pass "ovs: the tap left ovsbr0 with the VM"
	fi
fi
