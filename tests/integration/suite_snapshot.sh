#!/usr/bin/env bash
# Snapshot and restore with tiny guests (issue 14): the counter goes on
# from the snapshot's value (1 and 4 vCPUs); blkloop's I/O across a
# snapshot on raw and on a qcow2 overlay per clone (every block right, no
# request done twice: the device counters on both sides add up to the
# guest's own count); interrupts after a restore (serial IRQ, MSI-X);
# a guest that stops after reading a line from a stdin kept open (booted
# and restored); --paused; 20 clones at once and their memory; bad
# snapshots exit 2 with one line. The network case is in
# suite_snapshot_net.sh.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/snap_lib.sh"
t_begin snapshot

tmp=$(mktemp -d /tmp/suite-snapshot.XXXXXX)
trap 'snap_cleanup; rm -rf "$tmp"' EXIT

if [ ! -e /dev/kvm ] || [ ! -x "$SQUEEZE" ] || [ ! -f "$GUESTS/counter.elf" ] ||
   ! command -v python3 >/dev/null; then
	skip "all: needs /dev/kvm, squeeze, build/guests/*.elf and python3"
	t_end; exit
fi

# snapshot_counter NAME CPUS: snapshot the counter mid-run, restore it.
snapshot_counter() {
	local name=$1 cpus=$2 d=$tmp/$1 want st before after first
	mkdir -p "$d"
	want=$(((0x40 + cpus) * 2 + 1))
	start_vm "$d/orig" --kernel "$GUESTS/counter.elf" --cpus "$cpus" \
		--cmdline "limit=150 tick=20 cpus=$cpus" --control "$d/ctl" \
		--console file="$d/con"
	if ! wait_for "$d/con" '^counter: 20\( \|$\)'; then
		fail "$name: the counter did not start: $(tail -n 2 "$d/con" "$d/orig.err" | tr '\n' ' ')"
		return
	fi
	ctl "$d/ctl" snapshot "$d/snap" >"$d/snap.json" ||
		{ fail "$name: snapshot failed: $(cat "$d/snap.json")"; return; }
	before=$(last_line "$d/con")
	sleep 0.3
	if [ "$(last_line "$d/con")" != "$before" ]; then
		fail "$name: the guest ran on after the snapshot (it stays paused)"
	fi
	ctl "$d/ctl" poweroff >/dev/null
	reap "$VM"
	start_restore "$d/out" "$d/in" "$d/snap"
	reap "$VM"
	st=$?
	first=$(first_line "$d/con" "$d/out")
	after=$(tail -n 1 "$d/out")
	if [ "$st" -ne "$want" ]; then
		fail "$name: restored guest exited $st, want $want: $after $(cat "$d/out.err")"
	elif ! python3 - "$before" "$first" <<'EOF'
import re, sys
num = lambda l: [int(x) for x in re.findall(r'(\d+)', l)]
b, f = num(sys.argv[1]), num(sys.argv[2])
# The tick goes on by one; each AP's count from where it was, or on.
ok = f[0] == b[0] + 1 and all(y >= x for x, y in zip(b[1:], f[1:]))
sys.exit(0 if ok and len(b) == len(f) else 1)
EOF
	then
		fail "$name: before the snapshot '$before', after the restore '$first'"
	else
		pass "$name: '$before' at the snapshot, '$first' after the restore; '$after', status $st"
	fi
}

# The image blkloop leaves: sector s holds the pattern of the last round
# that wrote it (see guests/tiny/g_blkloop.c).
expect_image() {
	python3 - "$1" "$2" "$3" "$4" <<'EOF'
import struct, sys
path, size, rounds, sectors = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
img = bytearray(size)
for r in range(1, rounds + 1):
    for k in (0, 1):
        s = (2 * r + k) % sectors
        w = [(s * 0x10001 ^ r * 0x1000193 ^ i) & 0xffffffff for i in range(128)]
        img[s * 512:(s + 1) * 512] = struct.pack('<128I', *w)
open(path, 'wb').write(img)
EOF
}

