#!/usr/bin/env bash
# virtio-net throughput: build/bench/net_bench in three network namespaces
# this script makes and deletes (sqz-bench-*): A and B joined by a veth
# pair (the host's own limit), DEV holding bridge br0 for squeeze's tap.
# Each of the 24 runs (8 cells, best of 3) lasts ${NET_BENCH_SECS:-1} s.
set -eu
cd "$(dirname "$0")/../.."
BIN=build/bench/net_bench
[ -x "$BIN" ] || { echo "bench-net: build $BIN first (make bench-net)"; exit 1; }
if [ "$(id -u)" != 0 ]; then
	echo "bench-net: skipped: needs root for network namespaces"
	exit 0
fi
P=sqz-bench-$$
trap 'for n in a b dev; do ip netns del $P-$n 2>/dev/null || true; done' EXIT
for n in a b dev; do
	ip netns add $P-$n
	ip netns exec $P-$n sh -c 'echo 1 >/proc/sys/net/ipv6/conf/all/disable_ipv6
		echo 1 >/proc/sys/net/ipv6/conf/default/disable_ipv6'
done
ip -n $P-a link add va type veth peer name vb netns $P-b
ip -n $P-a link set va up
ip -n $P-b link set vb up
ip -n $P-dev link add br0 type bridge
ip -n $P-dev link set br0 up
echo "bench-net: $(nproc) CPUs, ${NET_BENCH_SECS:-1} s per run"
timeout 120 "$BIN" $P-a $P-b $P-dev "${NET_BENCH_SECS:-1}"
