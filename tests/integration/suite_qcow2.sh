#!/usr/bin/env bash
# qcow2 against the oracle, qemu-img / qemu-io from Debian's qemu-utils:
# images qemu-img made read back right; random writes, discards and
# flushes leave an image `qemu-img check` accepts and `qemu-img compare`
# finds identical to a model; SIGKILL at random moments loses nothing
# flushed and corrupts nothing; bad images are refused with one line;
# `squeeze img` agrees with `qemu-img info`; a short libFuzzer run; and the
# tiny blk guest under KVM on a qcow2 overlay.
set -u
. "$(dirname "$0")/lib.sh"
t_begin qcow2

H=$ROOT/build/tests/qcow2/qcow2_harness
FUZZ=$ROOT/build/fuzz-qcow2/fuzz_qcow2
tmp=$(mktemp -d /var/tmp/suite-qcow2.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

if ! command -v qemu-img >/dev/null || ! command -v qemu-io >/dev/null; then
	skip "qemu-img/qemu-io not installed (Debian qemu-utils): the oracle is missing"
	t_end
	exit
fi
make -s -C "$ROOT" "${H#"$ROOT"/}" >/dev/null 2>&1
if [ ! -x "$H" ]; then
	fail "cannot build $H"
	t_end
	exit
fi

qio() { qemu-io "$@" >/dev/null 2>&1; }

# read_case NAME IMG: squeeze's reading equals qemu-img convert -O raw.
read_case() {
	local name=$1 img=$2
	if qemu-img convert -O raw "$img" "$tmp/ref.raw" &&
	   "$H" dump "$img" "$tmp/out.raw" 2>"$tmp/err" &&
	   cmp -s "$tmp/ref.raw" "$tmp/out.raw"; then
		pass "read: $name"
	else
		fail "read: $name: $(head -c 300 "$tmp/err")"
	fi
}

patterns() {
	qio -c 'write -P 0xab 0 1M' -c 'write -P 0x11 5000k 77k' \
		-c 'write -z 32M 1M' -c 'write -P 0x22 63M 1M' \
		-c 'write -P 0x33 40M 3584' "$1"
}

reads() {
	local compat cs img=$tmp/r.qcow2
	for compat in 0.10 1.1; do
		for cs in 4k 64k 2M; do
			qemu-img create -q -f qcow2 -o compat=$compat,cluster_size=$cs "$img" 64M
			patterns "$img"
			read_case "compat $compat, $cs clusters" "$img"
			qemu-img convert -c -O qcow2 -o compat=$compat,cluster_size=$cs \
				"$img" "$tmp/c.qcow2"
			read_case "convert -c, compat $compat, $cs clusters" "$tmp/c.qcow2"
		done
	done
	qemu-img create -q -f qcow2 -o refcount_bits=1,cluster_size=512 "$img" 8M
	qio -c 'write -P 7 1000k 100k' "$img"
	read_case "refcount_bits=1, 512-byte clusters" "$img"
}

# A raw base, a qcow2 middle, a v2 4 KiB top: a chain of three.
make_chain() {
	qemu-img create -q -f raw "$tmp/base.raw" 64M
	qio -f raw -c 'write -P 0x5a 0 64M' "$tmp/base.raw"
	qemu-img create -q -f qcow2 -b base.raw -F raw "$tmp/mid.qcow2"
	qio -c 'write -P 0x33 1M 3M' -c 'write -z 10M 1M' "$tmp/mid.qcow2"
	qemu-img create -q -f qcow2 -o compat=0.10,cluster_size=4k \
		-b mid.qcow2 -F qcow2 "$tmp/top.qcow2"
	qio -c 'write -P 0x77 2M 100k' -c 'write -P 0x78 20M 1M' "$tmp/top.qcow2"
}

backing_reads() {
	make_chain
	read_case "raw backing file" "$tmp/mid.qcow2"
	read_case "chain of three (relative names)" "$tmp/top.qcow2"
	qemu-img create -q -f qcow2 -b "$tmp/base.raw" -F raw "$tmp/short.qcow2" 100M
	# An absolute backing name: followed only inside backing-dir=DIR.
	export BACKING_DIR=$tmp
	read_case "backing file shorter than the image" "$tmp/short.qcow2"
	unset BACKING_DIR
}

# random_case NAME IMG SEED N: model check, qemu-img check and compare.
random_case() {
	local name=$1 img=$2 out rc
	if ! "$H" random "$img" "$tmp/model.raw" "$3" "$4" 2>"$tmp/err"; then
		fail "random: $name: $(head -c 300 "$tmp/err")"
		return
	fi
	out=$(qemu-img check "$img" 2>&1)
	rc=$?
	if [ $rc -ne 0 ]; then
		fail "random: $name: qemu-img check exit $rc: $(echo "$out" | head -n 3 | tr '\n' ' ')"
	elif ! qemu-img compare -q -f qcow2 -F raw "$img" "$tmp/model.raw"; then
		fail "random: $name: qemu-img compare finds a difference to the model"
	else
		pass "random: $name: $4 ops, check clean, identical to the model"
	fi
}

randoms() {
	local img=$tmp/w.qcow2 sums
	qemu-img create -q -f qcow2 "$img" 64M
	random_case "compat 1.1, 64k clusters" "$img" 1 10000
	qemu-img create -q -f qcow2 -o compat=0.10,cluster_size=2M "$img" 64M
	random_case "compat 0.10, 2M clusters" "$img" 2 3000
	qemu-img create -q -f qcow2 -o cluster_size=512 "$img" 32M
	random_case "512-byte clusters (refcount table grows)" "$img" 3 3000
	qemu-img create -q -f qcow2 -o refcount_bits=1,cluster_size=1k "$img" 16M
	random_case "refcount_bits=1" "$img" 4 2000
	qemu-img create -q -f qcow2 -o refcount_bits=64,cluster_size=4k "$img" 16M
	random_case "refcount_bits=64" "$img" 5 2000
	make_chain
	sums=$(cat "$tmp/base.raw" "$tmp/mid.qcow2" | sha256sum)
	random_case "v2 top of a chain of three (copy-on-write)" "$tmp/top.qcow2" 6 10000
	if [ "$(cat "$tmp/base.raw" "$tmp/mid.qcow2" | sha256sum)" = "$sums" ]; then
		pass "random: backing files unchanged"
	else
		fail "random: a backing file changed"
	fi
	qemu-img convert -c -O qcow2 "$tmp/top.qcow2" "$tmp/c.qcow2"
	random_case "compressed image (writes decompress, refcounts drop)" \
		"$tmp/c.qcow2" 7 1000
}

# SIGKILL the writer 20 times; check and verify the flushed blocks.
crash() {
	local img=$tmp/crash.qcow2 i pid rc bad=0 leaks=0 msg=""
	qemu-img create -q -f qcow2 "$img" 32M
	qemu-img convert -O raw "$img" "$tmp/prev.raw"
	for i in $(seq 1 20); do
		"$H" crash "$img" "$tmp/log" "$i" 2>/dev/null &
		pid=$!
		sleep "0.$((RANDOM % 4 + 1))"
		kill -9 "$pid"
		wait "$pid" 2>/dev/null
		qemu-img check "$img" >"$tmp/check" 2>&1
		rc=$?
		[ $rc -eq 3 ] && leaks=$((leaks + 1))
		if [ $rc -ne 0 ] && [ $rc -ne 3 ]; then
			bad=1 msg="kill $i: qemu-img check exit $rc: $(head -n 3 "$tmp/check" | tr '\n' ' ')"
			break
		fi
		qemu-img convert -O raw "$img" "$tmp/now.raw"
		if ! "$H" verify "$tmp/now.raw" "$tmp/log" "$tmp/prev.raw" \
			>/dev/null 2>"$tmp/err"; then
			bad=1 msg="kill $i: $(head -c 200 "$tmp/err")"
			break
		fi
		mv "$tmp/now.raw" "$tmp/prev.raw"
	done
	if [ $bad -eq 0 ]; then
		pass "crash: 20 x SIGKILL, no corruption ($leaks with leaks only), every flushed block intact"
	else
		fail "crash: $msg"
	fi
}

# refused NAME IMG FLAGS TEXT: open fails, exit 2, one line naming TEXT.
refused() {
	local name=$1 img=$2 flags=$3 text=$4 rc
	"$H" open "$img" "$flags" 2>"$tmp/err"
	rc=$?
	if [ $rc -eq 2 ] && grep -q -- "$text" "$tmp/err" &&
	   [ "$(wc -l <"$tmp/err")" -eq 1 ]; then
		pass "refused: $name"
	else
		fail "refused: $name: exit $rc, said '$(head -c 200 "$tmp/err")'"
	fi
}

# squeeze_refuses NAME DISK TEXT: `squeeze run` exits 2 saying TEXT.
squeeze_refuses() {
	local rc
	timeout 20 "$SQUEEZE" run --kernel "$GUESTS/blk.elf" --memory 64M \
		--console none --disk "$2" </dev/null >/dev/null 2>"$tmp/err"
	rc=$?
	if [ $rc -eq 2 ] && grep -q -- "$3" "$tmp/err" &&
	   [ "$(wc -l <"$tmp/err")" -eq 1 ]; then
		pass "squeeze run refuses: $1 (exit 2, one line)"
	else
		fail "squeeze run: $1: exit $rc, said '$(head -c 200 "$tmp/err")'"
	fi
}

# poke IMG OFFSET HEX...: overwrite bytes of a header.
poke() {
	local img=$1 off=$2
	shift 2
	# shellcheck disable=SC2059
	printf "$(printf '\\x%s' "$@")" |
		dd of="$img" bs=1 seek="$off" conv=notrunc status=none
}

refusals() {
	local img=$tmp/bad.qcow2
	qemu-img create -q -f qcow2 "$img" 16M
	poke "$img" 79 20			# incompatible bit 5
	refused "unknown incompatible bit" "$img" ro "incompatible feature bit 5"
	squeeze_refuses "unknown incompatible bit" "$img,format=qcow2" \
		"bad.qcow2: unknown incompatible feature bit 5"
	qemu-img create -q -f qcow2 "$img" 16M
	poke "$img" 79 02
	refused "corrupt bit" "$img" ro "corrupt"
	qemu-img create -q -f qcow2 "$img" 16M
	poke "$img" 79 01
	refused "dirty image read-write" "$img" "" "dirty"
	if "$H" open "$img" ro 2>/dev/null; then pass "dirty image read-only opens"
	else fail "dirty image read-only refused"; fi
	qemu-img create -q -f qcow2 "$img" 16M
	poke "$img" 35 01
	refused "encryption" "$img" ro "encryption"
	qemu-img create -q -f qcow2 -o data_file="$tmp/data.raw" "$img" 16M
	refused "external data file" "$img" ro "external data file"
	qemu-img create -q -f qcow2 -o extended_l2=on "$img" 16M
	refused "extended L2 entries" "$img" ro "extended L2"
	if qemu-img create -q -f qcow2 -o compression_type=zstd "$img" 16M 2>/dev/null; then
		refused "zstd compression" "$img" ro "compression type"
	else
		skip "zstd: this qemu-img cannot create zstd images"
	fi
	qemu-img create -q -f qcow2 -b "$tmp/base.raw" -F raw "$img"
	refused "backing=off with a backing file" "$img" nobacking "backing=off"
	squeeze_refuses "backing=off" "$img,format=qcow2,backing=off" \
		"has a backing file"
	qemu-img create -q -f qcow2 -b base.raw -F raw "$tmp/loop1.qcow2"
	qemu-img create -q -f qcow2 -u -b loop2.qcow2 -F qcow2 "$tmp/loop1.qcow2" 64M
	qemu-img create -q -f qcow2 -u -b loop1.qcow2 -F qcow2 "$tmp/loop2.qcow2" 64M
	refused "backing chain loop" "$tmp/loop1.qcow2" ro "loop"
	# No recorded backing format and a backing file with the qcow2 magic.
	qemu-img create -q -f qcow2 "$tmp/inner.qcow2" 64M
	qemu-img create -q -f qcow2 -u -b inner.qcow2 -F qcow2 "$img" 64M
	qemu-img rebase -q -u -b inner.qcow2 -F "" "$img" 2>/dev/null ||
		python3 - "$img" <<-'EOF'
		import struct, sys
		f = open(sys.argv[1], 'r+b'); b = bytearray(f.read(65536))
		hl = struct.unpack('>I', b[100:104])[0]
		t = struct.unpack('>I', b[hl:hl + 4])[0]
		if t == 0xe2792aca: b[hl:hl + 4] = b'\x12\x34\x56\x78'
		f.seek(0); f.write(b)
		EOF
	refused "unrecorded backing format, backing looks like qcow2" "$img" ro "records no backing format"
}

# Unknown autoclear bits are cleared before the first write.
autoclear() {
	local img=$tmp/ac.qcow2 byte
	qemu-img create -q -f qcow2 "$img" 16M
	poke "$img" 95 24			# autoclear bits 2 and 5
	"$H" open "$img" ro 2>/dev/null
	byte=$(od -An -t x1 -j 95 -N 1 "$img" | tr -d ' ')
	if [ "$byte" != 24 ]; then
		fail "autoclear: a read-only open changed the header"
		return
	fi
	"$H" open "$img" 2>/dev/null
	byte=$(od -An -t x1 -j 95 -N 1 "$img" | tr -d ' ')
	if [ "$byte" = 00 ] && qemu-img check -q "$img"; then
		pass "autoclear: unknown bits cleared on a read-write open"
	else
		fail "autoclear: byte 95 is $byte after a read-write open"
	fi
}

# Bad offsets inside an otherwise valid image: -EIO naming the table.
corrupt_offsets() {
	local img=$tmp/off.qcow2 l1 l2
	qemu-img create -q -f qcow2 -o cluster_size=4k "$img" 16M
	qio -c 'write -P 1 0 4k' "$img"
	l1=$((0x$(od -An -t x1 -j 40 -N 8 "$img" | tr -d ' \n')))
	l2=$((0x$(od -An -t x1 -j "$l1" -N 8 "$img" | tr -d ' \n') & 0xffffffffffe00))
	poke "$img" $((l2 + 8 * 3)) 80 00 00 00 7f 00 00 00	# entry 3: far away
	if "$H" dump "$img" "$tmp/out.raw" 2>"$tmp/err"; then
		fail "corrupt L2 entry: read succeeded"
	elif grep -q "L2 table entry 3 of L1 index 0 points at 0x7f000000 outside the file" "$tmp/err"; then
		pass "corrupt L2 entry: -EIO, logged with table and index"
	else
		fail "corrupt L2 entry: said '$(head -c 300 "$tmp/err")'"
	fi
}

# A raw image that starts with a qcow2 header naming a host file.
evil_raw() {
	local img=$tmp/evil.img rc
	echo "host secret" >"$tmp/secret"
	qemu-img create -q -f qcow2 -b "$tmp/secret" -F raw "$img" 1M
	timeout 20 "$SQUEEZE" run --kernel "$GUESTS/blk.elf" --memory 64M \
		--console none --disk "$img" </dev/null >/dev/null 2>"$tmp/err"
	rc=$?
	if [ $rc -eq 2 ] && grep -q "qcow2" "$tmp/err" &&
	   grep -q "format=" "$tmp/err"; then
		pass "raw image with a qcow2 header refused without format= (exit 2)"
	else
		fail "evil raw image: exit $rc, said '$(head -c 200 "$tmp/err")'"
	fi
}

img_json_field() {
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d.get(sys.argv[2], ""))' "$1" "$2"
}

