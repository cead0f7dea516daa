#!/usr/bin/env bash
# squeeze img check and resize against the oracle, qemu-img: clean images
# check clean; hand-corrupted and randomly corrupted images get the same
# exit status and counts as `qemu-img check`; repairs leave images qemu-img
# finds clean (or refuse); grown images check clean and a guest sees the
# old data and zeros after them; an image a running VM has open is refused
# by check, convert and resize; and two short libFuzzer runs.
set -u
. "$(dirname "$0")/lib.sh"
t_begin img

tmp=$(mktemp -d /var/tmp/suite-img.XXXXXX)
vm=""
cleanup() {
	[ -n "$vm" ] && kill "$vm" 2>/dev/null && wait "$vm" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
POKE=$ROOT/tests/integration/qcow2_poke.py

if ! command -v qemu-img >/dev/null || ! command -v qemu-io >/dev/null; then
	skip "qemu-img/qemu-io not installed (Debian qemu-utils): the oracle is missing"
	t_end
	exit
fi
qio() { qemu-io "$@" >/dev/null 2>&1; }

# counts FILE.json: "corruptions leaks check-errors allocated fragmented".
counts() {
	python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
print(*(d.get(k, 0) for k in ("corruptions", "leaks", "check-errors",
	"allocated-clusters", "fragmented-clusters", "compressed-clusters",
	"image-end-offset", "total-clusters")))' "$1" 2>/dev/null
}

# same_as_qemu NAME IMG: exit status and JSON counts equal qemu-img's.
same_as_qemu() {
	local name=$1 img=$2 q s qc sc
	qemu-img check --output=json "$img" >"$tmp/q.json" 2>/dev/null
	q=$?
	"$SQUEEZE" img check --json "$img" >"$tmp/s.json" 2>/dev/null
	s=$?
	qc=$(counts "$tmp/q.json")
	sc=$(counts "$tmp/s.json")
	if [ "$q" = "$s" ] && [ -n "$qc" ] && [ "$qc" = "$sc" ]; then
		return 0
	fi
	echo "$name: qemu-img exit $q ($qc), squeeze exit $s ($sc)"
	return 1
}

make_img() {	# make_img IMG OPTS SIZE: 256 KiB of data at 0
	qemu-img create -q -f qcow2 -o "$2" "$1" "$3"
	qio -c 'write -P 1 0 256k' "$1"
}

clean_images() {
	local compat cs img=$tmp/c.qcow2 bad=0 n=0
	for compat in 0.10 1.1; do
		for cs in 512 64k 2M; do
			qemu-img create -q -f qcow2 -o compat=$compat,cluster_size=$cs "$img" 16M
			qio -c 'write -P 0xab 0 1M' -c 'write -P 0x11 5000k 77k' \
				-c 'write -z 12M 2M' -c 'write -P 0x22 15M 1M' "$img"
			n=$((n + 1))
			same_as_qemu "compat $compat, $cs" "$img" || bad=1
			[ "$compat/$cs" = 1.1/2M ] && continue
			qemu-img convert -c -O qcow2 -o compat=$compat,cluster_size=$cs "$img" "$tmp/cc.qcow2"
			n=$((n + 1))
			same_as_qemu "compressed, compat $compat, $cs" "$tmp/cc.qcow2" || bad=1
		done
	done
	qemu-img snapshot -c snap "$img"
	qio -c 'write -P 0x33 0 128k' "$img"
	n=$((n + 1))
	same_as_qemu "with an internal snapshot" "$img" || bad=1
	if [ $bad -eq 0 ]; then
		pass "check: $n clean images (v2/v3, 512/64K/2M clusters, compressed, a snapshot): exit 0, counts equal qemu-img's"
	else
		fail "check: clean images differ from qemu-img"
	fi
}

# The four corruptions the issue names, and what repair does to them.
corruptions() {
	local c want img=$tmp/x.qcow2 rc
	for c in "leak 3 64M" "rc0 2 64M" "eof 2 64M" "l1ovl 2 2G"; do
		set -- $c
		make_img "$img" compat=1.1 "$3"
		python3 "$POKE" "$img" "$1"
		"$SQUEEZE" img check "$img" >/dev/null 2>&1
		rc=$?
		if [ $rc -eq "$2" ] && same_as_qemu "$1" "$img"; then
			pass "check: $1: exit $2 with qemu-img's class and counts"
		else
			fail "check: $1: exit $rc, want $2"
		fi
	done
	make_img "$img" compat=1.1 64M
	python3 "$POKE" "$img" leak
	"$SQUEEZE" img check -r leaks "$img" >/dev/null 2>&1
	if qemu-img check -q "$img"; then pass "check -r leaks: qemu-img check then finds it clean"
	else fail "check -r leaks: qemu-img still finds problems"; fi
	make_img "$img" compat=1.1 64M
	python3 "$POKE" "$img" rc0
	"$SQUEEZE" img check -r all "$img" >/dev/null 2>&1
	rc=$?
	if [ $rc -eq 0 ] && qemu-img check -q "$img" &&
	   qemu-io -c 'read -P 1 0 256k' "$img" | grep -q "^read"; then
		pass "check -r all: a zero refcount under a live entry raised; clean, data intact"
	else
		fail "check -r all on rc0: exit $rc"
	fi
	make_img "$img" compat=1.1 64M
	python3 "$POKE" "$img" eof
	sum=$(qemu-img map --output=json "$img" 2>/dev/null | md5sum)
	"$SQUEEZE" img check -r all "$img" >"$tmp/out" 2>&1
	rc=$?
	if [ $rc -eq 2 ] && grep -q "past the end of the file" "$tmp/out" &&
	   [ "$(qemu-img map --output=json "$img" 2>/dev/null | md5sum)" = "$sum" ]; then
		pass "check -r all: an entry past the end stays a corruption; no mapping rewritten"
	else
		fail "check -r all on eof: exit $rc"
	fi
	make_img "$img" compat=1.1 64M
	python3 "$POKE" "$img" rbfar
	size=$(stat -c %s "$img")
	sum=$(md5sum <"$img")
	"$SQUEEZE" img check -r all "$img" >"$tmp/out" 2>&1
	rc=$?
	if [ $rc -eq 2 ] && [ "$(stat -c %s "$img")" = "$size" ] &&
	   [ "$(md5sum <"$img")" = "$sum" ] &&
	   grep -q "its refcount block is outside the file" "$tmp/out" &&
	   same_as_qemu rbfar "$img"; then
		pass "check -r all: a refcount block 1 TiB past the end is not written (file unchanged, $size bytes); counts equal qemu-img's"
	else
		fail "check -r all on rbfar: exit $rc, $(stat -c %s "$img") bytes (was $size)"
	fi
	make_img "$img" compat=1.1 2G
	python3 "$POKE" "$img" l1ovl
	"$SQUEEZE" img check -r all "$img" >"$tmp/out" 2>&1
	rc=$?
	if [ $rc -eq 2 ] && grep -q "^overlap: " "$tmp/out" && grep -q "^refused: " "$tmp/out"; then
		pass "check -r all: an L1 entry over the refcount table named as an overlap, repair refused"
	else
		fail "check -r all on l1ovl: exit $rc: $(head -c 300 "$tmp/out")"
	fi
	make_img "$img" compat=1.1 64M
	python3 "$POKE" "$img" dirty
	if "$SQUEEZE" img check "$img" | grep -q "dirty bit" &&
	   "$SQUEEZE" img check -r all "$img" >/dev/null &&
	   qemu-img info "$img" | grep -q "corrupt: false" &&
	   [ "$(od -An -t x1 -j 79 -N 1 "$img" | tr -d ' ')" = 00 ]; then
		pass "check: the dirty bit reported, and cleared by a clean repair"
	else
		fail "check: dirty bit"
	fi
}

# Random bit flips in the metadata: qemu-img and squeeze must agree.
random_flips() {
	local i opts bad=0 img=$tmp/r.qcow2 n=12
	for i in $(seq 1 $n); do
		case $((i % 4)) in
		0) opts=compat=1.1 ;; 1) opts=compat=0.10,cluster_size=4k ;;
		2) opts=cluster_size=512 ;; 3) opts=compat=1.1,cluster_size=2M ;;
		esac
		qemu-img create -q -f qcow2 -o $opts "$img" 16M
		qio -c 'write -P 1 0 1M' -c 'write -P 2 5M 300k' -c 'write -z 2M 64k' "$img"
		python3 "$POKE" "$img" flips $((i % 3 + 1)) "$i"
		same_as_qemu "flips, seed $i ($opts)" "$img" || bad=$((bad + 1))
	done
	if [ $bad -eq 0 ]; then
		pass "check: $n randomly corrupted images: same exit status and counts as qemu-img"
	else
		fail "check: $bad of $n randomly corrupted images differ from qemu-img"
	fi
}

