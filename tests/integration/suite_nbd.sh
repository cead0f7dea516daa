#!/usr/bin/env bash
# squeeze img serve against real NBD clients (libnbd's nbdinfo, nbdcopy,
# nbdfuse; qemu-img) and a raw protocol client for what they never send:
# data identical, holes where the qcow2 allocates nothing, a file system
# built and checked through FUSE, a client killed mid-write, garbage,
# lies, a read-only export, several clients, SIGTERM under load, TCP in a
# private network namespace, and the server's confinement.
set -u
. "$(dirname "$0")/lib.sh"
t_begin nbd

tmp=$(mktemp -d /var/tmp/suite-nbd.XXXXXX)
sock=$tmp/nbd.sock
uri="nbd+unix:///?socket=$sock"
srv="" holder="" fuse="" ns=""
cleanup() {
	[ -n "$fuse" ] && fusermount3 -u "$tmp/mnt" 2>/dev/null
	for p in $holder $srv; do kill -9 "$p" 2>/dev/null; done
	[ -n "$ns" ] && ip netns del "$ns" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
CLIENT="python3 $ROOT/tests/integration/nbd_client.py"

for t in qemu-img qemu-io nbdinfo nbdcopy; do
	if ! command -v $t >/dev/null; then
		skip "$t not installed (qemu-utils, libnbd-bin): an oracle is missing"
		t_end
		exit
	fi
done
qio() { qemu-io "$@" >/dev/null 2>&1; }

# serve ARGS...: start the server on $sock, wait until it listens.
serve() {
	local i
	rm -f "$sock"
	"$SQUEEZE" img serve --socket "$sock" "$@" >"$tmp/srv.out" 2>"$tmp/srv.err" &
	srv=$!
	for i in $(seq 100); do
		[ -S "$sock" ] && grep -q serving "$tmp/srv.out" && return 0
		kill -0 $srv 2>/dev/null || break
		sleep 0.05
	done
	echo "server did not start: $(cat "$tmp/srv.err")"
	return 1
}

# stop: SIGTERM, the server's exit status.
stop() {
	local rc
	kill -TERM "$srv"
	wait "$srv"
	rc=$?
	srv=""
	return $rc
}

setup() {
	qemu-img create -q -f raw "$tmp/src.raw" 64M
	qio -f raw -c 'write -P 0x41 0 4M' -c 'write -P 0x42 20M 1M' \
		-c 'write -P 0x43 63M 1M' "$tmp/src.raw"
	qemu-img convert -f raw -O qcow2 "$tmp/src.raw" "$tmp/img.qcow2"
	cp "$tmp/img.qcow2" "$tmp/proto.qcow2"	# the one the writers change
	qemu-img map --output=json -f qcow2 "$tmp/img.qcow2" >"$tmp/q.map"
}

# nbdinfo --map's data ranges equal qemu-img map's allocated ones.
same_map() {
	python3 - "$tmp/nbd.map" "$tmp/q.map" <<-'EOF'
	import json, sys
	n = json.load(open(sys.argv[1]))
	q = json.load(open(sys.argv[2]))
	def runs(items, data):
	    out = []
	    for s, l, d in items:
	        if d == data and out and out[-1][1] == s:
	            out[-1][1] = s + l
	        elif d == data:
	            out.append([s, s + l])
	    return out
	a = runs([(e["offset"], e["length"], e["type"] & 1 == 0) for e in n], True)
	b = runs([(e["start"], e["length"], e["data"]) for e in q], True)
	sys.exit(0 if a == b and a else 1)
	EOF
}

basics() {
	serve -f qcow2 "$tmp/img.qcow2" || { fail "basics: $(cat "$tmp/srv.err")"; return; }
	if qemu-img compare -q -f raw -F raw "$uri" "$tmp/src.raw"; then
		pass "qemu-img compare $uri src.raw: identical"
	else
		fail "qemu-img compare finds a difference"
	fi
	if nbdcopy "$uri" "$tmp/out.raw" && cmp -s "$tmp/out.raw" "$tmp/src.raw"; then
		pass "nbdcopy copies the export out identically"
	else
		fail "nbdcopy: the copy differs"
	fi
	nbdinfo --map --json "$uri" >"$tmp/nbd.map" 2>/dev/null
	if same_map && grep -q '"type": 3' "$tmp/nbd.map"; then
		pass "nbdinfo --map: data exactly where the qcow2 allocates, holes elsewhere"
	else
		fail "nbdinfo --map differs from qemu-img map: $(head -c 300 "$tmp/nbd.map")"
	fi
	stop && pass "SIGTERM: exit 0" || fail "SIGTERM: exit $?"
}

chain_and_vmdk() {
	local rc
	qemu-img create -q -f qcow2 -b src.raw -F raw "$tmp/mid.qcow2"
	qio -c 'write -P 0x33 1M 3M' "$tmp/mid.qcow2"
	qemu-img create -q -f qcow2 -b mid.qcow2 -F qcow2 "$tmp/top.qcow2"
	qio -c 'write -P 0x77 2M 100k' "$tmp/top.qcow2"
	qemu-img convert -O raw "$tmp/top.qcow2" "$tmp/top.raw"
	serve -f qcow2 --readonly "$tmp/top.qcow2" &&
	qemu-img compare -q -f raw -F raw "$uri" "$tmp/top.raw"
	rc=$?
	stop
	qemu-img convert -f raw -O vmdk -o subformat=streamOptimized "$tmp/src.raw" "$tmp/s.vmdk"
	if [ $rc -eq 0 ] && serve -f vmdk --readonly "$tmp/s.vmdk" &&
	   qemu-img compare -q -f raw -F raw "$uri" "$tmp/src.raw" && stop &&
	   ! "$SQUEEZE" img serve -f vmdk --socket "$sock" "$tmp/s.vmdk" 2>/dev/null; then
		pass "a qcow2 chain of three and a vmdk (read-only) served identically; a writable vmdk refused"
	else
		fail "chain or vmdk: $(cat "$tmp/srv.err" | head -c 200)"
	fi
}

fuse() {
	local i
	if ! command -v nbdfuse >/dev/null || ! command -v fusermount3 >/dev/null ||
	   [ ! -e /dev/fuse ]; then
		skip "fuse: needs nbdfuse, fusermount3 and /dev/fuse"
		return
	fi
	qemu-img create -q -f qcow2 "$tmp/fs.qcow2" 256M
	mkdir -p "$tmp/mnt" "$tmp/files"
	for i in $(seq 1000); do echo "file $i of 1000" >"$tmp/files/f$i"; done
	serve -f qcow2 "$tmp/fs.qcow2" || { fail "fuse: server"; return; }
	nbdfuse "$tmp/mnt/disk" "$uri" &
	fuse=$!
	for i in $(seq 100); do [ -e "$tmp/mnt/disk" ] && break; sleep 0.05; done
	mkfs.ext4 -q -F -d "$tmp/files" "$tmp/mnt/disk" >"$tmp/mkfs" 2>&1 &&
	fsck.ext4 -fn "$tmp/mnt/disk" >"$tmp/fsck" 2>&1 &&
	[ "$(debugfs -R 'cat /f777' "$tmp/mnt/disk" 2>/dev/null)" = "file 777 of 1000" ] &&
	[ "$(debugfs -R 'ls -l /' "$tmp/mnt/disk" 2>/dev/null | grep -c ' f[0-9]')" = 1000 ]
	i=$?
	fusermount3 -u "$tmp/mnt"
	wait $fuse
	fuse=""
	if [ $i -eq 0 ] && stop && qemu-img check -q "$tmp/fs.qcow2"; then
		pass "fuse: mkfs.ext4 with 1,000 files through nbdfuse, fsck.ext4 -fn clean, then qemu-img check clean"
	else
		fail "fuse: $(tail -n 3 "$tmp/mkfs" "$tmp/fsck" | tr '\n' ' ' | head -c 300)"
	fi
}

protocol() {
	local rc
	serve -f qcow2 "$tmp/proto.qcow2" || { fail "protocol: server"; return; }
	$CLIENT "$sock" write 0 1048576 0x61 &&
	$CLIENT "$sock" partial $((8 << 20)) $((4 << 20)) 0x62 &
	holder=$!
	sleep 0.5
	kill -9 $holder 2>/dev/null
	wait $holder 2>/dev/null
	holder=""
	if $CLIENT "$sock" expect 0 1048576 0x61 &&
	   $CLIENT "$sock" expect $((8 << 20)) $((4 << 20)) 0; then
		pass "a client killed mid-write: the flushed data intact, nothing of the half-sent write"
	else
		fail "killed mid-write: data wrong"
	fi
	$CLIENT "$sock" garbage && nbdinfo --size "$uri" >/dev/null &&
		pass "garbage after the handshake drops that client; the next one is served" ||
		fail "garbage: the server did not drop it, or stopped serving"
	$CLIENT "$sock" lies && pass "lies: oversized and out-of-range requests get errors; a 1 GiB write drops the client" ||
		fail "lies"
	$CLIENT "$sock" name other | grep -q 'named ""' &&
		pass "an unknown export name is refused (NBD_REP_ERR_UNKNOWN)" || fail "export name"
	stop
	rc=$?
	if [ $rc -eq 0 ] && qemu-img check -q "$tmp/proto.qcow2"; then
		pass "after all that: SIGTERM exit 0, qemu-img check clean"
	else
		fail "after the protocol cases: exit $rc or check fails"
	fi
}

readonly_export() {
	serve -f qcow2 --readonly "$tmp/img.qcow2" || { fail "readonly: server"; return; }
	if $CLIENT "$sock" readonly && nbdinfo "$uri" | grep -q "is_read_only: true"; then
		pass "--readonly: writes, trims and zeroes get EPERM; reads work"
	else
		fail "--readonly"
	fi
	stop
}

clients() {
	local pids="" p bad=0 i
	serve -f qcow2 "$tmp/img.qcow2" || { fail "clients: server"; return; }
	for i in 1 2 3 4; do
		nbdcopy "$uri" "$tmp/c$i.raw" & pids="$pids $!"
	done
	for p in $pids; do wait $p || bad=1; done
	for i in 1 2 3 4; do cmp -s "$tmp/c$i.raw" "$tmp/src.raw" || bad=1; done
	[ $bad -eq 0 ] && pass "4 nbdcopy clients at once (each multi-connection): all identical" ||
		fail "several clients: a copy differs"
	stop
	serve -f qcow2 --max-clients 1 "$tmp/img.qcow2" || { fail "clients: server"; return; }
	$CLIENT "$sock" partial 0 8192 1 &
	holder=$!
	sleep 0.3
	if $CLIENT "$sock" busy | grep -q "too many clients"; then
		pass "--max-clients 1: a second client is told 'too many clients connected'"
	else
		fail "client limit"
	fi
	kill -9 $holder; wait $holder 2>/dev/null; holder=""
	stop
}

sigterm_under_load() {
	local rc
	qemu-img create -q -f qcow2 "$tmp/load.qcow2" 1G
	qemu-img create -q -f raw "$tmp/load.raw" 1G
	qio -f raw -c 'write -P 0x5c 0 1G' "$tmp/load.raw"
	serve -f qcow2 "$tmp/load.qcow2" || { fail "load: server"; return; }
	nbdcopy "$tmp/load.raw" "$uri" 2>/dev/null &
	p=$!
	sleep 0.5
	stop
	rc=$?
	wait $p 2>/dev/null
	if [ $rc -eq 0 ] && qemu-img check -q "$tmp/load.qcow2"; then
		pass "SIGTERM during a 1 GiB write stream: exit 0, qemu-img check clean"
	else
		fail "SIGTERM under load: exit $rc or check fails"
	fi
	rm -f "$tmp/load.raw" "$tmp/load.qcow2"
}

tcp() {
	local port=$((20000 + $$ % 20000)) i
	if [ "$(id -u)" != 0 ] || ! ip netns add "sq-nbd-$$" 2>/dev/null; then
		skip "tcp: needs root and ip netns for a private network namespace"
		return
	fi
	ns=sq-nbd-$$
	ip netns exec $ns ip link set lo up
	ip netns exec $ns "$SQUEEZE" img serve -f qcow2 --readonly --port $port \
		"$tmp/img.qcow2" >"$tmp/tcp.out" 2>"$tmp/tcp.err" &
	srv=$!
	for i in $(seq 100); do grep -q serving "$tmp/tcp.out" && break; sleep 0.05; done
	if grep -q "no authentication" "$tmp/tcp.err" &&
	   ip netns exec $ns ss -ltn | grep -q "127.0.0.1:$port " &&
	   ip netns exec $ns nbdcopy "nbd://127.0.0.1:$port/" "$tmp/tcp.raw" &&
	   cmp -s "$tmp/tcp.raw" "$tmp/src.raw"; then
		pass "tcp: --port listens on 127.0.0.1 only, warns about authentication, serves identically"
	else
		fail "tcp: $(head -c 200 "$tmp/tcp.err")"
	fi
	stop
	ip netns del $ns
	ns=""
}

# Every thread of the server: confined, each with its seccomp filter.
confined() {
	local t bad=""
	serve -f qcow2 --readonly "$tmp/img.qcow2" || { fail "confined: server"; return; }
	nbdcopy "$uri" "$tmp/conf.raw"	# multi-connection: every thread serves
	for t in /proc/$srv/task/*; do
		grep -q "^NoNewPrivs:.*1" $t/status &&
		grep -q "^CapEff:.*0000000000000000" $t/status &&
		grep -q "^CapBnd:.*0000000000000000" $t/status &&
		grep -q "^Seccomp:.*2" $t/status || bad="$bad $(cat $t/comm)"
	done
	if [ -z "$bad" ] && [ "$(ls /proc/$srv/task | wc -l)" -eq "$(nproc)" ] &&
	   cmp -s "$tmp/conf.raw" "$tmp/src.raw" && [ "$(stat -c %a "$sock")" = 600 ]; then
		pass "confinement: all $(nproc) serving threads: no_new_privs, no capabilities (bounding set too), a seccomp filter; socket mode 0600"
	else
		fail "confinement: threads not confined:$bad"
	fi
	stop
	if ! "$SQUEEZE" img serve --bind 127.0.0.1 "$tmp/img.qcow2" 2>/dev/null &&
	   ! "$SQUEEZE" img serve --socket "$sock" "$tmp/img.qcow2" 2>/dev/null &&
	   [ ! -e "$sock" ]; then
		pass "refused: --bind without --port; a qcow2 image without -f"
	else
		fail "serve refusals"
	fi
}

setup
basics
chain_and_vmdk
fuse
protocol
readonly_export
clients
sigterm_under_load
tcp
confined
t_end
