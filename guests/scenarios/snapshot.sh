#!/bin/sh
# Scenario "snapshot" (tests/linux/not-run/snapshot.sh): the guest says
# it is ready and waits for a line on the console; the host snapshots it
# there and restores two clones, each given its own line:
#
#   SEED MAC COMMAND...
#
# A clone then does what docs/snapshot.md says a clone must: mixes SEED
# (from the host) into /dev/urandom, and takes its fresh MAC by binding
# virtio_net again (the driver keeps the one it read at boot otherwise;
# MAC is what the host gave with --net mac=, to check). Then, each step
# printed: its own address 10.99.0.2/24 on eth0 and a ping to the host
# 10.99.0.1 (its own tap, bridge and namespace); a line naming it written
# to the start of vdb (its own qcow2 overlay) and synced; COMMAND run by
# sh; and the command's status handed to squeeze as the exit status
# through the debug-exit port (0xf4, /dev/port): squeeze exits
# (status << 1) | 1. A failure prints "snapshot: FAIL step".
fail() {
	echo "snapshot: FAIL $*"
	exit 1
}

echo "snapshot: urandom at boot $(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')"
echo "snapshot: ready"
read -r seed mac cmd || fail "no line on the console"
echo "snapshot: got a line"
echo "snapshot: urandom before the seed $(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')"
echo "$seed" >/dev/urandom
echo "snapshot: urandom after the seed $(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')"

dev=$(basename "$(readlink /sys/class/net/eth0/device)")
[ -n "$dev" ] || fail "no eth0"
echo "$dev" >/sys/bus/virtio/drivers/virtio_net/unbind || fail "unbind $dev"
echo "$dev" >/sys/bus/virtio/drivers/virtio_net/bind || fail "bind $dev"
i=0
while [ ! -e /sys/class/net/eth0 ] && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
got=$(cat /sys/class/net/eth0/address)
echo "snapshot: eth0 mac $got"
[ "$got" = "$mac" ] || fail "mac $got, the host gave $mac"

ip link set eth0 up || fail "link up"
ip addr add 10.99.0.2/24 dev eth0 || fail "address"
ping -c 3 -W 2 10.99.0.1 >/dev/null || fail "ping 10.99.0.1"
echo "snapshot: ping ok"

printf 'clone %s %s\n' "$mac" "$cmd" | dd of=/dev/vdb bs=512 conv=sync 2>/dev/null ||
	fail "write vdb"
sync
echo "snapshot: vdb written"

sh -c "$cmd"
st=$?
echo "snapshot: command exit $st"
sync
printf "\\$(printf %o "$st")" | dd of=/dev/port bs=1 seek=244 count=1 2>/dev/null
fail "still running after the debug-exit port"
