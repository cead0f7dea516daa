#!/usr/bin/env bash
# snapshot: a Debian guest with a disk and a net is snapshotted while its
# init (guests/scenarios/snapshot.sh) waits for a line on the console; two
# clones are restored from it, each on its own qcow2 overlay of the disk,
# its own tap in its own network namespace (br0 = 10.99.0.1/24 in each)
# and its own MAC, and each reads a different command from its own stdin
# (a line longer than the serial FIFO, on a stdin kept open).
# Checked per clone: it took its fresh MAC, pinged the host over its tap,
# wrote its own overlay (not the base image, not the other's), ran its
# command, printed the command's status as its scenario's and powered off:
# squeeze exits 0, stopped by power-off. Both clones: their random
# numbers differ once each reseeded its CRNG with its own seed.
# timeout: 300
set -u
. "$(dirname "$0")/../lib.sh"
NS=sqz-lsnap-$$
SNAP=$OUT/snap
pids=()
cleanup() {
	local p i
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
	for i in 0 1 2; do ip netns del "$NS-$i" 2>/dev/null; done
}
trap cleanup EXIT

make_ns() {
	ip netns add "$1" && ip netns exec "$1" sh -c 'ip link set lo up &&
		ip link add br0 type bridge && ip addr add 10.99.0.1/24 dev br0 &&
		ip link set br0 up'
}

wait_line() {
	local i
	for i in $(seq 1 "${3:-1200}"); do
		[ -f "$1" ] && con_has "$1" "$2" && return 0
		sleep 0.1
	done
	return 1
}

for i in 0 1 2; do
	make_ns "$NS-$i" || { fail "network namespace $NS-$i"; exit; }
done
truncate -s 16M "$OUT/disk.raw"

# The original, until its init waits for the line.
CASE=original CON=$OUT/original.con
ip netns exec "$NS-0" timeout -k 5 150 "$SQUEEZE" run \
	--kernel "$DEB/vmlinuz" --initrd "$DEB/initramfs.cpio.gz" --memory 1G \
	--cmdline "$(cmdline snapshot)" --disk "$OUT/disk.raw" --net bridge=br0 \
	--control "$OUT/ctl" --console "file=$CON" </dev/null 2>"$OUT/original.err" &
pids+=($!)
if ! wait_line "$CON" "snapshot: ready"; then
	fail "original: the guest did not get ready: $(con_tail "$CON")"
	exit
fi
sleep 1	# into its read of the console
if "$SQUEEZE" ctl "$OUT/ctl" snapshot "$SNAP" >"$OUT/snap.json"; then
	pass "original: snapshot while init waits on the console: $(cat "$OUT/snap.json")"
else
	fail "original: snapshot: $(cat "$OUT/snap.json")"
	exit
fi
"$SQUEEZE" ctl "$OUT/ctl" poweroff >/dev/null
wait "${pids[0]}"
base_sum=$(sha256sum "$OUT/disk.raw" | cut -d' ' -f1)

# clone N CMD MAC: restore in namespace N with its overlay, feed its line.
clone() {
	local n=$1 cmd=$2 mac=$3 seed
	(cd "$OUT" && qemu-img create -q -f qcow2 -b disk.raw -F raw "o$n.qcow2")
	seed=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
	rm -f "$OUT/in$n" && mkfifo "$OUT/in$n"
	ip netns exec "$NS-$n" timeout -k 5 120 "$SQUEEZE" restore "$SNAP" \
		--disk "$OUT/o$n.qcow2,format=qcow2" --net "bridge=br0,mac=$mac" \
		--console stdio --verbose <"$OUT/in$n" >"$OUT/clone$n.con" \
		2>"$OUT/clone$n.err" &
	pids+=($!)
	eval "pid$n=$!"
	exec {fd}>"$OUT/in$n"
	printf '%s %s %s\n' "$seed" "$mac" "$cmd" >&"$fd"
	eval "fd$n=$fd"
}

clone 1 "echo clone one here; exit 3" 02:00:00:5a:00:01
clone 2 "uname -r; exit 5" 02:00:00:5a:00:02
# Both first: a running clone's lock on disk.raw keeps qemu-img out.
for n in 1 2; do
	eval "wait \$pid$n; st$n=\$?; exec {fd$n}>&-"
done
for n in 1 2; do
	CASE=clone$n CON=$OUT/clone$n.con ERR=$OUT/clone$n.err
	eval "st=\$st$n"
	want=$((n == 1 ? 3 : 5))
	mac=02:00:00:5a:00:0$n
	stopped_by "$st" power-off || continue
	if con_has "$CON" "snapshot: command exit $want" &&
	   con_has "$CON" "squeeze scenario snapshot: exit $want"; then
		pass "$CASE: the command's status ($want) came out as the scenario's, then it powered off"
	else
		fail "$CASE: want the command's status $want: $(con_tail "$CON")"
	fi
	con_has "$CON" "snapshot: eth0 mac $mac" && pass "$CASE: took its fresh MAC $mac" ||
		fail "$CASE: MAC: $(con_value "$CON" "snapshot: eth0 mac ")"
	con_has "$CON" "snapshot: ping ok" && pass "$CASE: pinged the host over its own tap" ||
		fail "$CASE: no ping: $(con_tail "$CON")"
	qemu-img convert -f qcow2 -O raw "$OUT/o$n.qcow2" "$OUT/o$n.raw"
	first=$(head -c 64 "$OUT/o$n.raw" | tr -d '\0' | head -n 1)
	if [[ $first == "clone $mac "* ]]; then
		pass "$CASE: wrote its own overlay: $first"
	else
		fail "$CASE: its overlay starts with '$first'"
	fi
done
con_has "$OUT/clone1.con" "clone one here" && con_has "$OUT/clone2.con" "$(cat "$DEB/version")" &&
	pass "each clone ran its own command" || fail "the commands' output is missing"
[ "$(sha256sum "$OUT/disk.raw" | cut -d' ' -f1)" = "$base_sum" ] &&
	pass "the snapshot's disk is untouched by the clones" ||
	fail "a clone wrote to the snapshot's disk"
# Before the reseed the clones read the snapshot's CRNG, unless it has
# reseeded on its own since (early in boot Linux does so every few
# seconds, each time with RDSEED/RDRAND): printed, not checked.
b1=$(con_value "$OUT/clone1.con" "snapshot: urandom before the reseed ")
b2=$(con_value "$OUT/clone2.con" "snapshot: urandom before the reseed ")
echo "linux: snapshot: urandom before the reseed: $b1 and $b2 ($([ "$b1" = "$b2" ] &&
	echo "the same: the snapshot's CRNG" ||
	echo "already different: the CRNG had reseeded on its own"))"
r1=$(con_value "$OUT/clone1.con" "snapshot: urandom after the reseed ")
r2=$(con_value "$OUT/clone2.con" "snapshot: urandom after the reseed ")
[ -n "$r1" ] && [ -n "$r2" ] && [ "$r1" != "$r2" ] &&
	pass "reseeded, the clones' random numbers differ ($r1, $r2)" ||
	fail "random numbers after the reseed: '$r1' and '$r2'"