img_cmds() {
	local f img=$tmp/new.qcow2 rc args ok
	if ! "$SQUEEZE" img info "$tmp" >/dev/null 2>&1 &&
	   "$SQUEEZE" img 2>&1 | grep -q "not built"; then
		skip "squeeze img: vmm/main.c does not call img_main() yet"
		return
	fi
	for args in "" "-o cluster_size=512" "-o cluster_size=2M" \
		    "-o compat=0.10,cluster_size=4k" "-b base.raw -F raw" \
		    "-b top.qcow2 -F qcow2" "-b base.raw"; do
		rm -f "$img"
		# shellcheck disable=SC2086,SC2046
		if ! (cd "$tmp" && "$SQUEEZE" img create $args new.qcow2 \
			$( [[ $args == *-b* ]] || echo 1G ) >/dev/null 2>"$tmp/err"); then
			fail "img create $args: $(head -c 200 "$tmp/err")"
			continue
		fi
		if ! qemu-img check -q "$img" 2>/dev/null; then
			fail "img create $args: qemu-img check fails"
			continue
		fi
		qemu-img info --output=json "$img" >"$tmp/q.json"
		"$SQUEEZE" img info --json "$img" >"$tmp/s.json"
		ok=1
		for f in virtual-size cluster-size format backing-filename \
			 backing-filename-format; do
			[ "$(img_json_field "$tmp/q.json" $f)" = \
			  "$(img_json_field "$tmp/s.json" $f)" ] || ok=0
		done
		if [ $ok -eq 1 ]; then pass "img create $args: check clean, info agrees"
		else fail "img create $args: img info differs from qemu-img info"; fi
	done
	"$SQUEEZE" img create "$tmp/new.qcow2" 1G 2>/dev/null >&2
	rm -f "$tmp/none.qcow2"
	(cd "$tmp" && "$SQUEEZE" img create -b top.qcow2 none.qcow2 2>"$tmp/err")
	rc=$?
	if [ $rc -eq 2 ] && [ ! -e "$tmp/none.qcow2" ] && grep -q -- "-F" "$tmp/err"; then
		pass "img create refuses to guess a qcow2 backing format, creates nothing"
	else
		fail "img create -b qcow2 without -F: exit $rc"
	fi
	"$SQUEEZE" img create "$tmp/x.qcow2" 12Q 2>/dev/null
	rc=$?
	if [ $rc -eq 2 ] && [ ! -e "$tmp/x.qcow2" ]; then
		pass "img create: bad size, exit 2, nothing created"
	else
		fail "img create: bad size: exit $rc"
	fi
	"$SQUEEZE" img info --json "$tmp/evil.img" >"$tmp/s.json" 2>/dev/null
	if [ "$(img_json_field "$tmp/s.json" format)" = qcow2 ]; then
		pass "img info reports the qcow2 magic of a file"
	else
		fail "img info on a qcow2-headed file"
	fi
	if "$SQUEEZE" img info "$tmp/secret" | grep -q "file format: raw"; then
		pass "img info: a file without the magic is raw"
	else
		fail "img info on a raw file"
	fi
}

