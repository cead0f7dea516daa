#!/usr/bin/env bash
# virtio-net as a user runs it: squeeze with --net inside a network
# namespace this suite creates (bridge br0 with 10.99.0.1/24, a UDP echo
# on it, the VMM), the tiny guest guests/tiny/g_net.c talking to the host,
# every tap gone after every kind of exit, and the startup errors. The
# Debian guest on a bridge (ping, 64 MiB each way): tests/linux/scenarios/net.sh.
set -u
. "$(dirname "$0")/lib.sh"
t_begin net

NS=sqz-net-$$-$RANDOM
tmp=$(mktemp -d /tmp/suite-net.XXXXXX)
cleanup() {
	[ -n "${vm_pid:-}" ] && kill -9 "$vm_pid" 2>/dev/null
	ovs_stop
	ip netns del "$NS" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
GUEST_MAC=02:00:00:99:00:02

nsx() { ip netns exec "$NS" "$@"; }
# Interfaces in the namespace whose name starts with $1.
links() { ip -n "$NS" -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | grep "^$1" ; }

# Wait (bounded, 0.1 s steps) until file $1 has a line matching $2.
wait_line() {
	local i
	for i in $(seq 1 "${3:-100}"); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

if [ "$(id -u)" != 0 ]; then
	skip "all: needs root for network namespaces"
	t_end; exit
fi
if [ ! -x "$SQUEEZE" ] || [ ! -f "$GUESTS/net.elf" ]; then
	skip "all: build squeeze and build/guests/net.elf first"
	t_end; exit
fi
if ! ip netns add "$NS" 2>/dev/null; then
	skip "all: cannot create a network namespace"
	t_end; exit
fi
nsx sh -c 'echo 1 >/proc/sys/net/ipv6/conf/all/disable_ipv6;
	   echo 1 >/proc/sys/net/ipv6/conf/default/disable_ipv6;
	   ip link set lo up &&
	   ip link add br0 type bridge && ip addr add 10.99.0.1/24 dev br0 &&
	   ip link set br0 up &&
	   ip link add br1 type bridge && ip link set br1 up &&
	   ip link add vethx0 type veth peer name vethx1' ||
	{ fail "namespace setup"; t_end; exit; }

# One datagram echoed back; what arrived is written to $1. Bounded: 30 s.
# Runs in the background; $echo_pid is set (no subshell: $! is python).
udp_echo() {
	ip netns exec "$NS" timeout 30 python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.99.0.1", 7777))
open(sys.argv[1] + ".ready", "w").close()
d, a = s.recvfrom(2048)
open(sys.argv[1], "wb").write(d)
s.sendto(d, a)' "$1" &
	echo_pid=$!
}

# With "--domain", the guest, its interface and its console file come
# from domain XML (tests/integration/domxml/net.xml): same checks, and the
# tap is named after the domain, dxnet-0. With "--trace", the same run
# traced and counted (trace_checks).
guest_udp_echo() {
	local con=$tmp/udp.con st how=${1:-} label=""
	local args=(--kernel "$GUESTS/net.elf" --net bridge=br0,mac=$GUEST_MAC
		    --console file="$con")
	if ! command -v python3 >/dev/null; then
		skip "guest UDP echo: no python3 for the host-side echo"
		return
	fi
	rm -f "$tmp/udp.got" "$tmp/udp.got.ready"
	udp_echo "$tmp/udp.got"
	for _ in $(seq 1 50); do
		[ -f "$tmp/udp.got.ready" ] && break
		sleep 0.1
	done
	[ -f "$tmp/udp.got.ready" ] || { fail "udp echo did not start"; return; }
	if [ "$how" = --domain ]; then
		con=$tmp/net.con
		sed -e "s|/SQUEEZE_GUESTS|$GUESTS|g" -e "s|/SQUEEZE_TMP|$tmp|g" \
			"$ROOT/tests/integration/domxml/net.xml" >"$tmp/net.xml"
		args=(--domain "$tmp/net.xml")
		label=" (domain XML)"
	elif [ "$how" = --trace ]; then
		args+=(--trace=io,virtio,irq --stats)
		label=" (traced)"
	fi
	nsx timeout 60 "$SQUEEZE" run "${args[@]}" </dev/null 2>"$tmp/udp.err"
	st=$?
	wait "$echo_pid" 2>/dev/null
	if [ "$st" -ne 97 ]; then
		fail "guest UDP echo$label: status $st, expected 97: $(tail -n 2 "$con" "$tmp/udp.err" | tr '\n' ' ')"
	elif ! grep -qx "net: reply: squeeze-net-ping" <(tr -d '\r' <"$con") ||
	     ! grep -qx "net: OK" <(tr -d '\r' <"$con"); then
		fail "guest UDP echo$label: console: $(tr '\n' ' ' <"$con")"
	elif [ "$(cat "$tmp/udp.got" 2>/dev/null)" != "squeeze-net-ping" ]; then
		fail "guest UDP echo$label: the host did not receive the datagram"
	elif ! grep -q "mac $GUEST_MAC" "$con"; then
		fail "guest UDP echo$label: mac= not seen by the guest"
	else
		pass "guest sends UDP to the host and gets the reply (status 97)$label"
	fi
	[ "$how" = --trace ] && trace_checks "$tmp/udp.err"
	if [ -n "$(links sqz)$(links dxnet)" ]; then
		fail "tap left after guest exit: $({ links sqz; links dxnet; } | tr '\n' ' ')"
	else
		pass "tap gone after the guest exited$label"
	fi
}

# --trace and --stats on the UDP echo: every frame sent and received is a
# trace line, as many as --stats counts, with their bytes and latency.
trace_checks() {
	local err=$1 tx rx stx srx
	tx=$(grep -cE '^\[[^]]*\] net0 +tx +virtio-net0 queue 1: head [0-9]+, a [0-9]+-byte frame written to tap ' "$err")
	rx=$(grep -cE '^\[[^]]*\] net0 +rx +virtio-net0 queue 0: a [0-9]+-byte frame from tap .* into [0-9]+ receive buffers?, pushed' "$err")
	stx=$(sed -n 's/^  virtio-net0 tx  *\([0-9]*\) .*/\1/p' "$err")
	srx=$(sed -n 's/^  virtio-net0 rx  *\([0-9]*\) .*/\1/p' "$err")
	if [ "$tx" -lt 2 ] || [ "$rx" -lt 1 ] || [ "$tx" != "$stx" ] || [ "$rx" != "$srx" ]; then
		fail "traced UDP echo: $tx tx and $rx rx lines, --stats: '$stx' and '$srx' frames"
	elif ! grep -qE '^  virtio-net0 tx +[0-9]+ +0\.0 +[0-9]+\.[0-9] +0 +[0-9]+\.[0-9] +[0-9]+\.[0-9]$' "$err"; then
		fail "traced UDP echo: --stats rows: $(grep -E '^  virtio-net0' "$err" | tr -s ' ' | tr '\n' '|')"
	else
		pass "traced UDP echo: $tx frames sent and $rx received, each a trace line, as --stats counts them"
	fi
}

# Start a guest on br1 (nobody answers its ARP: it lives ~4 s), check the
# tap exists and is a port of br1, then kill it with signal $1.
signal_exit() {
	local sig=$1 want=$2 con=$tmp/sig$1.con st
	# ip netns exec execs squeeze: $! is the VMM itself.
	ip netns exec "$NS" "$SQUEEZE" run --kernel "$GUESTS/net.elf" \
		--net bridge=br1,tap=sqzg0 --console file="$con" \
		</dev/null 2>"$tmp/sig.err" &
	vm_pid=$!
	if ! wait_line "$con" "net: virtio-net at" 100; then
		fail "SIG$sig: guest did not start: $(cat "$tmp/sig.err")"
		return
	fi
	if ! ip -n "$NS" -o link show sqzg0 | grep -q "master br1"; then
		fail "SIG$sig: tap sqzg0 is not a port of br1 while running"
	fi
	if [ "$sig" = TERM ]; then
		# While it runs, a second VM on the same tap must be refused.
		nsx "$SQUEEZE" run --kernel "$GUESTS/net.elf" \
			--net tap=sqzg0 --console none </dev/null \
			>/dev/null 2>"$tmp/busy.err"
		st=$?
		if [ "$st" -eq 2 ] && grep -q "tap sqzg0 is busy" "$tmp/busy.err"; then
			pass "busy tap refused: $(head -n 1 "$tmp/busy.err")"
		else
			fail "busy tap: status $st: $(cat "$tmp/busy.err")"
		fi
	fi
	kill -"$sig" "$vm_pid"
	wait "$vm_pid"
	st=$?
	vm_pid=
	if [ "$st" -ne "$want" ]; then
		fail "SIG$sig: status $st, expected $want"
	elif [ -n "$(links sqz)" ]; then
		fail "SIG$sig: tap left behind: $(links sqz | tr '\n' ' ')"
	else
		pass "SIG$sig: status $want, tap and bridge port gone"
	fi
}

# Every thread has a name top -H shows: a VM with two vCPUs, one disk and
# one net (on br1: the guest lives ~4 s) runs vcpu0, vcpu1, blk0 and net0
# beside the main thread, and no thread of ours is left unnamed.
thread_names() {
	local con=$tmp/names.con all names want
	truncate -s 1M "$tmp/names.raw"
	ip netns exec "$NS" "$SQUEEZE" run --kernel "$GUESTS/net.elf" --cpus 2 \
		--disk "$tmp/names.raw" --net bridge=br1,tap=sqzn0 \
		--console file="$con" </dev/null 2>"$tmp/names.err" &
	vm_pid=$!
	if ! wait_line "$con" "net: virtio-net at" 100; then
		fail "thread names: guest did not start: $(cat "$tmp/names.err")"
	else
		all=$(sort /proc/"$vm_pid"/task/*/comm | tr '\n' ' ')
		# The kernel adds its own: KVM's kvm-nx-lpage-recovery, and
		# io_uring's iou-wrk-* workers.
		names=$(sort /proc/"$vm_pid"/task/*/comm |
			grep -Ev '^(kvm|iou)-' | tr '\n' ' ')
		want="blk0 net0 squeeze vcpu0 vcpu1 "
		if [ "$names" = "$want" ]; then
			pass "thread names in /proc/PID/task/*/comm: $all"
		else
			fail "thread names: got '$all', want '$want'"
		fi
	fi
	kill -TERM "$vm_pid"
	wait "$vm_pid"
	vm_pid=
}

# Teardown on the other exit paths: ACPI power-off (status 0) and a VM
# failure (triple fault, status 1) must remove the tap too.
other_exits() {
	local g st
	for g in poweroff:0 triple:1; do
		[ -f "$GUESTS/${g%:*}.elf" ] || { skip "${g%:*} exit: no guest"; continue; }
		nsx timeout 60 "$SQUEEZE" run --kernel "$GUESTS/${g%:*}.elf" \
			--net bridge=br0,tap=sqzx0 --console none </dev/null \
			>/dev/null 2>"$tmp/x.err"
		st=$?
		if [ "$st" -ne "${g#*:}" ]; then
			fail "${g%:*} exit: status $st, expected ${g#*:}: $(head -n 1 "$tmp/x.err")"
		elif [ -n "$(links sqz)" ]; then
			fail "${g%:*} exit: tap left behind: $(links sqz | tr '\n' ' ')"
		else
			pass "${g%:*} exit (status $st): tap gone"
		fi
	done
}

# squeeze run ... must exit 2 with a line containing $2, creating nothing.
startup_error() {
	local what=$1 msg=$2 st
	shift 2
	nsx "$@" "$SQUEEZE" run --kernel "$GUESTS/net.elf" --console none \
		"${NETARGS[@]}" </dev/null >/dev/null 2>"$tmp/err"
	st=$?
	if [ "$st" -ne 2 ]; then
		fail "$what: status $st, expected 2: $(cat "$tmp/err")"
	elif ! grep -q "$msg" "$tmp/err"; then
		fail "$what: message: $(cat "$tmp/err")"
	elif [ "$(wc -l <"$tmp/err")" -ne 1 ]; then
		fail "$what: more than one line: $(cat "$tmp/err")"
	elif [ -n "$(links sqz)" ]; then
		fail "$what: left $(links sqz | tr '\n' ' ')"
	else
		pass "$what: $(cat "$tmp/err")"
	fi
}

errors() {
	NETARGS=(--net bridge=nosuchbr)
	startup_error "no such bridge" "no such bridge: nosuchbr"
	NETARGS=(--net bridge=vethx0)
	startup_error "not a bridge" "vethx0 is not a bridge"
	NETARGS=(--net bridge=br0,tap=vethx1)
	startup_error "tap name taken by a veth" "vethx1 exists and is not a usable tap"
	NETARGS=(--net bridge=br0)
	startup_error "without CAP_NET_ADMIN" "CAP_NET_ADMIN is needed" \
		setpriv --inh-caps=-net_admin --bounding-set=-net_admin
}

# Open vSwitch: a private ovsdb-server + ovs-vswitchd (userspace datapath:
# this kernel has no openvswitch module) in a second namespace, their
# sockets and database in $tmp/ovs (OVS_RUNDIR), stopped at the end.
OVS_NS=$NS-ovs
OVS_DIR=$tmp/ovs
. "$(dirname "$0")/ovs.sh"
ovs_setup() {
	ovs_start netdev ovsbr0 ovsbr1 &&
	ovsx ip addr add 10.99.0.1/24 dev ovsbr0
}

ovs() {
	local con=$tmp/ovs.con st
	if ! command -v ovs-vsctl >/dev/null || ! command -v ovs-vswitchd >/dev/null; then
		skip "Open vSwitch bridge: openvswitch-switch not installed"
		return
	fi
	if ! command -v python3 >/dev/null; then
		skip "Open vSwitch bridge: no python3 for the host-side echo"
		return
	fi
	if ! ovs_setup; then
		skip "Open vSwitch bridge: ovsdb-server/ovs-vswitchd would not start here"
		ovs_stop
		return
	fi
	# Guest <-> host over an OVS bridge; the port goes with the VM.
	ovsx timeout 30 python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.99.0.1", 7777))
open(sys.argv[1], "w").close()
d, a = s.recvfrom(2048)
s.sendto(d, a)' "$tmp/ovs.ready" &
	local echo=$!
	for _ in $(seq 1 50); do
		[ -f "$tmp/ovs.ready" ] && break
		sleep 0.1
	done
	ovsx timeout 60 "$SQUEEZE" run --kernel "$GUESTS/net.elf" \
		--net bridge=ovsbr0,tap=sqzo0 --console file="$con" </dev/null \
		2>"$tmp/ovs.err"
	st=$?
	wait "$echo" 2>/dev/null
	if [ "$st" -eq 97 ] && grep -q "net: OK" "$con" &&
	   [ -z "$(ovs_ports ovsbr0)" ] &&
	   ! ip -n "$OVS_NS" link show sqzo0 >/dev/null 2>&1; then
		pass "OVS bridge: guest UDP echo (status 97), port removed from OVS"
	else
		fail "OVS bridge: status $st, ports '$(ovs_ports ovsbr0)': $(tail -n 2 "$con" "$tmp/ovs.err" | tr '\n' ' ')"
	fi
	# The port exists while the VM runs, and SIGTERM removes it.
	# Not ovsx (a function: $! would be a subshell, not the VMM).
	ip netns exec "$OVS_NS" env OVS_RUNDIR="$OVS_DIR" "$SQUEEZE" run \
		--kernel "$GUESTS/net.elf" --net bridge=ovsbr1,tap=sqzo1 \
		--console file="$tmp/ovs1.con" </dev/null 2>"$tmp/ovs1.err" &
	vm_pid=$!
	if wait_line "$tmp/ovs1.con" "net: virtio-net at" 100 &&
	   [ "$(ovs_ports ovsbr1)" = "sqzo1 " ]; then
		kill -TERM "$vm_pid"
		wait "$vm_pid"
		st=$?
		vm_pid=
		if [ "$st" -eq 143 ] && [ -z "$(ovs_ports ovsbr1)" ]; then
			pass "OVS bridge: port present while running, gone after SIGTERM"
		else
			fail "OVS bridge SIGTERM: status $st, ports '$(ovs_ports ovsbr1)'"
		fi
	else
		fail "OVS bridge: port not added while running: '$(ovs_ports ovsbr1)' $(cat "$tmp/ovs1.err")"
	fi
	ovs_stop
}

guest_udp_echo
guest_udp_echo --domain
guest_udp_echo --trace
signal_exit TERM 143
signal_exit INT 130
thread_names
other_exits
errors
ovs
t_end
