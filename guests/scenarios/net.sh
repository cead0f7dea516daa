#!/bin/sh
# Scenario "net": eth0 as 10.99.0.2/24 on the host's bridge (10.99.0.1,
# set up by the host side: tests/linux/scenarios/net.sh inside its own
# namespace). Pings the host, then moves 64 MiB each way with busybox nc,
# every step bounded by a timeout:
#   host -> guest: reads 10.99.0.1:5002 until the host closes (64 MiB of
#                  random bytes); prints
#                  "net: h2g BYTES bytes sha256 HASH in S s";
#   guest -> host: sends the same bytes back to 10.99.0.1:5001; prints
#                  "net: g2h sha256 HASH" (of what it sends) and
#                  "net: g2h sent in S s".
# busybox nc stops reading the network as soon as its stdin reaches EOF,
# so the receiving nc gets a stdin that stays open (a fifo this script
# holds) until it is done. Exits non-zero ("net: FAIL step") on the first
# failure.
fail() { echo "net: FAIL $1"; exit 1; }
now() { cut -d' ' -f1 /proc/uptime; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

ip link set eth0 up || fail "eth0 up"
ip addr add 10.99.0.2/24 dev eth0 || fail "address"
ping -c 3 -W 2 10.99.0.1 >/dev/null || fail "ping 10.99.0.1"
echo "net: ping ok"

mkfifo /tmp/hold || fail "mkfifo"
t=$(now)
timeout 150 nc 10.99.0.1 5002 </tmp/hold >/tmp/data &
nc=$!
exec 3>/tmp/hold
wait $nc
st=$?
exec 3>&-
[ $st = 0 ] || fail "receive from 10.99.0.1:5002 (status $st)"
took=$(since "$t")
sum=$(sha256sum /tmp/data | cut -d' ' -f1)
echo "net: h2g $(wc -c </tmp/data) bytes sha256 $sum in $took s"

echo "net: g2h sha256 $sum"
t=$(now)
timeout 150 nc 10.99.0.1 5001 </tmp/data || fail "send to 10.99.0.1:5001"
echo "net: g2h sent in $(since "$t") s"
exit 0