# blk_snapshot NAME FMT: blkloop on a raw disk, snapshot mid-run; the
# clones run on the same file (raw) or each on a qcow2 overlay (qcow2).
blk_snapshot() {
	local name=$1 fmt=$2 d=$tmp/$1 rounds=900 x st n y i ok=1 why=""
	mkdir -p "$d"
	truncate -s 1M "$d/base.raw"
	start_vm "$d/orig" --kernel "$GUESTS/blkloop.elf" --disk "$d/base.raw" \
		--cmdline "rounds=$rounds wait=1" --control "$d/ctl" \
		--console file="$d/con"
	if ! wait_for "$d/con" '^blkloop: round 40$'; then
		fail "$name: blkloop did not start: $(tail -n 2 "$d/con" "$d/orig.err" | tr '\n' ' ')"
		return
	fi
	ctl "$d/ctl" snapshot "$d/snap" >"$d/snap.json" ||
		{ fail "$name: snapshot failed: $(cat "$d/snap.json")"; return; }
	x=$(dev_stat "$(ctl "$d/ctl" stats)" blk0 requests)
	ctl "$d/ctl" poweroff >/dev/null
	reap "$VM"
	cp --sparse=always "$d/base.raw" "$d/base.at-snapshot"
	expect_image "$d/want" 1048576 "$rounds" 64
	local clones=(1)
	[ "$fmt" = qcow2 ] && clones=(1 2)
	for i in "${clones[@]}"; do
		local disk=(--disk "$d/base.raw")
		if [ "$fmt" = qcow2 ]; then
			# A relative backing name: beside the overlay, no backing-dir=.
			qemu-img create -q -f qcow2 -b base.raw -F raw "$d/o$i.qcow2"
			disk=(--disk "$d/o$i.qcow2,format=qcow2")
		fi
		start_restore "$d/out$i" "$d/in$i" "$d/snap" "${disk[@]}" \
			--control "$d/ctl$i"
		eval "pid$i=$VM fd$i=$IN_FD"
	done
	for i in "${clones[@]}"; do
		if ! wait_for "$d/out$i" '^blkloop: OK [0-9]* requests$' 600; then
			ok=0; why="$why clone $i did not finish: $(tail -n 2 "$d/out$i" "$d/out$i.err" | tr '\n' ' ')"
			continue
		fi
		n=$(sed -n 's/^blkloop: OK \([0-9]*\) requests$/\1/p' "$d/out$i")
		y=$(dev_stat "$(ctl "$d/ctl$i" stats)" blk0 requests)
		[ $((x + y)) -eq "$n" ] ||
			{ ok=0; why="$why clone $i: $x requests before and $y after the snapshot, the guest made $n"; }
		first_line "$d/con" "$d/out$i" |
			grep -qxE 'blkloop: round (4[1-9]|[5-9][0-9]|[1-9][0-9]{2,})' ||
			{ ok=0; why="$why clone $i began with '$(first_line "$d/con" "$d/out$i")'"; }
		eval "echo >&\$fd$i"
	done
	for i in "${clones[@]}"; do
		eval "reap \$pid$i"; st=$?
		[ "$st" -eq 225 ] || { ok=0; why="$why clone $i exited $st"; }
	done
	# After all of them: a clone's lock on base.raw keeps qemu-img out.
	for i in "${clones[@]}"; do
		if [ "$fmt" = qcow2 ]; then
			qemu-img check -q "$d/o$i.qcow2" || { ok=0; why="$why o$i.qcow2 fails qemu-img check"; }
			qemu-img convert -f qcow2 -O raw "$d/o$i.qcow2" "$d/o$i.raw"
			cmp -s "$d/o$i.raw" "$d/want" || { ok=0; why="$why o$i.qcow2 holds the wrong blocks"; }
		else
			cmp -s "$d/base.raw" "$d/want" || { ok=0; why="$why base.raw holds the wrong blocks"; }
		fi
	done
	if [ "$fmt" = qcow2 ] && ! cmp -s "$d/base.raw" "$d/base.at-snapshot"; then
		ok=0; why="$why the clones wrote to the snapshot's disk"
	fi
	if [ $ok = 1 ]; then
		pass "$name: ${#clones[@]} clone(s) finish, every block right, $x + $((n - x)) requests = $n made by the guest"
	else
		fail "$name:$why"
	fi
}

