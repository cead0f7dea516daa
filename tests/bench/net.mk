# `make bench-net`: virtio-net through the in-process driver against the
# host's own limit (AF_PACKET over a veth pair between two namespaces), in
# namespaces made by tests/bench/bench_net.sh.

NET_BENCH := $(BUILD)/bench/net_bench

$(NET_BENCH): $(BUILD)/obj/tests/bench/net_bench.o $(DRV_LIB_A) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) -o $@ $^ $(LDLIBS)

bench-net: $(NET_BENCH)
	tests/bench/bench_net.sh

bench: bench-net

.PHONY: bench-net