fuzz() {
	local corpus=$ROOT/build/qcow2-fuzz-corpus o i=0
	if ! command -v clang >/dev/null; then
		skip "fuzz: clang not installed"
		return
	fi
	if ! make -s -C "$ROOT" "${FUZZ#"$ROOT"/}" >/dev/null 2>"$tmp/err"; then
		fail "fuzz: cannot build: $(head -c 200 "$tmp/err")"
		return
	fi
	rm -rf "$corpus"
	mkdir -p "$corpus" "$tmp/fuzz-new"
	for o in compat=0.10,cluster_size=512 cluster_size=512 cluster_size=4k \
		 cluster_size=4k,refcount_bits=1 cluster_size=1k,refcount_bits=64; do
		i=$((i + 1))
		qemu-img create -q -f qcow2 -o $o "$corpus/seed$i.qcow2" 1M
		qio -c 'write -P 1 0 8k' -c 'write -z 64k 4k' "$corpus/seed$i.qcow2"
	done
	qemu-img convert -c -O qcow2 -o cluster_size=512 "$corpus/seed2.qcow2" \
		"$corpus/compressed.qcow2"
	if timeout 60 "$FUZZ" -max_total_time=15 -rss_limit_mb=2048 -timeout=10 \
		"$tmp/fuzz-new" "$corpus" >"$tmp/fuzz.log" 2>&1; then
		pass "fuzz: $(grep -ao 'Done [0-9]* runs' "$tmp/fuzz.log") without a finding"
	else
		fail "fuzz: $(grep -a -m1 -E 'ERROR|SUMMARY|crash' "$tmp/fuzz.log")"
	fi
}

