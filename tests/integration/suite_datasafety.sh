#!/usr/bin/env bash
# Data safety (issue 10), under KVM with the tiny guests: backing files are
# locked while a VM uses them; img create never overwrites a file of its
# own backing chain; a cluster whose refcount wrongly says free is never
# handed out over a live L2 table (qemu-img/qemu-io are the oracle); a
# block device as raw backing file has its real size; backing names that
# are absolute or climb out with ".." need backing-dir=DIR; a directory as
# backing file is refused at open; a failed img create (ENOSPC) leaves
# nothing and an existing file untouched.
set -u
. "$(dirname "$0")/lib.sh"
t_begin datasafety

tmp=$(mktemp -d /var/tmp/suite-datasafety.XXXXXX)
vm_pid="" loopdev=""
cleanup() {
	[ -n "$vm_pid" ] && kill -9 "$vm_pid" 2>/dev/null
	[ -n "$loopdev" ] && losetup -d "$loopdev" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

if [ ! -x "$SQUEEZE" ] || [ ! -f "$GUESTS/idle.elf" ] || [ ! -e /dev/kvm ]; then
	skip "all: needs /dev/kvm, squeeze and build/guests/idle.elf"
	t_end; exit
fi
if ! command -v qemu-img >/dev/null || ! command -v qemu-io >/dev/null; then
	skip "all: qemu-img/qemu-io (Debian qemu-utils) are the oracle"
	t_end; exit
fi

sum() { sha256sum <"$1"; }

# Start the idle guest on the disks given; wait until it runs.
start_idle() {
	"$SQUEEZE" run --kernel "$GUESTS/idle.elf" --memory 32M \
		--console file="$tmp/idle.con" "$@" </dev/null \
		>/dev/null 2>"$tmp/idle.err" &
	vm_pid=$!
	wait_for "$tmp/idle.con" "idle: ready"
}

stop_idle() {
	local rc
	kill -TERM "$vm_pid" 2>/dev/null
	wait "$vm_pid" 2>/dev/null
	rc=$?
	vm_pid=""
	return $((rc != 143))
}

# Bug 1: a running VM's backing files are locked against writers.
backing_lock() {
	local base=$tmp/lbase.raw mid=$tmp/lmid.qcow2 top=$tmp/ltop.qcow2 s1 s2
	head -c 1M /dev/urandom >"$base"
	qemu-img create -q -f qcow2 -b lbase.raw -F raw "$mid"
	qemu-img create -q -f qcow2 -b lmid.qcow2 -F qcow2 "$top"
	s1=$(sum "$base") s2=$(sum "$mid")
	if ! start_idle --disk "$top,format=qcow2"; then
		fail "backing lock: the VM did not start: $(head -c 200 "$tmp/idle.err")"
		stop_idle
		return
	fi
	expect_exit2 20 "backing lock: a second squeeze cannot open the raw base read-write" \
		"in use by squeeze (pid $vm_pid)" \
		"$SQUEEZE" run --kernel "$GUESTS/blk.elf" --memory 32M \
		--console none --disk "$base"
	expect_exit2 20 "backing lock: nor the qcow2 middle of the chain" \
		"in use by squeeze (pid $vm_pid)" \
		"$SQUEEZE" run --kernel "$GUESTS/blk.elf" --memory 32M \
		--console none --disk "$mid,format=qcow2"
	expect_exit2 20 "backing lock: img create refuses to re-create the base" \
		"in use by squeeze (pid $vm_pid)" \
		"$SQUEEZE" img create -f raw "$base" 1M
	expect_exit2 20 "backing lock: img create refuses to re-create the middle" \
		"in use by squeeze (pid $vm_pid)" \
		"$SQUEEZE" img create -f qcow2 "$mid" 1M
	if [ "$(sum "$base")" = "$s1" ] && [ "$(sum "$mid")" = "$s2" ]; then
		pass "backing lock: both backing files unchanged"
	else
		fail "backing lock: a backing file changed under the VM"
	fi
	if stop_idle; then pass "backing lock: the VM ran on (SIGTERM: 143)"
	else fail "backing lock: the VM did not stop with 143"; fi
	timeout 20 "$SQUEEZE" run --kernel "$GUESTS/blk.elf" --memory 32M \
		--console none --disk "$base" </dev/null >/dev/null 2>&1
	if [ $? -eq 33 ]; then
		pass "backing lock: released when the VM exits"
	else
		fail "backing lock: the base is still refused after the VM exited"
	fi
}

# Bug 2: the target of img create is never a file of its backing chain.
self_backing() {
	local base=$tmp/sbase.raw s
	head -c 64K /dev/urandom >"$base"
	s=$(sum "$base")
	expect_exit2 20 "img create -b base.raw base.raw" "own backing chain" \
		"$SQUEEZE" img create -f qcow2 -b "$base" -F raw "$base"
	ln -s sbase.raw "$tmp/slink.raw"
	expect_exit2 20 "img create through a symlink to the backing file" \
		"own backing chain" \
		"$SQUEEZE" img create -f qcow2 -b sbase.raw -F raw "$tmp/slink.raw"
	mkdir -p "$tmp/sub"
	expect_exit2 20 "img create by a relative path to the backing file" \
		"own backing chain" \
		bash -c "cd '$tmp/sub' && '$SQUEEZE' img create -f qcow2 -b sbase.raw -F raw ../sbase.raw"
	qemu-img create -q -f qcow2 -b sbase.raw -F raw "$tmp/smid.qcow2"
	qemu-img create -q -f qcow2 -b smid.qcow2 -F qcow2 "$tmp/stop.qcow2"
	expect_exit2 20 "img create over the raw base of a qcow2 chain" \
		"own backing chain" \
		"$SQUEEZE" img create -f qcow2 -b "$tmp/stop.qcow2" -F qcow2 "$base"
	if [ "$(sum "$base")" = "$s" ] && [ -L "$tmp/slink.raw" ] &&
	   ! ls "$tmp"/.img-* >/dev/null 2>&1; then
		pass "img create: the backing file is intact, no temporary file left"
	else
		fail "img create destroyed its own backing file"
	fi
}

# Bug 3: refcount 0 on a live L2 table; the guest then writes sector 1.
overlap() {
	local img=$tmp/ov.qcow2 rc
	qemu-img create -q -f qcow2 -o cluster_size=4k "$img" 1M
	qemu-io -c 'write -P 0x11 64k 4k' "$img" >/dev/null
	python3 - "$img" <<-'EOF'
	import struct, sys
	f = open(sys.argv[1], 'r+b')
	h = f.read(104)
	l1_off, = struct.unpack('>Q', h[40:48])
	rt_off, = struct.unpack('>Q', h[48:56])
	order, = struct.unpack('>I', h[96:100])
	assert order == 4
	f.seek(l1_off); l2 = struct.unpack('>Q', f.read(8))[0] & 0x00fffffffffffe00
	f.seek(rt_off); rb, = struct.unpack('>Q', f.read(8))
	f.seek(rb + 2 * (l2 // 4096)); f.write(b'\0\0')
	EOF
	timeout 60 "$SQUEEZE" run --kernel "$GUESTS/blk.elf" --memory 32M \
		--console none --disk "$img,format=qcow2" </dev/null \
		>/dev/null 2>"$tmp/ov.err"
	rc=$?
	if ! qemu-io -r -c 'read -P 0x11 64k 4k' "$img" 2>&1 |
	   grep -q "read 4096/4096"; then
		fail "metadata overlap: the data at 64K is lost (guest status $rc)"
	elif [ $rc -ne 47 ]; then
		fail "metadata overlap: guest status $rc: its write of sector 1 was not failed (47)"
	elif qemu-img check "$img" 2>&1 | grep -q "reference=2"; then
		fail "metadata overlap: a cluster is referenced as data and as a table"
	elif ! grep -q "metadata overlap: refcount 0 for cluster 0x[0-9a-f]*, which holds the L2 table of L1 index 0" "$tmp/ov.err"; then
		fail "metadata overlap: not logged with table and index: $(head -c 300 "$tmp/ov.err")"
	elif ! qemu-img info "$img" | grep -q "corrupt: true"; then
		fail "metadata overlap: the corrupt bit is not set"
	else
		pass "metadata overlap: the guest's write failed (status 47), nothing written over the L2 table, data at 64K intact, corrupt bit set, logged with the table"
	fi
}

# Bug 5: a block device as raw backing file, and img create -b /dev/X.
blockdev_backing() {
	local f=$tmp/bdev.img want got size
	if [ "$(id -u)" != 0 ] || ! command -v losetup >/dev/null; then
		skip "block device backing: needs root and losetup"
		return
	fi
	head -c 512 /dev/urandom >"$f"
	truncate -s 4M "$f"
	loopdev=$(losetup -f --show "$f" 2>/dev/null)
	if [ -z "$loopdev" ]; then
		skip "block device backing: no free loop device"
		return
	fi
	want=$(od -An -t x1 -N 16 "$f" | tr -s ' \n' ' ' | sed 's/^ //; s/ $//')
	qemu-img create -q -f qcow2 -b "$loopdev" -F raw "$tmp/bov.qcow2"
	timeout 60 "$SQUEEZE" run --kernel "$GUESTS/blk.elf" --memory 32M \
		--console stdio --disk "$tmp/bov.qcow2,format=qcow2,backing-dir=/dev" \
		</dev/null >"$tmp/bov.out" 2>&1
	got=$(tr -d '\r' <"$tmp/bov.out" | sed -n 's/^blk: sector 0: //p')
	if [ "$got" = "$want" ]; then
		pass "block device backing: the guest reads the device's sector 0"
	else
		fail "block device backing: sector 0 read as '$got', want '$want'"
	fi
	"$SQUEEZE" img create -f qcow2 -b "$loopdev" -F raw "$tmp/bnew.qcow2" \
		>/dev/null 2>"$tmp/err"
	size=$(qemu-img info --output=json "$tmp/bnew.qcow2" 2>/dev/null |
	       python3 -c 'import json,sys; print(json.load(sys.stdin)["virtual-size"])' 2>/dev/null)
	if [ "$size" = 4194304 ]; then
		pass "img create -b /dev/loopN: the image has the device's size (4 MiB)"
	else
		fail "img create -b /dev/loopN: virtual size '$size': $(head -c 200 "$tmp/err")"
	fi
	"$SQUEEZE" img info "$tmp/bov.qcow2" >"$tmp/info" 2>&1
	if grep -q "backing 1: $loopdev (raw, 4194304 bytes)" "$tmp/info"; then
		pass "img info: the block device's size in the chain"
	else
		fail "img info: $(grep backing "$tmp/info" | tr '\n' ' ')"
	fi
	losetup -d "$loopdev"
	loopdev=""
}

# Bug 6: an image cannot make the guest read a host file by its name.
backing_names() {
	local d=$tmp/names rc
	mkdir -p "$d/img" "$d/secret"
	echo "host secret, not for guests" >"$d/secret/key"
	truncate -s 1M "$d/secret/key"
	qemu-img create -q -f qcow2 -u -b "$d/secret/key" -F raw "$d/img/abs.qcow2" 1M
	qemu-img create -q -f qcow2 -u -b ../secret/key -F raw "$d/img/up.qcow2" 1M
	expect_exit2 20 "backing name: an absolute path is refused by default" \
		"backing file name '$d/secret/key' is an absolute path; follow it with --disk ...,backing-dir=DIR" \
		"$SQUEEZE" run --kernel "$GUESTS/blk.elf" --memory 32M \
		--console none --disk "$d/img/abs.qcow2,format=qcow2"
	expect_exit2 20 "backing name: '..' is refused by default" \
		"backing file name '../secret/key' climbs out" \
		"$SQUEEZE" run --kernel "$GUESTS/blk.elf" --memory 32M \
		--console none --disk "$d/img/up.qcow2,format=qcow2"
	expect_exit2 20 "backing name: outside the backing-dir given" \
		"is outside backing-dir=$d/img" \
		"$SQUEEZE" run --kernel "$GUESTS/blk.elf" --memory 32M \
		--console none --disk "$d/img/up.qcow2,format=qcow2,backing-dir=$d/img"
	timeout 60 "$SQUEEZE" run --kernel "$GUESTS/blk.elf" --memory 32M \
		--console stdio --disk "$d/img/up.qcow2,format=qcow2,backing-dir=$d/secret" \
		</dev/null >"$tmp/names.out" 2>&1
	rc=$?
	if [ $rc -eq 33 ] && tr -d '\r' <"$tmp/names.out" | grep -q "^blk: sector 0: 68 6f 73 74"; then
		pass "backing name: followed inside backing-dir=DIR"
	else
		fail "backing name: with backing-dir: status $rc"
	fi
	"$SQUEEZE" img info "$d/img/abs.qcow2" >"$tmp/info" 2>&1
	"$SQUEEZE" img info --json "$d/img/up.qcow2" >"$tmp/info.json" 2>&1
	if grep -q "backing 1: $d/secret/key (raw, 1048576 bytes) (absolute or '..' name: squeeze run needs backing-dir=DIR)" "$tmp/info" &&
	   python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))["backing-chain"]; assert c[0]["filename"]==sys.argv[2] and c[0]["needs-backing-dir"]' \
		"$tmp/info.json" "$d/secret/key" 2>/dev/null; then
		pass "img info: the resolved chain, text and JSON, says what needs backing-dir"
	else
		fail "img info: $(grep backing "$tmp/info" | tr '\n' ' ')"
	fi
}

# Bug 9: a directory as backing file.
dir_backing() {
	mkdir -p "$tmp/adir"
	qemu-img create -q -f qcow2 -u -b adir -F raw "$tmp/dir.qcow2" 1M
	expect_exit2 20 "a directory as backing file is refused at open" \
		"backing file is a directory" \
		"$SQUEEZE" run --kernel "$GUESTS/blk.elf" --memory 32M \
		--console none --disk "$tmp/dir.qcow2,format=qcow2"
}

# Bug 10: ENOSPC in img create, on a 128 KiB tmpfs in a private mount ns.
enospc() {
	local rc
	if [ "$(id -u)" != 0 ] || ! command -v unshare >/dev/null; then
		skip "img create ENOSPC: needs root for a private tmpfs"
		return
	fi
	mkdir -p "$tmp/full"
	unshare -m sh -c '
		mount -t tmpfs -o size=128k none "$1" || exit 99
		printf "precious" >"$1/keep.img"
		"$2" img create -f qcow2 "$1/keep.img" 1T 2>"$1/e1"; echo "rc1=$?"
		"$2" img create -f qcow2 "$1/new.qcow2" 1T 2>"$1/e2"; echo "rc2=$?"
		echo "keep=$(cat "$1/keep.img")"
		ls -A "$1" | tr "\n" " "; echo
		cat "$1/e1"' sh "$tmp/full" "$SQUEEZE" >"$tmp/enospc.out" 2>&1
	rc=$?
	if [ $rc -eq 99 ]; then
		skip "img create ENOSPC: cannot mount a tmpfs"
	elif grep -q "rc1=1" "$tmp/enospc.out" && grep -q "rc2=1" "$tmp/enospc.out" &&
	     grep -q "keep=precious" "$tmp/enospc.out" &&
	     grep -qx "e1 e2 keep.img " "$tmp/enospc.out"; then
		pass "img create ENOSPC: exit 1, existing file untouched, nothing left behind"
	else
		fail "img create ENOSPC: $(tr '\n' ' ' <"$tmp/enospc.out" | head -c 300)"
	fi
}

backing_lock
self_backing
overlap
blockdev_backing
backing_names
dir_backing
enospc
t_end