resize_cases() {
	local compat cs img=$tmp/g.qcow2 bad=""
	for compat in 0.10 1.1; do
		for cs in 4k 64k; do
			qemu-img create -q -f qcow2 -o compat=$compat,cluster_size=$cs "$img" 1M
			qio -c 'write -P 0x5a 0 1M' "$img"
			"$SQUEEZE" img resize -f qcow2 "$img" +5G >/dev/null 2>&1 &&
			qemu-img check -q "$img" &&
			qemu-img info --output=json "$img" | grep -q '"virtual-size": 5369757696' &&
			[ "$(qemu-io -c 'read -P 0x5a 0 1M' -c 'read -P 0 1M 1M' \
				-c 'read -P 0 5G 1M' "$img" | grep -c '^read')" = 3 ] ||
				bad="$bad $compat/$cs"
		done
	done
	if [ -z "$bad" ]; then
		pass "resize +5G (v2, v3; 4K clusters grow the L1 table): qemu-img check clean, info shows the size, old data and zeros"
	else
		fail "resize: grown images wrong:$bad"
	fi
	if ! "$SQUEEZE" img resize -f qcow2 "$img" 512K 2>"$tmp/err" &&
	   grep -q "allocated at byte 524288" "$tmp/err" &&
	   "$SQUEEZE" img resize -f qcow2 "$img" 2M >/dev/null &&
	   qemu-img info --output=json "$img" | grep -q '"virtual-size": 2097152' &&
	   qemu-img check -q "$img"; then
		pass "resize: shrinking over data refused; over nothing allowed; check clean"
	else
		fail "resize: shrink: $(head -c 200 "$tmp/err")"
	fi
	qemu-img create -q -f raw "$tmp/base.raw" 64M
	qio -f raw -c 'write -P 9 0 64M' "$tmp/base.raw"
	qemu-img create -q -f qcow2 -b base.raw -F raw "$img" 32M
	if "$SQUEEZE" img resize -f qcow2 "$img" 100M >/dev/null &&
	   [ "$(qemu-io -c 'read -P 9 0 32M' -c 'read -P 0 32M 68M' "$img" | grep -c '^read')" = 2 ]; then
		pass "resize: over a longer backing file the new space reads as zeros"
	else
		fail "resize: backing file data shows through the new space"
	fi
	truncate -s 10M "$tmp/r.raw"
	echo data | dd of="$tmp/r.raw" bs=1 seek=5M conv=notrunc status=none
	if ! "$SQUEEZE" img resize "$tmp/r.raw" 4M 2>/dev/null &&
	   "$SQUEEZE" img resize "$tmp/r.raw" +1G >/dev/null &&
	   [ "$(stat -c %s "$tmp/r.raw")" = $((10 * 1048576 + 1073741824)) ] &&
	   ! "$SQUEEZE" img resize "$img" +1M 2>/dev/null; then
		pass "resize: raw grows, refuses to cut data; a qcow2 file without -f is refused"
	else
		fail "resize: raw"
	fi
}