# blk_msix wait=1, snapshotted while it sleeps for a console line: after
# the restore the line comes by the serial IRQ, the read by MSI-X.
interrupts() {
	local d=$tmp/irq st want
	mkdir -p "$d"
	head -c 16 /dev/urandom >"$d/disk.raw"
	truncate -s 64K "$d/disk.raw"
	want=$(od -An -t x1 -N 16 "$d/disk.raw" | tr -s ' \n' ' ' | sed 's/ $//')
	start_vm "$d/orig" --kernel "$GUESTS/blk_msix.elf" --disk "$d/disk.raw" \
		--cmdline "wait=1" --control "$d/ctl" --console file="$d/con"
	wait_for "$d/con" '^blk_msix: waiting for a line$' ||
		{ fail "interrupts: blk_msix did not get ready: $(cat "$d/con")"; return; }
	ctl "$d/ctl" snapshot "$d/snap" >/dev/null && ctl "$d/ctl" poweroff >/dev/null
	reap "$VM"
	start_restore "$d/out" "$d/in" "$d/snap"
	echo clone1 >&"$IN_FD"
	reap "$VM"
	st=$?
	if [ "$st" -eq 145 ] && grep -qx "blk_msix: line 'clone1' after [1-9][0-9]* serial interrupts" "$d/out" &&
	   grep -qx "blk_msix: sector 0:$want" "$d/out"; then
		pass "interrupts: after the restore the serial IRQ brought the line and MSI-X the read"
	else
		fail "interrupts: status $st: $(tr '\n' ' ' <"$d/out") $(cat "$d/out.err")"
	fi
}

# feed_line NAME WANT LEN ARGS...: squeeze ARGS (run or restore) with
# stdin a FIFO kept open, as a terminal or a script keeps it; a line of
# LEN bytes written into it at once. The guest reads the line and stops
# (S5 or debug-exit): squeeze must exit WANT within 10 s. A line of 64
# bytes (the serial FIFO's size) fills the FIFO with nothing left over;
# when the guest then emptied it, squeeze blocked reading stdin for more
# and never saw the guest stop (the Linux clones in tests/linux/scenarios/
# snapshot.sh hung so). The poweroff guest's CRC shows the whole line came.
feed_line() {
	local name=$1 want=$2 len=$3 d st line crc got
	shift 3
	d=$(mktemp -d "$tmp/feed.XXXXXX")
	start_fed "$d/out" "$d/in" "$@"
	line=$(head -c 1024 /dev/urandom | base64 -w 0 | head -c $((len - 1)))
	printf '%s\n' "$line" >&"$IN_FD"
	reap_within "$VM" 100
	st=$?
	exec {IN_FD}>&-
	crc=$(python3 -c 'import sys, zlib; print("%08x" % zlib.crc32(sys.argv[1].encode()))' "$line")
	got=$(sed -n 's/^poweroff guest: a line of \([0-9]* bytes, crc32 [0-9a-f]*\),.*/\1/p' "$d/out")
	if [ "$st" -ne "$want" ]; then
		fail "stop after input: $name: status $st, want $want (124: still running 10 s after the line): $(tail -n 2 "$d/out" | tr '\n' ' ') $(cat "$d/out.err")"
	elif [ "$want" -eq 0 ] && [ "$got" != "$((len - 1)) bytes, crc32 $crc" ]; then
		fail "stop after input: $name: the guest got '$got', not $((len - 1)) bytes with crc32 $crc"
	else
		pass "stop after input: $name: a $len-byte line on a stdin kept open, then status $st at once${got:+ (the guest got $got)}"
	fi
}

