#!/usr/bin/env bash
# squeeze img convert and vmdk against qemu-img: the qcow2 read matrix
# converted each way (and flattened from a chain of three) is identical
# under `qemu-img compare`; -c output checks clean and is smaller; a mostly
# empty 10 GiB image converts to a few MiB on disk; every vmdk subformat
# qemu-img makes converts identically and shows in img info; malformed
# vmdk files exit 2 with one line; bad usage creates nothing; a signal
# leaves nothing behind; a guest reads a vmdk disk and cannot write it.
set -u
. "$(dirname "$0")/lib.sh"
t_begin convert

tmp=$(mktemp -d /var/tmp/suite-convert.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
POKE=$ROOT/tests/integration/qcow2_poke.py

if ! command -v qemu-img >/dev/null || ! command -v qemu-io >/dev/null; then
	skip "qemu-img/qemu-io not installed (Debian qemu-utils): the oracle is missing"
	t_end
	exit
fi
qio() { qemu-io "$@" >/dev/null 2>&1; }
conv() { "$SQUEEZE" img convert "$@" >/dev/null 2>"$tmp/err"; }

patterns() {	# patterns IMG [FORMAT]
	qio -f "${2:-qcow2}" -c 'write -P 0xab 0 1M' -c 'write -P 0x11 5000k 77k' \
		-c 'write -z 12M 1M' -c 'write -P 0x22 23M 1M' \
		-c 'write -P 0x33 20M 3584' "$1"
}

# round IMG GEOM: qcow2 -> raw -> qcow2 -> qcow2 (other geometry), -c.
round() {
	local img=$1 geom=$2
	conv -f qcow2 "$img" "$tmp/a.raw" &&
	qemu-img compare -q -f qcow2 -F raw "$img" "$tmp/a.raw" &&
	conv -O qcow2 -o "$geom" "$tmp/a.raw" "$tmp/b.qcow2" &&
	qemu-img check -q "$tmp/b.qcow2" &&
	qemu-img compare -q -f raw -F qcow2 "$tmp/a.raw" "$tmp/b.qcow2" &&
	conv -f qcow2 -O qcow2 -o compat=1.1,cluster_size=4k "$tmp/b.qcow2" "$tmp/c.qcow2" &&
	qemu-img check -q "$tmp/c.qcow2" &&
	qemu-img compare -q "$img" "$tmp/c.qcow2" &&
	conv -f qcow2 -O qcow2 -c -o "$geom" "$img" "$tmp/z.qcow2" &&
	qemu-img check -q "$tmp/z.qcow2" &&
	qemu-img compare -q "$img" "$tmp/z.qcow2" &&
	[ "$(stat -c %s "$tmp/z.qcow2")" -lt "$(stat -c %s "$tmp/b.qcow2")" ]
}

matrix() {
	local compat cs img=$tmp/m.qcow2 bad=""
	for compat in 0.10 1.1; do
		for cs in 4k 64k 2M; do
			qemu-img create -q -f qcow2 -o compat=$compat,cluster_size=$cs "$img" 24M
			patterns "$img"
			round "$img" compat=$compat,cluster_size=$cs || bad="$bad $compat/$cs"
			qemu-img convert -c -O qcow2 -o compat=$compat,cluster_size=$cs "$img" "$tmp/qc.qcow2"
			round "$tmp/qc.qcow2" compat=$compat,cluster_size=$cs ||
				bad="$bad compressed-$compat/$cs"
		done
	done
	if [ -z "$bad" ]; then
		pass "matrix: 12 images (v2/v3 x 4K/64K/2M, plain and compressed) to raw, to qcow2, qcow2 to qcow2, -c: identical under qemu-img compare, check clean, -c smaller"
	else
		fail "matrix:$bad: $(head -c 200 "$tmp/err")"
	fi
}

chain() {
	qemu-img create -q -f raw "$tmp/base.raw" 24M
	qio -f raw -c 'write -P 0x5a 0 24M' "$tmp/base.raw"
	qemu-img create -q -f qcow2 -b base.raw -F raw "$tmp/mid.qcow2"
	qio -c 'write -P 0x33 1M 3M' -c 'write -z 10M 1M' "$tmp/mid.qcow2"
	qemu-img create -q -f qcow2 -o compat=0.10,cluster_size=4k \
		-b mid.qcow2 -F qcow2 "$tmp/top.qcow2"
	qio -c 'write -P 0x77 2M 100k' -c 'write -P 0x78 20M 1M' "$tmp/top.qcow2"
	qemu-img create -q -f qcow2 -b "$tmp/base.raw" -F raw "$tmp/abs.qcow2"
	if ! conv -f qcow2 "$tmp/abs.qcow2" "$tmp/abs.raw" &&
	   grep -q "backing-dir" "$tmp/err" && [ ! -e "$tmp/abs.raw" ] &&
	   conv -f qcow2 --backing-dir "$tmp" "$tmp/abs.qcow2" "$tmp/abs.raw" &&
	   cmp -s "$tmp/abs.raw" "$tmp/base.raw"; then
		pass "an absolute backing name: refused, then followed inside --backing-dir"
	else
		fail "convert --backing-dir: $(head -c 200 "$tmp/err")"
	fi
	if conv -f qcow2 "$tmp/top.qcow2" "$tmp/flat.raw" &&
	   qemu-img compare -q "$tmp/top.qcow2" "$tmp/flat.raw" &&
	   conv -f qcow2 -O qcow2 "$tmp/top.qcow2" "$tmp/flat.qcow2" &&
	   qemu-img compare -q "$tmp/top.qcow2" "$tmp/flat.qcow2" &&
	   ! qemu-img info "$tmp/flat.qcow2" | grep -q "backing file"; then
		pass "chain of three flattened to raw and to qcow2 (no backing file left): identical"
	else
		fail "chain: $(head -c 200 "$tmp/err")"
	fi
}

sparse() {
	local img=$tmp/big.qcow2 limit=$((10 * 1024 * 1024 * 1024 / 100 / 1024)) r q
	qemu-img create -q -f qcow2 "$img" 10G
	qio -c 'write -P 1 0 1M' -c 'write -P 2 5G 1M' -c 'write -P 3 10239M 1M' "$img"
	conv -f qcow2 "$img" "$tmp/big.raw" && conv -f qcow2 -O qcow2 "$img" "$tmp/big2.qcow2"
	r=$(du -k "$tmp/big.raw" | cut -f1)
	q=$(du -k "$tmp/big2.qcow2" | cut -f1)
	if [ "$r" -lt "$limit" ] && [ "$q" -lt "$limit" ] &&
	   [ "$(stat -c %s "$tmp/big.raw")" = 10737418240 ] &&
	   qemu-img compare -q "$img" "$tmp/big.raw" &&
	   qemu-img compare -q "$img" "$tmp/big2.qcow2"; then
		pass "sparse: 10 GiB with 3 MiB of data: raw takes $r KiB, qcow2 $q KiB on disk (< 1%); identical"
	else
		fail "sparse: raw $r KiB, qcow2 $q KiB (limit $limit): $(head -c 200 "$tmp/err")"
	fi
	rm -f "$tmp/big.raw" "$tmp/big2.qcow2"
}

# refused NAME ARGS...: exit 2, one line, no $tmp/out.* made.
refused() {
	local name=$1 rc
	shift
	rm -f "$tmp"/out.*
	"$SQUEEZE" img convert "$@" >/dev/null 2>"$tmp/err"
	rc=$?
	if [ $rc -eq 2 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] &&
	   ! ls "$tmp"/out.* "$tmp"/.img-* >/dev/null 2>&1; then
		pass "refused: $name (exit 2, one line, nothing created)"
	else
		fail "refused: $name: exit $rc: $(head -c 200 "$tmp/err")"
	fi
}

refusals() {
	qemu-img create -q -f qcow2 "$tmp/q.qcow2" 1M
	refused "a qcow2 source without -f" "$tmp/q.qcow2" "$tmp/out.raw"
	refused "-O vdi" -O vdi "$tmp/q.qcow2" "$tmp/out.raw"
	refused "-c without -O qcow2" -f qcow2 -c "$tmp/q.qcow2" "$tmp/out.raw"
	refused "no such source" "$tmp/none" "$tmp/out.raw"
	refused "the source onto itself" -f qcow2 "$tmp/q.qcow2" "$tmp/q.qcow2"
	refused "cluster_size=3k" -f qcow2 -O qcow2 -o cluster_size=3k "$tmp/q.qcow2" "$tmp/out.q"
	refused "-t directsync" -t directsync -f qcow2 "$tmp/q.qcow2" "$tmp/out.raw"
}

# syncs ARGS...: how many fsync/fdatasync calls `img convert ARGS` made.
syncs() {
	strace -f -qq -e trace=fsync,fdatasync -o "$tmp/st" \
		"$SQUEEZE" img convert "$@" >/dev/null 2>"$tmp/err" || echo fail
	grep -c 'sync(' "$tmp/st"
}

# traced_source WHAT PATH SIZE: a raw image of test patterns (SIZE 24M at
# least) at PATH for a case that counts system calls; 1, and WHAT is
# SKIPPED without strace (or FAILs without its image).
traced_source() {
	if ! command -v strace >/dev/null; then
		skip "$1: strace not installed (Debian strace) to count system calls"
		return 1
	fi
	if ! qemu-img create -q -f raw "$2" "$3" || ! patterns "$2" raw; then
		fail "$1: cannot make the source image"
		return 1
	fi
}

# -t unsafe: the same images, and not one fsync or fdatasync (the default
# makes several, so the count can tell).
unsafe() {
	local src=$tmp/u.raw def uns

	traced_source "-t unsafe" "$src" 24M || return
	rm -f "$tmp"/uo.*
	def=$(syncs -O qcow2 "$src" "$tmp/uo.w.qcow2")
	uns="$(syncs -t unsafe -O qcow2 "$src" "$tmp/uo.qcow2")"
	uns+=" $(syncs -t unsafe -O qcow2 -c "$src" "$tmp/uo.c.qcow2")"
	uns+=" $(syncs -t unsafe -f qcow2 "$tmp/uo.qcow2" "$tmp/uo.raw")"
	if [ "$def" -gt 0 ] && [ "$uns" = "0 0 0" ] &&
	   qemu-img compare -q "$src" "$tmp/uo.qcow2" &&
	   qemu-img compare -q "$src" "$tmp/uo.c.qcow2" &&
	   cmp -s "$src" "$tmp/uo.raw" &&
	   qemu-img check -q "$tmp/uo.qcow2" && qemu-img check -q "$tmp/uo.c.qcow2" &&
	   ! ls "$tmp"/.img-* >/dev/null 2>&1; then
		pass "-t unsafe: to qcow2, compressed, to raw: identical, check clean, no fsync/fdatasync (the default made $def)"
	else
		fail "-t unsafe: syncs $uns (default $def): $(head -c 200 "$tmp/err")"
	fi
	rm -f "$tmp"/uo.* "$src"
}

# -t unsafe leaves the data to the kernel's writeback, so nothing may start
# it early: a new qcow2 file is never truncated to size 0 (on ext4 that
# makes the last close() write back everything written since, which took
# a second per 2 GiB), and the copy makes no io_uring (its buffered writes
# each go through a kernel worker thread; direct syscalls were faster).
no_early_writeback() {
	local src=$tmp/w.raw calls

	traced_source "-t unsafe writeback" "$src" 24M || return
	rm -f "$tmp"/wo.*
	strace -f -qq -e trace=ftruncate,io_uring_setup -o "$tmp/st" \
		"$SQUEEZE" img convert -t unsafe -O qcow2 "$src" "$tmp/wo.qcow2" \
		>/dev/null 2>"$tmp/err"
	calls=$(grep -cE 'ftruncate\([0-9]+, 0\)|io_uring_setup' "$tmp/st")
	if [ "$calls" -eq 0 ] && grep -q 'ftruncate(' "$tmp/st" &&
	   qemu-img compare -q "$src" "$tmp/wo.qcow2"; then
		pass "-t unsafe: no truncation to 0 and no io_uring, the image identical"
	else
		fail "-t unsafe: $calls truncations to 0 or io_uring set-ups: $(grep -E ', 0\)|io_uring' "$tmp/st" | head -n 3)"
	fi
	rm -f "$tmp"/wo.* "$src"
}

interrupted() {
	local img=$tmp/int.qcow2 pid rc
	qemu-img create -q -f raw "$tmp/int.raw" 2G
	qio -f raw -c 'write -P 7 0 1536M' "$tmp/int.raw"
	"$SQUEEZE" img convert -O qcow2 -c "$tmp/int.raw" "$img" 2>/dev/null &
	pid=$!
	sleep 1
	kill -INT $pid
	wait $pid
	rc=$?
	if [ $rc -eq 130 ] && [ ! -e "$img" ] && ! ls "$tmp"/.img-* >/dev/null 2>&1; then
		pass "interrupted: SIGINT mid-convert: exit 130, no output, no temporary file"
	else
		fail "interrupted: exit $rc; left: $(ls -a "$tmp" | grep -E 'int.qcow2|.img-' | tr '\n' ' ')"
	fi
	rm -f "$tmp/int.raw"
}

vmdk() {
	local s bad="" v vs
	qemu-img create -q -f raw "$tmp/v.raw" 24M
	patterns "$tmp/v.raw" raw
	qio -f raw -c 'write -P 0x44 24574k 2k' "$tmp/v.raw"
	for s in monolithicSparse monolithicFlat twoGbMaxExtentSparse \
		 twoGbMaxExtentFlat streamOptimized; do
		qemu-img convert -f raw -O vmdk -o subformat=$s "$tmp/v.raw" "$tmp/$s.vmdk"
		v=$(qemu-img info --output=json "$tmp/$s.vmdk" | grep -o '"virtual-size": [0-9]*' | head -n 1)
		vs=$("$SQUEEZE" img info --json "$tmp/$s.vmdk" | grep -o '"virtual-size": [0-9]*')
		conv -f vmdk "$tmp/$s.vmdk" "$tmp/vo.raw" && cmp -s "$tmp/v.raw" "$tmp/vo.raw" &&
		conv -f vmdk -O qcow2 "$tmp/$s.vmdk" "$tmp/vo.qcow2" &&
		qemu-img compare -q -f vmdk "$tmp/$s.vmdk" "$tmp/vo.qcow2" &&
		[ -n "$v" ] && [ "$v" = "$vs" ] &&
		"$SQUEEZE" img info "$tmp/$s.vmdk" | grep -q "create type: $s" ||
			bad="$bad $s"
	done
	if [ -z "$bad" ]; then
		pass "vmdk: 5 subformats convert to raw and qcow2 identically; img info agrees with qemu-img"
	else
		fail "vmdk:$bad: $(head -c 200 "$tmp/err")"
	fi
}

# vmdk_bad NAME FILE TEXT [STATUS]: convert exits 2 saying TEXT; `squeeze
# run` exits 2 with that one line, or (a bad grain: only that read fails)
# the guest's read fails (STATUS) and squeeze says TEXT.
vmdk_bad() {
	local rc rc2=${4:-2} lines=1
	"$SQUEEZE" img convert -f vmdk "$2" "$tmp/out.raw" >/dev/null 2>"$tmp/err"
	rc=$?
	if [ -e /dev/kvm ] && [ -f "$GUESTS/blk.elf" ]; then
		timeout 20 "$SQUEEZE" run --kernel "$GUESTS/blk.elf" --memory 64M \
			--console none --disk "$2,format=vmdk,readonly=on" \
			</dev/null >/dev/null 2>"$tmp/err2"
		rc2=$?
		grep -q -- "$3" "$tmp/err2" || rc2=99
	fi
	[ -n "${4:-}" ] && lines=2	# the log line, then convert's own
	if [ $rc -eq 2 ] && [ $rc2 -eq "${4:-2}" ] && grep -q -- "$3" "$tmp/err" &&
	   [ "$(wc -l <"$tmp/err")" -eq $lines ] && [ ! -e "$tmp/out.raw" ]; then
		pass "vmdk malformed: $1: convert exits 2, run ${4:+has the read fail, }exits $rc2, saying why"
	else
		fail "vmdk malformed: $1: convert $rc, run $rc2: $(head -c 200 "$tmp/err")"
	fi
}

vmdk_malformed() {
	local d=$tmp/desc.vmdk
	sed 's|"twoGbMaxExtentFlat-f001.vmdk"|"../etc/passwd"|' \
		"$tmp/twoGbMaxExtentFlat.vmdk" >"$d"
	vmdk_bad "an extent path climbing out" "$d" "climbs out of the image's directory"
	sed 's|"twoGbMaxExtentFlat-f001.vmdk"|"/etc/passwd"|' \
		"$tmp/twoGbMaxExtentFlat.vmdk" >"$d"
	vmdk_bad "an absolute extent path" "$d" "is an absolute path"
	if [ -e /dev/kvm ] && [ -f "$GUESTS/blk.elf" ]; then
		mkdir -p "$tmp/desc"
		sed "s|\"twoGbMaxExtentFlat-f001.vmdk\"|\"$tmp/twoGbMaxExtentFlat-f001.vmdk\"|" \
			"$tmp/twoGbMaxExtentFlat.vmdk" >"$tmp/desc/abs.vmdk"
		timeout 60 "$SQUEEZE" run --kernel "$GUESTS/blk.elf" --memory 64M \
			--console stdio --disk "$tmp/desc/abs.vmdk,format=vmdk,readonly=on,backing-dir=$tmp" \
			</dev/null 2>&1 | tr -d '\r' | grep -q "sector 0: ab ab ab" &&
			pass "vmdk: an absolute extent name inside backing-dir= is followed" ||
			fail "vmdk: backing-dir= does not let an extent in"
	fi
	cp "$tmp/monolithicSparse.vmdk" "$tmp/gt.vmdk"
	python3 "$POKE" "$tmp/gt.vmdk" gt_eof
	vmdk_bad "a grain offset past the end" "$tmp/gt.vmdk" "past the end of the file" 45
	cp "$tmp/monolithicSparse.vmdk" "$tmp/cap.vmdk"
	python3 "$POKE" "$tmp/cap.vmdk" capacity
	vmdk_bad "a huge capacity" "$tmp/cap.vmdk" "too large"
	vmdk_bad "not a vmdk" "$tmp/v.raw" "not a VMDK image"
}

# The tiny blk guest on a vmdk disk: sector 0 read right, writes refused.
vmdk_guest() {
	local out=$tmp/g.out rc
	if [ ! -e /dev/kvm ] || [ ! -f "$GUESTS/blk.elf" ]; then
		skip "vmdk guest: needs /dev/kvm and build/guests/blk.elf"
		return
	fi
	timeout 60 "$SQUEEZE" run --kernel "$GUESTS/blk.elf" --memory 64M --console stdio \
		--disk "$tmp/streamOptimized.vmdk,format=vmdk,readonly=on" </dev/null >"$out" 2>&1
	rc=$?
	timeout 20 "$SQUEEZE" run --kernel "$GUESTS/blk.elf" --memory 64M --console none \
		--disk "$tmp/streamOptimized.vmdk,format=vmdk" </dev/null >/dev/null 2>"$tmp/err"
	if [ $rc -eq 47 ] && tr -d '\r' <"$out" | grep -q "sector 0: ab ab ab ab" &&
	   [ $? -eq 0 ] && grep -q "read-only" "$tmp/err" &&
	   [ "$(wc -l <"$tmp/err")" -eq 1 ]; then
		pass "vmdk guest: sector 0 read under KVM, the write refused (status 47); a writable vmdk disk refused with one line"
	else
		fail "vmdk guest: status $rc: $(tr -d '\r' <"$out" | grep blk: | head -n 3 | tr '\n' ' ')"
	fi
}

matrix
chain
sparse
refusals
unsafe
no_early_writeback
interrupted
vmdk
vmdk_malformed
vmdk_guest
t_end
