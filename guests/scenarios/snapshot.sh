#!/bin/sh
# Scenario "snapshot" (tests/linux/scenarios/snapshot.sh): the guest says
# it is ready and waits for a line on the console; the host snapshots it
# there and restores two clones, each given its own line:
#
#   SEED MAC COMMAND...
#
# A clone then does what docs/snapshot.md says a clone must: reseeds the
# kernel's random-number generator with SEED (fresh from the host) by
# /bin/reseed (guests/tools/reseed.c: RNDADDENTROPY, then RNDRESEEDCRNG;
# a write to /dev/urandom alone leaves what the clones read unchanged
# until the CRNG's next scheduled reseed), printing 8 bytes of urandom
# before and after; and takes its fresh MAC by binding virtio_net again
# (the driver keeps the one it read at boot otherwise; MAC is what the
# host gave with --net mac=, to check). Then, each step printed: its own
# address 10.99.0.2/24 on eth0 and a ping to the host 10.99.0.1 (its own
# tap, bridge and namespace); a line naming it written to the start of
# vda (its own qcow2 overlay) and synced; COMMAND run by sh, and its
# status printed and made the scenario's, which /init prints ("squeeze
# scenario snapshot: exit STATUS") before it powers the VM off. (The
# debug-exit port is out of a shell's reach: the cloud kernel has no
# /dev/port.) A failure prints "snapshot: FAIL step".
fail() {
	echo "snapshot: FAIL $*"
	exit 1
}

urandom() {
	head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n'
}

echo "snapshot: ready"
read -r seed mac cmd || fail "no line on the console"
echo "snapshot: got a line"
echo "snapshot: urandom before the reseed $(urandom)"
echo "$seed" | reseed || fail "reseed"
echo "snapshot: urandom after the reseed $(urandom)"

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

[ -b /dev/vda ] || fail "no /dev/vda"
printf 'clone %s %s\n' "$mac" "$cmd" | dd of=/dev/vda bs=512 conv=sync 2>/dev/null ||
	fail "write vda"
sync
echo "snapshot: vda written"

sh -c "$cmd"
st=$?
echo "snapshot: command exit $st"
exit $st
