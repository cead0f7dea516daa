#!/bin/sh
# Scenario "net": on every NIC, ethN as 10.99.N.2/24 with the host at
# 10.99.N.1 (the host side, tests/linux/scenarios/net.sh, puts eth0 on a
# Linux bridge and eth1 on Open vSwitch). For each: ping the host, then
# move 64 MiB each way with busybox nc, every step bounded by a timeout:
#   host -> guest: read 10.99.N.1:5002 until the host closes (64 MiB of
#                  random bytes); "net: ethN h2g BYTES bytes sha256 HASH
#                  in S s";
#   guest -> host: send the same bytes back to 10.99.N.1:5001;
#                  "net: ethN g2h sha256 HASH" (of what it sends) and
#                  "net: ethN g2h sent in S s".
# busybox nc stops reading the network as soon as its stdin reaches EOF,
# so the receiving nc gets a stdin that stays open (a fifo this script
# holds) until it is done. Exits non-zero ("net: ethN FAIL step") on the
# first failure.
now() { cut -d' ' -f1 /proc/uptime; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# one IF N: the whole exchange on interface IF, subnet 10.99.N.0/24.
one() {
	local ifc=$1 host=10.99.$2.1 t st sum
	fail() { echo "net: $ifc FAIL $1"; exit 1; }
	ip link set "$ifc" up || fail "link up"
	ip addr add "10.99.$2.2/24" dev "$ifc" || fail "address"
	ping -c 3 -W 2 "$host" >/dev/null || fail "ping $host"
	echo "net: $ifc ping ok"

	rm -f /tmp/hold /tmp/data
	mkfifo /tmp/hold || fail "mkfifo"
	t=$(now)
	timeout 150 nc "$host" 5002 </tmp/hold >/tmp/data &
	nc=$!
	exec 3>/tmp/hold
	wait $nc
	st=$?
	exec 3>&-
	[ $st = 0 ] || fail "receive from $host:5002 (status $st)"
	took=$(since "$t")
	sum=$(sha256sum /tmp/data | cut -d' ' -f1)
	echo "net: $ifc h2g $(wc -c </tmp/data) bytes sha256 $sum in $took s"

	echo "net: $ifc g2h sha256 $sum"
	t=$(now)
	timeout 150 nc "$host" 5001 </tmp/data || fail "send to $host:5001"
	echo "net: $ifc g2h sent in $(since "$t") s"
	rm -f /tmp/data
}

n=0
while [ -e "/sys/class/net/eth$n" ]; do
	one "eth$n" "$n" || exit 1
	n=$((n + 1))
done
[ $n -gt 0 ] || { echo "net: FAIL no ethN"; exit 1; }