# The poweroff guest waiting for its line: booted, and restored (S5 and,
# with the interrupts case's blk_msix snapshot, debug-exit).
stop_after_input() {
	local d=$tmp/pwr
	mkdir -p "$d"
	feed_line "booted, power-off" 0 64 run --kernel "$GUESTS/poweroff.elf" --cmdline "wait=1"
	start_vm "$d/orig" --kernel "$GUESTS/poweroff.elf" --cmdline "wait=1" \
		--control "$d/ctl" --console file="$d/con"
	wait_for "$d/con" '^poweroff guest: waiting for a line$' ||
		{ fail "stop after input: the poweroff guest did not wait: $(cat "$d/con")"; return; }
	ctl "$d/ctl" snapshot "$d/snap" >/dev/null && ctl "$d/ctl" poweroff >/dev/null
	reap "$VM"
	feed_line "restored, power-off" 0 64 restore "$d/snap"
	feed_line "restored, power-off, a line of 5 FIFOs" 0 320 restore "$d/snap"
	if [ -d "$tmp/irq/snap" ]; then
		feed_line "restored, debug-exit" 145 64 restore "$tmp/irq/snap"
	else
		fail "stop after input: restored, debug-exit: no blk_msix snapshot"
	fi
}

# restore --paused: nothing runs until squeeze ctl resume.
paused() {
	local d=$tmp/paused st s
	mkdir -p "$d"
	start_vm "$d/orig" --kernel "$GUESTS/counter.elf" --cmdline "limit=40" \
		--control "$d/ctl" --console file="$d/con"
	wait_for "$d/con" '^counter: 5$' || { fail "paused: no counter"; return; }
	ctl "$d/ctl" snapshot "$d/snap" >/dev/null && ctl "$d/ctl" poweroff >/dev/null
	reap "$VM"
	start_restore "$d/out" "$d/in" "$d/snap" --paused --control "$d/ctl2"
	wait_for "$d/out.err" . 5
	sleep 0.5
	s=$(ctl "$d/ctl2" status)
	if [ -s "$d/out" ] || [ "$(json_get "$s" "d['state']")" != paused ]; then
		fail "paused: it ran before resume: $(head -n 1 "$d/out"), $s"
		return
	fi
	ctl "$d/ctl2" resume >/dev/null
	reap "$VM"
	st=$?
	if [ "$st" -eq 131 ] && wait_for "$d/out" '^counter: done at 40' 1; then
		pass "paused: nothing ran until resume, then it counted on to 40"
	else
		fail "paused: status $st: $(tail -n 1 "$d/out") $(cat "$d/out.err")"
	fi
}