# A guest under KVM on a grown image: old data, then zeros.
resize_guest() {
	local img=$tmp/vm.qcow2 out
	if [ ! -e /dev/kvm ] || [ ! -f "$GUESTS/blk.elf" ]; then
		skip "resize guest: needs /dev/kvm and build/guests/blk.elf"
		return
	fi
	qemu-img create -q -f qcow2 "$img" 1M
	qio -c 'write -P 0x5a 0 1M' "$img"
	"$SQUEEZE" img resize -f qcow2 "$img" 64M >/dev/null
	for t in 129025 1; do	# sector 2047 (old), 131071 (new)
		timeout 60 "$SQUEEZE" run --kernel "$GUESTS/blk.elf" --memory 64M \
			--console stdio --cmdline "tail=$t" \
			--disk "$img,format=qcow2" </dev/null 2>&1 | tr -d '\r' >"$tmp/g$t"
	done
	out=$(cat "$tmp/g129025" "$tmp/g1")
	if grep -q "131072 sectors" <<<"$out" &&
	   grep -q "sector 2047: data" <<<"$out" &&
	   grep -q "sector 131071: zeros" <<<"$out" &&
	   grep -q "sector 0: 5a 5a 5a" <<<"$out" && qemu-img check -q "$img"; then
		pass "resize guest: 131072 sectors, old data at 0 and 2047, zeros at the new end; check clean"
	else
		fail "resize guest: $(grep blk: <<<"$out" | tr '\n' ' ' | head -c 300)"
	fi
}

