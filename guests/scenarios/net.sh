#!/bin/sh
# Scenario "net": eth0 as 10.99.0.2/24 on the host's bridge (10.99.0.1,
# set up by tests/integration/suite_net.sh inside its namespace). Pings
# the host, then moves 64 MiB each way with busybox nc, bounded by
# timeouts:
#   guest -> host: random data to 10.99.0.1:5001; prints
#                  "net: g2h sha256 HASH" for the host to compare;
#   host -> guest: reads 10.99.0.1:5002 to EOF; prints
#                  "net: h2g sha256 HASH".
# Exits non-zero (with "net: FAIL step") on the first failure.
fail() { echo "net: FAIL $1"; exit 1; }

ip link set eth0 up || fail "eth0 up"
ip addr add 10.99.0.2/24 dev eth0 || fail "address"
ping -c 3 -W 2 10.99.0.1 >/dev/null || fail "ping 10.99.0.1"
echo "net: ping ok"

dd if=/dev/urandom of=/tmp/g2h bs=1M count=64 2>/dev/null || fail "dd"
echo "net: g2h sha256 $(sha256sum /tmp/g2h | cut -d' ' -f1)"
timeout 60 nc 10.99.0.1 5001 </tmp/g2h || fail "send to 10.99.0.1:5001"
rm -f /tmp/g2h

sum=$(timeout 60 nc 10.99.0.1 5002 </dev/null | sha256sum | cut -d' ' -f1)
echo "net: h2g sha256 $sum"
exit 0
