#!/usr/bin/env bash
# Edges found by attacking squeeze (issue 10), under KVM with the tiny
# guests: a deleted tap stops being polled and shows as link down while
# the VM runs on; a FIFO named as kernel, initrd, console or backing file
# is an error line, never a hang; exit 2 creates and truncates nothing;
# img info --json is valid JSON for any backing name; tap names with
# control characters or '%' are invalid names; img create -1 says the size
# is negative; a --disk path may hold a comma written twice.
set -u
. "$(dirname "$0")/lib.sh"
t_begin edges

tmp=$(mktemp -d /var/tmp/suite-edges.XXXXXX)
NS=sqz-edges-$$-$RANDOM
vm_pid=""
cleanup() {
	[ -n "$vm_pid" ] && kill -9 "$vm_pid" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

if [ ! -x "$SQUEEZE" ] || [ ! -f "$GUESTS/idle.elf" ] || [ ! -e /dev/kvm ]; then
	skip "all: needs /dev/kvm, squeeze and build/guests/idle.elf"
	t_end; exit
fi

# Read syscalls made by all of process $1's threads (/proc/PID/task/*/io).
reads() {
	cat /proc/"$1"/task/*/io 2>/dev/null | awk '/^syscr/ { n += $2 } END { print n + 0 }'
}

# Bug 4: the tap is deleted under a running guest.
tap_deleted() {
	local con=$tmp/tap.con a b warns rc
	if [ "$(id -u)" != 0 ] || ! ip netns add "$NS" 2>/dev/null; then
		skip "deleted tap: needs root and a network namespace"
		return
	fi
	ip netns exec "$NS" "$SQUEEZE" run --kernel "$GUESTS/idle.elf" \
		--memory 32M --net tap=sqzgone0 --console file="$con" \
		</dev/null >/dev/null 2>"$tmp/tap.err" &
	vm_pid=$!
	if ! wait_for "$con" "idle: ready (blk none, net up, link up)"; then
		fail "deleted tap: the guest did not come up: $(tail -c 200 "$con")"
		return
	fi
	ip -n "$NS" link del sqzgone0
	wait_for "$con" "idle: net link down"
	sleep 0.5
	a=$(reads "$vm_pid")
	sleep 1
	b=$(reads "$vm_pid")
	if grep -q "idle: net link down" "$con"; then
		pass "deleted tap: the guest saw the link go down (config change interrupt, STATUS without LINK_UP)"
	else
		fail "deleted tap: the guest never saw the link down"
	fi
	if [ $((b - a)) -lt 50 ]; then
		pass "deleted tap: the I/O thread sleeps ($((b - a)) read calls in 1 s)"
	else
		fail "deleted tap: $((b - a)) read calls in 1 s: the I/O thread spins"
	fi
	kill -TERM "$vm_pid"
	wait "$vm_pid"
	rc=$?
	vm_pid=""
	warns=$(grep -c "sqzgone0: .*link down" "$tmp/tap.err")
	if [ $rc -eq 143 ] && [ "$warns" -eq 1 ]; then
		pass "deleted tap: the VM ran on (SIGTERM: 143), one warning"
	else
		fail "deleted tap: status $rc, $warns warnings: $(head -c 200 "$tmp/tap.err")"
	fi
}

# Bug 7: FIFOs where files are expected never block setup.
fifos() {
	local f=$tmp/fifo
	mkfifo "$f"
	truncate -s 1M "$tmp/d.raw"
	expect_exit2 10 "FIFO as --kernel" "kernel $f: is a FIFO" \
		"$SQUEEZE" run --kernel "$f" --console none
	expect_exit2 10 "FIFO as --initrd" "initrd $f: is a FIFO" \
		"$SQUEEZE" run --kernel "$GUESTS/hello.elf" --initrd "$f" \
		--console none
	expect_exit2 10 "FIFO as --console file= (no reader)" "nobody reads" \
		"$SQUEEZE" run --kernel "$GUESTS/hello.elf" --console file="$f"
	qemu-img create -q -f qcow2 -u -b fifo -F raw "$tmp/f.qcow2" 1M
	expect_exit2 10 "FIFO as backing file" "backing file is a FIFO" \
		"$SQUEEZE" run --kernel "$GUESTS/blk.elf" --console none \
		--disk "$tmp/f.qcow2,format=qcow2"
	expect_exit2 10 "FIFO to img info" "is a FIFO" "$SQUEEZE" img info "$f"
	expect_exit2 10 "FIFO as img create -b" "is a FIFO" \
		"$SQUEEZE" img create -b "$f" -F raw "$tmp/new.qcow2"
	if [ ! -e "$tmp/new.qcow2" ]; then pass "FIFO as img create -b: nothing created"
	else fail "FIFO as img create -b: a file was created"; fi
}

# Bug 8: exit 2 creates nothing, and truncates no input.
nothing_created() {
	local log=$tmp/out.log long s
	long=$(head -c 5000 /dev/zero | tr '\0' a)
	expect_exit2 10 "5,000-character --cmdline" "--cmdline: kernel command line is 5000 bytes" \
		"$SQUEEZE" run --kernel "$GUESTS/hello.elf" --cmdline "$long" \
		--console file="$log"
	if [ ! -e "$log" ]; then pass "long --cmdline: no console file created"
	else fail "long --cmdline: $log was created"; fi
	echo "keep me" >"$log"
	"$SQUEEZE" run --kernel "$GUESTS/hello.elf" --cmdline "$long" \
		--console file="$log" </dev/null >/dev/null 2>&1
	if [ "$(cat "$log")" = "keep me" ]; then pass "long --cmdline: an existing console file untouched"
	else fail "long --cmdline: the existing console file was truncated"; fi
	head -c 1M /dev/urandom >"$tmp/v.raw"
	s=$(sha256sum <"$tmp/v.raw")
	expect_exit2 10 "--console file= the disk image" "is a file the VM reads" \
		"$SQUEEZE" run --kernel "$GUESTS/blk.elf" --disk "$tmp/v.raw" \
		--console file="$tmp/v.raw"
	qemu-img create -q -f qcow2 -b v.raw -F raw "$tmp/v.qcow2"
	expect_exit2 10 "--console file= a backing file" "is a file the VM reads" \
		"$SQUEEZE" run --kernel "$GUESTS/blk.elf" \
		--disk "$tmp/v.qcow2,format=qcow2" --console file="$tmp/v.raw"
	cp "$GUESTS/hello.elf" "$tmp/k.elf"
	expect_exit2 10 "--console file= the kernel" "is a file the VM reads" \
		"$SQUEEZE" run --kernel "$tmp/k.elf" --console file="$tmp/k.elf"
	if [ "$(sha256sum <"$tmp/v.raw")" = "$s" ] &&
	   cmp -s "$tmp/k.elf" "$GUESTS/hello.elf"; then
		pass "console on an input: image and kernel untouched"
	else
		fail "console on an input: an input was modified"
	fi
}

# Bug 11: JSON for any backing name; tap names; negative sizes; commas.
small_ones() {
	local img=$tmp/j.qcow2 rc n
	qemu-img create -q -f qcow2 -u -b XXXXXXXXXXXXXXXXXXXXXXXX -F raw "$img" 1M
	python3 - "$img" <<-'EOF'
	import sys
	b = open(sys.argv[1], 'rb').read()
	i = b.index(b'XXXXXXXXXXXXXXXXXXXXXXXX')
	evil = b'a"b\\c\x01\x1f\x7f\n\xff\xfe\xc3(\xe2\x82\xac\xed\xa0\x80'
	evil += b'Z' * (24 - len(evil))
	f = open(sys.argv[1], 'r+b'); f.seek(i); f.write(evil)
	EOF
	if "$SQUEEZE" img info --json "$img" >"$tmp/j.json" 2>"$tmp/err" &&
	   python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["backing-filename"].startswith("a\"b\\c\x01")' \
		"$tmp/j.json" 2>"$tmp/err"; then
		pass "img info --json: valid JSON for a backing name of arbitrary bytes"
	else
		fail "img info --json: not valid JSON: $(head -c 200 "$tmp/err")"
	fi
	for n in $'a\rb' $'a\vb' $'a\fb' 'tap%d'; do
		expect_exit2 10 "tap name $(printf %q "$n")" "invalid name" \
			"$SQUEEZE" run --kernel "$GUESTS/hello.elf" --net tap="$n"
	done
	expect_exit2 10 "img create x -1" "the size is negative" \
		"$SQUEEZE" img create "$tmp/x.qcow2" -1
	truncate -s 1M "$tmp/a,b.raw"
	timeout 20 "$SQUEEZE" run --kernel "$GUESTS/blk.elf" --memory 32M \
		--console none --disk "$tmp/a,,b.raw,format=raw" </dev/null \
		>/dev/null 2>"$tmp/err"
	rc=$?
	if [ $rc -eq 33 ] && [ "$(dd if="$tmp/a,b.raw" bs=16 skip=32 count=1 2>/dev/null)" = "squeeze-blk-ok 1" ]; then
		pass "--disk 'a,,b.raw': the file a,b.raw is the disk"
	else
		fail "--disk with a doubled comma: status $rc: $(head -c 200 "$tmp/err")"
	fi
}

tap_deleted
fifos
nothing_created
small_ones
t_end