# An image a running VM holds: check, convert, resize refuse it.
in_use() {
	local img=$tmp/u.qcow2 c1 c2 c3 i
	if [ ! -e /dev/kvm ] || [ ! -f "$GUESTS/serial_irq.elf" ]; then
		skip "in use: needs /dev/kvm and build/guests/serial_irq.elf"
		return
	fi
	make_img "$img" compat=1.1 64M
	"$SQUEEZE" run --kernel "$GUESTS/serial_irq.elf" --memory 64M \
		--console none --disk "$img,format=qcow2" </dev/null >/dev/null 2>&1 &
	vm=$!
	for i in $(seq 50); do
		grep -q OFDLCK /proc/$vm/fdinfo/* 2>/dev/null && break
		sleep 0.05
	done
	"$SQUEEZE" img check "$img" >/dev/null 2>"$tmp/e1"; c1=$?
	"$SQUEEZE" img convert -f qcow2 "$img" "$tmp/o.raw" 2>"$tmp/e2"; c2=$?
	"$SQUEEZE" img resize -f qcow2 "$img" +1M 2>"$tmp/e3"; c3=$?
	kill "$vm" 2>/dev/null
	wait "$vm" 2>/dev/null
	vm=""
	if [ $c1 -eq 1 ] && [ $c2 -eq 2 ] && [ $c3 -eq 2 ] &&
	   grep -q "in use" "$tmp/e1" && grep -qE "in use|open read-write" "$tmp/e2" &&
	   grep -q "in use" "$tmp/e3" && [ ! -e "$tmp/o.raw" ] &&
	   "$SQUEEZE" img check -q "$img"; then
		pass "in use: check (1), convert (2) and resize (2) refuse an image a running VM holds"
	else
		fail "in use: check $c1, convert $c2, resize $c3: $(cat "$tmp/e1" "$tmp/e2" | head -c 300)"
	fi
}

fuzz_one() {	# fuzz_one TARGET CORPUS: 20 s
	timeout 90 "$ROOT/build/fuzz-img/$1" -max_total_time=20 -rss_limit_mb=2048 \
		-timeout=10 "$tmp/$1.new" "$2" >"$tmp/$1.log" 2>&1
}

fuzz() {
	local qc=$tmp/fz-qcow2 vc=$tmp/fz-vmdk p1 p2 r1 r2
	if ! command -v clang >/dev/null; then
		skip "fuzz: clang not installed"
		return
	fi
	if ! make -s -C "$ROOT" img-fuzz >/dev/null 2>"$tmp/err"; then
		fail "fuzz: cannot build: $(head -c 200 "$tmp/err")"
		return
	fi
	mkdir -p "$qc" "$vc" "$tmp/fuzz_qcow2_check.new" "$tmp/fuzz_vmdk.new"
	make_img "$qc/clean.qcow2" compat=1.1,cluster_size=512 1M
	make_img "$qc/v2.qcow2" compat=0.10,cluster_size=4k 1M
	for c in leak rc0 eof rbfar; do
		make_img "$qc/$c.qcow2" compat=1.1,cluster_size=4k 1M
		python3 "$POKE" "$qc/$c.qcow2" $c
	done
	qemu-img convert -c -O qcow2 -o cluster_size=4k "$qc/v2.qcow2" "$qc/comp.qcow2"
	qemu-img snapshot -c s "$qc/clean.qcow2"
	qemu-img create -q -f raw "$tmp/v.raw" 1M
	qio -f raw -c 'write -P 7 0 100k' "$tmp/v.raw"
	for s in monolithicSparse streamOptimized; do
		qemu-img convert -f raw -O vmdk -o subformat=$s "$tmp/v.raw" "$vc/$s.vmdk"
	done
	qemu-img convert -f raw -O vmdk -o subformat=twoGbMaxExtentFlat "$tmp/v.raw" "$tmp/flat.vmdk"
	cp "$tmp/flat.vmdk" "$vc/descriptor.vmdk"
	fuzz_one fuzz_qcow2_check "$qc" & p1=$!
	fuzz_one fuzz_vmdk "$vc" & p2=$!
	wait $p1; r1=$?
	wait $p2; r2=$?
	for t in fuzz_qcow2_check:$r1 fuzz_vmdk:$r2; do
		if [ "${t#*:}" -eq 0 ]; then
			pass "fuzz: ${t%:*}: $(grep -ao 'Done [0-9]* runs' "$tmp/${t%:*}.log") without a finding"
		else
			fail "fuzz: ${t%:*}: $(grep -a -m1 -E 'ERROR|SUMMARY|crash' "$tmp/${t%:*}.log")"
		fi
	done
}

clean_images
corruptions
random_flips
resize_cases
resize_guest
in_use
fuzz
t_end