# The tiny blk guest under KVM on a qcow2 overlay of a raw file.
kvm_guest() {
	local base=$tmp/gbase.raw img=$tmp/g.qcow2 out=$tmp/g.out rc want got sum
	if [ ! -e /dev/kvm ] || [ ! -f "$GUESTS/blk.elf" ]; then
		skip "kvm guest: needs /dev/kvm and build/guests/blk.elf"
		return
	fi
	head -c 512 /dev/urandom >"$base"
	truncate -s 1M "$base"
	sum=$(sha256sum <"$base")
	want=$(od -An -t x1 -N 16 "$base" | tr -s ' \n' ' ' | sed 's/^ //; s/ $//')
	qemu-img create -q -f qcow2 -b gbase.raw -F raw "$img"
	timeout 60 "$SQUEEZE" run --kernel "$GUESTS/blk.elf" --memory 64M \
		--console stdio --disk "$img,format=qcow2" </dev/null >"$out" 2>&1
	rc=$?
	got=$(tr -d '\r' <"$out" | sed -n 's/^blk: sector 0: //p')
	qemu-img convert -O raw "$img" "$tmp/g.raw"
	if grep -q "qcow2 support not built" "$out"; then
		skip "kvm guest: disk_open() does not dispatch format=qcow2 yet"
	elif [ $rc -ne 33 ]; then
		fail "kvm guest: status $rc, expected 33: $(tail -n 2 "$out" | tr '\n' ' ')"
	elif [ "$got" != "$want" ]; then
		fail "kvm guest: sector 0 read as '$got', the backing file has '$want'"
	elif ! qemu-img check -q "$img"; then
		fail "kvm guest: qemu-img check fails after the guest ran"
	elif [ "$(sha256sum <"$base")" != "$sum" ]; then
		fail "kvm guest: the backing file changed"
	elif [ "$(dd if="$tmp/g.raw" bs=512 skip=1 count=1 2>/dev/null)" != \
	       "$(for _ in $(seq 32); do printf 'squeeze-blk-ok 1'; done)" ]; then
		fail "kvm guest: sector 1 of the image does not hold the pattern"
	else
		pass "kvm guest: blk round trip on a qcow2 overlay, check clean, backing unchanged"
	fi
}

reads
backing_reads
randoms
crash
refusals
autoclear
corrupt_offsets
evil_raw
img_cmds
kvm_guest
fuzz
t_end
