#!/usr/bin/env bash
# virtio-net across a snapshot (issue 14): the tiny net guest exchanges
# numbered UDP datagrams with an echo on bridge br0 (10.99.0.1) inside a
# namespace this suite creates; it is snapshotted mid-run and restored in
# a second namespace, on a new tap on that namespace's br0 with its own
# echo. The exchange goes on from the next round there, from the clone's
# fresh MAC; nothing is left behind. Both namespaces are deleted at the end.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/snap_lib.sh"
t_begin snapshot-net

NSA=sqz-snapa-$$-$RANDOM
NSB=sqz-snapb-$$-$RANDOM
tmp=$(mktemp -d /tmp/suite-snapnet.XXXXXX)
ECHOS=()
cleanup() {
	kill -TERM "${ECHOS[@]}" 2>/dev/null
	snap_cleanup
	ip netns del "$NSA" 2>/dev/null
	ip netns del "$NSB" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
ROUNDS=40

if [ "$(id -u)" != 0 ] || [ ! -e /dev/kvm ] || [ ! -x "$SQUEEZE" ] ||
   [ ! -f "$GUESTS/net.elf" ] || ! command -v python3 >/dev/null; then
	skip "all: needs root, /dev/kvm, squeeze, build/guests/net.elf and python3"
	t_end; exit
fi

# A namespace with br0 = 10.99.0.1/24 and a UDP echo on port 7777 that
# logs each payload to $tmp/$1.log (bounded: 60 s, ROUNDS + 10 datagrams).
make_ns() {
	local ns=$1
	ip netns add "$ns" || return 1
	ip netns exec "$ns" sh -c 'echo 1 >/proc/sys/net/ipv6/conf/all/disable_ipv6;
		echo 1 >/proc/sys/net/ipv6/conf/default/disable_ipv6;
		ip link set lo up && ip link add br0 type bridge &&
		ip addr add 10.99.0.1/24 dev br0 && ip link set br0 up' || return 1
	ip netns exec "$ns" timeout 60 python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(60)
s.bind(("10.99.0.1", 7777))
log = open(sys.argv[1], "w", buffering=1)
open(sys.argv[1] + ".ready", "w").close()
for _ in range(int(sys.argv[2]) + 10):
    d, a = s.recvfrom(2048)
    log.write(d.decode(errors="replace") + "\n")
    s.sendto(d, a)' "$tmp/$ns.log" "$ROUNDS" >/dev/null 2>&1 &
	ECHOS+=($!)
	for _ in $(seq 1 50); do
		[ -f "$tmp/$ns.log.ready" ] && return 0
		sleep 0.1
	done
	return 1
}

guest_mac() {
	ip -n "$1" neigh show 10.99.0.2 | sed -n 's/.*lladdr \([0-9a-f:]*\).*/\1/p'
}

if ! make_ns "$NSA" || ! make_ns "$NSB"; then
	skip "all: cannot set up the network namespaces"
	t_end; exit
fi

d=$tmp
ip netns exec "$NSA" timeout -k 5 120 "$SQUEEZE" run --kernel "$GUESTS/net.elf" \
	--net bridge=br0 --cmdline "rounds=$ROUNDS" --control "$d/ctl" \
	--console file="$d/con" </dev/null 2>"$d/orig.err" &
VM=$!
VMS+=("$VM")
if ! wait_for "$d/con" '^net: round 5 mac' 300; then
	fail "the guest's exchange did not start: $(tail -n 3 "$d/con" "$d/orig.err" | tr '\n' ' ')"
	t_end; exit
fi
ctl "$d/ctl" snapshot "$d/snap" >"$d/snap.json" && ctl "$d/ctl" poweroff >/dev/null
reap "$VM"
k=$(grep -c '^net: round [0-9]* mac .* ok$' "$d/con")
mac_a=$(sed -n 's/^net: round [0-9]* mac \([0-9a-f:]*\) ok$/\1/p' "$d/con" | tail -n 1)

ip netns exec "$NSB" timeout -k 5 120 "$SQUEEZE" restore "$d/snap" --net bridge=br0 \
	--console file="$d/out" </dev/null 2>"$d/out.err" &
VM=$!
VMS+=("$VM")
# While it runs: the host's neighbour entry for the guest (its MAC).
wait_for "$d/out" "^net: round $((k + 3)) mac" 300
neigh=$(guest_mac "$NSB")
reap "$VM"
st=$?
first=$(grep -m 1 '^net: round' "$d/out" | sed -n 's/^net: round \([0-9]*\) .*/\1/p')
mac_b=$(sed -n 's/^net: round [0-9]* mac \([0-9a-f:]*\) ok$/\1/p' "$d/out" | tail -n 1)
if [ "$st" -ne 97 ] || ! grep -qx 'net: OK' "$d/out"; then
	fail "restored exchange: status $st: $(tail -n 3 "$d/out" "$d/out.err" | tr '\n' ' ')"
elif [ "$first" != $((k + 1)) ]; then
	fail "restored exchange: went on at round $first, the snapshot had $k rounds done"
else
	pass "the exchange went on at round $first of $ROUNDS after the restore in another namespace (status 97)"
fi

# What the second namespace's echo got: rounds k+1.. only, every one.
if python3 - "$tmp/$NSB.log" "$k" "$ROUNDS" <<'EOF'
import sys
got = [l.strip() for l in open(sys.argv[1]) if l.strip()]
k, n = int(sys.argv[2]), int(sys.argv[3])
nums = {int(l.rsplit(" ", 1)[1]) for l in got if l.startswith("squeeze-net-ping ")}
ok = got and all(l.startswith("squeeze-net-ping ") for l in got) and \
     min(nums) >= k + 1 and nums >= set(range(k + 1, n + 1))
sys.exit(0 if ok else 1)
EOF
then
	pass "the new tap carried rounds $((k + 1))..$ROUNDS, none from before the snapshot"
else
	fail "the second namespace's echo got: $(tr '\n' ' ' <"$tmp/$NSB.log" | cut -c 1-300)"
fi

if [ -z "$mac_b" ] || [ "$mac_b" = "$mac_a" ]; then
	fail "clone MAC: the guest used $mac_b, the original $mac_a (want a fresh one)"
elif [ "$neigh" != "$mac_b" ]; then
	fail "clone MAC: the guest says $mac_b, the host saw $neigh"
else
	pass "the clone's fresh MAC $mac_b (original $mac_a) reached the guest and the host saw it"
fi

if ip -n "$NSA" -o link show | grep -q sqz || ip -n "$NSB" -o link show | grep -q sqz; then
	fail "a tap was left behind: $(ip -n "$NSA" -o link show; ip -n "$NSB" -o link show | tr '\n' ' ')"
else
	pass "no tap left in either namespace"
fi
t_end