# A snapshot of a clone (its RAM a private mapping of the first memory
# file, partly its own): restored, it goes on from the second snapshot.
clone_of_clone() {
	local d=$tmp/cc st a b
	mkdir -p "$d"
	start_vm "$d/orig" --kernel "$GUESTS/counter.elf" --cmdline "limit=60" \
		--control "$d/ctl" --console file="$d/con"
	wait_for "$d/con" '^counter: 5$' || { fail "clone of a clone: no counter"; return; }
	ctl "$d/ctl" snapshot "$d/snap1" >/dev/null && ctl "$d/ctl" poweroff >/dev/null
	reap "$VM"
	start_restore "$d/out1" "$d/in1" "$d/snap1" --control "$d/ctl1"
	wait_for "$d/out1" '^counter: 25$' || { fail "clone of a clone: the clone did not count"; return; }
	ctl "$d/ctl1" snapshot "$d/snap2" >/dev/null && ctl "$d/ctl1" poweroff >/dev/null
	reap "$VM"
	a=$(last_line "$d/out1")
	start_restore "$d/out2" "$d/in2" "$d/snap2"
	reap "$VM"
	st=$?
	b=$(first_line "$d/out1" "$d/out2")
	if [ "$st" -eq 131 ] && [ "${b#counter: }" = $((${a#counter: } + 1)) ] &&
	   grep -qx 'counter: done at 60, 1 of 1 CPUs counting' "$d/out2"; then
		pass "clone of a clone: '$a' at the second snapshot, '$b' after its restore, status 131"
	else
		fail "clone of a clone: status $st, '$a' then '$b': $(tail -n 1 "$d/out2") $(cat "$d/out2.err")"
	fi
}

# Resident KiB of process $1 (Rss) and its proportional share (Pss).
mem_of() {
	awk '/^Rss:/ { r = $2 } /^Pss:/ { p = $2 } END { print r + 0, p + 0 }' \
		"/proc/$1/smaps_rollup" 2>/dev/null
}

# 20 clones of one 256 MiB counter snapshot at once.
clones() {
	local d=$tmp/clones n=20 i st bad=0 rss=0 pss=0 r p pids=() snap
	mkdir -p "$d"
	start_vm "$d/orig" --kernel "$GUESTS/counter.elf" --memory 256M \
		--cmdline "limit=120 tick=20" --control "$d/ctl" --console file="$d/con"
	wait_for "$d/con" '^counter: 10$' || { fail "clones: no counter"; return; }
	ctl "$d/ctl" snapshot "$d/snap" >/dev/null && ctl "$d/ctl" poweroff >/dev/null
	reap "$VM"
	snap=$(last_line "$d/con" | sed 's/^counter: //')
	for i in $(seq 1 $n); do
		timeout -k 5 120 "$SQUEEZE" restore "$d/snap" --console file="$d/out$i" \
			</dev/null 2>"$d/err$i" &
		pids+=($!)
		VMS+=($!)
	done
	sleep 1.5
	for i in "${pids[@]}"; do
		read -r r p < <(mem_of "$i")
		rss=$((rss + ${r:-0})); pss=$((pss + ${p:-0}))
	done
	for i in $(seq 1 $n); do
		reap "${pids[$((i - 1))]}"
		st=$?
		if [ "$st" -ne 131 ] ||
		   [ "$(first_line "$d/con" "$d/out$i")" != "counter: $((snap + 1))" ] ||
		   ! grep -qx 'counter: done at 120, 1 of 1 CPUs counting' "$d/out$i"; then
			bad=$((bad + 1))
			echo "clone $i: status $st: $(head -n 1 "$d/out$i") ... $(tail -n 1 "$d/out$i") $(cat "$d/err$i")"
		fi
	done
	echo "clones: $n clones of a 256 MiB guest running: total RSS $((rss / 1024)) MiB, PSS $((pss / 1024)) MiB (20 x guest RAM = 5120 MiB)"
	if [ $bad -ne 0 ]; then
		fail "clones: $bad of $n clones did not count on from $snap to the end"
	elif [ $rss -eq 0 ] || [ $rss -gt $((5120 * 1024 / 10)) ]; then
		fail "clones: total RSS $((rss / 1024)) MiB is not far below 20 x 256 MiB"
	else
		pass "clones: $n clones went on from counter: $snap and finished; total RSS $((rss / 1024)) MiB, PSS $((pss / 1024)) MiB for 20 x 256 MiB of guest RAM"
	fi
}

# expect_bad NAME DIR WORDS ARGS...: restore exits 2 with one line naming
# WORDS (a regex), and no guest output, no control socket.
expect_bad() {
	local name=$1 dir=$2 words=$3 st lines
	shift 3
	timeout 20 "$SQUEEZE" restore "$dir" --console file="$tmp/bad.con" \
		--control "$tmp/bad.ctl" "$@" >"$tmp/bad.out" 2>"$tmp/bad.err" </dev/null
	st=$?
	lines=$(wc -l <"$tmp/bad.err")
	if [ "$st" -eq 2 ] && [ "$lines" -eq 1 ] && grep -qE "$words" "$tmp/bad.err" &&
	   [ ! -e "$tmp/bad.con" ] && [ ! -e "$tmp/bad.ctl" ]; then
		pass "bad snapshot: $name: exit 2: $(cat "$tmp/bad.err")"
	else
		fail "bad snapshot: $name: status $st, $lines lines: $(cat "$tmp/bad.err")"
	fi
	rm -f "$tmp/bad.con" "$tmp/bad.ctl"
}

bad_snapshots() {
	local d=$tmp/bad good=$tmp/bad/good b
	mkdir -p "$d"
	truncate -s 64K "$d/disk.raw"
	start_vm "$d/orig" --kernel "$GUESTS/blk_msix.elf" --disk "$d/disk.raw" \
		--cmdline "wait=1" --control "$d/ctl" --console file="$d/con"
	wait_for "$d/con" '^blk_msix: waiting' || { fail "bad snapshots: no guest"; return; }
	ctl "$d/ctl" snapshot "$good" >/dev/null && ctl "$d/ctl" poweroff >/dev/null
	reap "$VM"
	for b in trunc flip version kvm nodisk otherdisk; do
		cp -r --sparse=always "$good" "$d/$b"
	done
	truncate -s 100M "$d/trunc/memory"
	expect_bad "truncated memory file" "$d/trunc" 'memory file'
	python3 -c 'import sys; f = open(sys.argv[1], "r+b"); f.seek(200); b = f.read(1); f.seek(200); f.write(bytes([b[0] ^ 0x10]))' "$d/flip/state"
	expect_bad "a flipped byte" "$d/flip" 'checksum'
	python3 -c 'import sys, struct; f = open(sys.argv[1], "r+b"); f.seek(8); f.write(struct.pack("<I", 99))' "$d/version/state"
	expect_bad "wrong version" "$d/version" 'version 99'
	# vCPU 0's CR0 with paging but not protection, the CRC made good.
	python3 - "$d/kvm/state" <<'PY'
import struct, sys, zlib
b = bytearray(open(sys.argv[1], "rb").read())
off = 64
while off < len(b):
    t, i, n = struct.unpack_from("<IIQ", b, off)
    if t == 18 and i == 0:			# SNAP_VCPU_SREGS: cr0 at 224
        struct.pack_into("<Q", b, off + 16 + 224, 0x80000000)
    off += 16 + (n + 7) // 8 * 8
struct.pack_into("<I", b, 36, 0)
struct.pack_into("<I", b, 36, zlib.crc32(bytes(b)))
open(sys.argv[1], "wb").write(b)
PY
	expect_bad "state KVM refuses" "$d/kvm" 'KVM refused'
	mv "$d/disk.raw" "$d/disk.moved"
	expect_bad "missing disk" "$d/nodisk" 'disk.raw'
	truncate -s 64K "$d/other.raw"
	expect_bad "another disk" "$d/otherdisk" 'neither the snapshot' --disk "$d/other.raw"
	expect_bad "a disk option" "$d/otherdisk" 'only PATH' --disk "$d/disk.moved,readonly=on"
	expect_bad "no snapshot" "$d/none" 'cannot open state'
}

snapshot_counter "counter" 1
snapshot_counter "counter, 4 vCPUs" 4
blk_snapshot "blk raw" raw
if command -v qemu-img >/dev/null; then
	blk_snapshot "blk qcow2 overlay per clone" qcow2
else
	skip "blk qcow2 overlay per clone: no qemu-img"
fi
interrupts
stop_after_input
paused
clone_of_clone
clones
bad_snapshots
t_end
