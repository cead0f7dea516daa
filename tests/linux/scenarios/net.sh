#!/usr/bin/env bash
# net: guests/scenarios/net.sh (ping, then 64 MiB each way) with the guest
#   bridge  on a Linux bridge, br0 with 10.99.0.1/24, in a network
#           namespace of its own;
#   ovs     on an Open vSwitch bridge (kernel datapath) with 10.99.0.1/24,
#           in another namespace, if the openvswitch module is loaded or
#           loads; else one SKIPPED line saying so.
# tests/linux/nethost.py is the host's end: it sends 64 MiB of random
# bytes, the guest sends them back, and the host hashes what it sent and
# what it got; both must equal the hashes the guest printed. After
# power-off the tap must be gone from the bridge.
# timeout: 480
set -u
. "$(dirname "$0")/../lib.sh"
here=$(cd "$(dirname "$0")/.." && pwd)
GUEST_TIMEOUT=220
SIZE=$((64 << 20))
NS=sqz-lnet-$$
OVS_NS=$NS-ovs
OVS_DIR=$OUT/ovs
. "$ROOT/tests/integration/ovs.sh"
host_pid=""
cleanup() {
	[ -n "$host_pid" ] && kill "$host_pid" 2>/dev/null
	ovs_stop
	ip netns del "$NS" 2>/dev/null
}
trap cleanup EXIT

# wait_file FILE SECONDS
wait_file() {
	local i
	for i in $(seq 1 $(($2 * 10))); do
		[ -e "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# transfer CASE BRIDGE WRAP...: the guest on BRIDGE, squeeze and the host
# end run through WRAP (ip netns exec ...); then the checks.
transfer() {
	local c=$1 br=$2 d=$OUT/$1 st want got
	shift 2
	mkdir -p "$d"
	"$@" python3 "$here/nethost.py" 10.99.0.1 "$SIZE" "$d" \
		2>"$d/nethost.err" &
	host_pid=$!
	if ! wait_file "$d/ready" 60; then
		fail "$c: the host end did not start: $(cat "$d/nethost.err")"
		return
	fi
	GUEST_WRAP=("$@")
	guest "$c" --cpus 2 --memory 512M --cmdline "$(cmdline net)" \
		--net "bridge=$br,mac=02:00:00:99:00:02,tap=sqzl$$"
	st=$?
	GUEST_WRAP=()
	wait "$host_pid"
	host_pid=""
	if ! con_has "$CON" "squeeze scenario net: exit 0"; then
		fail "$c: guest scenario failed: $(con_tail "$CON") host: $(tr '\n' '|' <"$d/nethost.err")"
		return
	fi
	stopped_by "$st" power-off
	con_has "$CON" "net: ping ok" && pass "$c: guest pings 10.99.0.1"
	want="$SIZE $(con_value "$CON" "net: g2h sha256 ")"
	got=$(cat "$d/g2h" 2>/dev/null)
	if [ "$got" = "$want" ]; then
		pass "$c: guest to host: 64 MiB, sha256 equal on both sides"
	else
		fail "$c: guest to host: guest sent '$want', host got '$got'"
	fi
	want=$(cat "$d/h2g" 2>/dev/null)
	got=$(con_value "$CON" "net: h2g " | sed 's/ bytes sha256//; s/ in .*//')
	if [ "$got" = "$want" ]; then
		pass "$c: host to guest: 64 MiB, sha256 equal on both sides"
	else
		fail "$c: host to guest: host sent '$want', guest got '$got'"
	fi
}

bridge() {
	if ! ip netns add "$NS" ||
	   ! ip netns exec "$NS" sh -c 'ip link set lo up &&
		ip link add br0 type bridge &&
		ip addr add 10.99.0.1/24 dev br0 && ip link set br0 up'; then
		fail "bridge: namespace setup"
		return
	fi
	transfer bridge br0 ip netns exec "$NS"
	if [ -n "$(ip -n "$NS" -o link show master br0)" ]; then
		fail "bridge: a port is left on br0 after power-off"
	else
		pass "bridge: the tap left br0 with the VM"
	fi
}

ovs() {
	if ! command -v ovs-vswitchd >/dev/null; then
		skip "ovs: openvswitch-switch is not installed"
		return
	fi
	if [ ! -d /sys/module/openvswitch ] && ! modprobe openvswitch 2>/dev/null; then
		skip "ovs: the openvswitch kernel module does not load in this kernel ($(uname -r))"
		return
	fi
	if ! ovs_start system ovsbr0 ||
	   ! ovsx ip addr add 10.99.0.1/24 dev ovsbr0; then
		fail "ovs: ovsdb-server/ovs-vswitchd with the kernel datapath: $(tail -n 2 "$OVS_DIR"/*.log 2>/dev/null | tr '\n' '|')"
		return
	fi
	transfer ovs ovsbr0 ip netns exec "$OVS_NS" env OVS_RUNDIR="$OVS_DIR"
	if [ -n "$(ovs_ports ovsbr0)" ]; then
		fail "ovs: ports left on ovsbr0 after power-off: $(ovs_ports ovsbr0)"
	else
		pass "ovs: the tap left ovsbr0 with the VM"
	fi
}

bridge
ovs
