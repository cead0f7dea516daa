#!/usr/bin/env bash
# virtio-blk as a user sees it: the tiny blk guests under KVM with the host
# checking the image afterwards, the image lock between two squeezes, and
# every disk error on the command line (one line, exit 2, nothing created).
# The Debian guest on these disks: tests/linux/scenarios/blk.sh.
set -u
. "$(dirname "$0")/lib.sh"
t_begin blk

tmp=$(mktemp -d /var/tmp/suite-blk.XXXXXX)
first=""
cleanup() {
	[ -n "$first" ] && kill "$first" 2>/dev/null && wait "$first" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
chmod 755 "$tmp"

run() {
	timeout 60 "$SQUEEZE" run --memory 64M --console stdio "$@" </dev/null
}

# The blk guest: sector 0 printed as the host has it, sector 1 written.
# With "--domain", the guest and its disk come from domain XML instead
# (tests/integration/domxml/blk.xml, naming $tmp/rt.img like here).
blk_round_trip() {
	local name=$1 disk=$tmp/rt.img out=$tmp/rt.out rc want got
	shift
	head -c 512 /dev/urandom >"$disk"
	truncate -s 1M "$disk"
	want=$(hex16 "$disk")
	if [ "${1:-}" = --domain ]; then
		sed -e "s|/SQUEEZE_GUESTS|$GUESTS|g" -e "s|/SQUEEZE_TMP|$tmp|g" \
			"$ROOT/tests/integration/domxml/blk.xml" >"$tmp/blk.xml"
		timeout 60 "$SQUEEZE" run --domain "$tmp/blk.xml" </dev/null \
			>"$out" 2>&1
	else
		run --kernel "$GUESTS/blk.elf" --disk "$disk$*" >"$out" 2>&1
	fi
	rc=$?
	got=$(tr -d '\r' <"$out" | sed -n 's/^blk: sector 0: //p')
	if [ $rc -ne 33 ] || ! grep -qx 'blk: OK' <(tr -d '\r' <"$out"); then
		fail "$name: status $rc, expected 33: $(tail -n 2 "$out" | tr '\n' ' ')"
	elif [ "$got" != "$want" ]; then
		fail "$name: guest read sector 0 as '$got', the file has '$want'"
	elif [ "$(dd if="$disk" bs=512 skip=1 count=1 2>/dev/null)" != \
	       "$(for i in $(seq 32); do printf 'squeeze-blk-ok 1'; done)" ]; then
		fail "$name: sector 1 of the file does not hold the pattern"
	else
		pass "$name"
	fi
}

# blk_hostile: bad chains answered, the device still works, nothing written.
blk_hostile() {
	local disk=$tmp/hostile.img out=$tmp/hostile.out rc sum
	head -c 1M /dev/urandom >"$disk"
	sum=$(sha256sum <"$disk")
	run --kernel "$GUESTS/blk_hostile.elf" --disk "$disk,readonly=on" \
		>"$out" 2>&1
	rc=$?
	if [ $rc -ne 65 ] || ! grep -qx 'blk_hostile: OK' <(tr -d '\r' <"$out"); then
		fail "blk_hostile: status $rc, expected 65: $(grep -a 'blk_hostile' "$out" | tr '\n' ' ')"
	elif [ "$(sha256sum <"$disk")" != "$sum" ]; then
		fail "blk_hostile: the read-only image changed"
	else
		pass "blk_hostile: malformed chains refused, device still works"
	fi
}

# blk_msix: the read of sector 0 completes by MSI-X (table entry 0 ->
# vector 0x31, routed by squeeze through a GSI and an irqfd) while the
# guest sleeps in hlt; it prints the sector's first 16 bytes and the
# number of interrupts. Status 145 = (0x48 << 1) | 1; 157 = no interrupt.
blk_msix() {
	local disk=$tmp/msix.img out=$tmp/msix.out rc want got irqs
	printf 'squeeze MSI-X 0\n' >"$disk"
	head -c 496 /dev/urandom >>"$disk"
	truncate -s 64K "$disk"
	want=$(hex16 "$disk")
	run --kernel "$GUESTS/blk_msix.elf" --disk "$disk,readonly=on" \
		>"$out" 2>&1
	rc=$?
	got=$(tr -d '\r' <"$out" | sed -n 's/^blk_msix: sector 0: //p')
	irqs=$(tr -d '\r' <"$out" | sed -n 's/^blk_msix: OK: \([0-9]*\) interrupts$/\1/p')
	if [ $rc -ne 145 ] || [ -z "$irqs" ]; then
		fail "blk_msix: status $rc, expected 145: $(grep -a 'blk_msix' "$out" | tr '\n' ' ')"
	elif [ "$want" != "73 71 75 65 65 7a 65 20 4d 53 49 2d 58 20 30 0a" ]; then
		fail "blk_msix: the test image does not start with its pattern"
	elif [ "$got" != "$want" ]; then
		fail "blk_msix: guest read sector 0 as '$got', the file has '$want'"
	elif [ "$irqs" -lt 1 ]; then
		fail "blk_msix: OK with $irqs interrupts"
	else
		pass "blk_msix: read completed by MSI-X ($irqs interrupt(s))"
	fi
}

# A PVH guest that stays up (cli; hlt) so that it keeps its disk open.
make_wait_guest() {
	cat >"$tmp/wait.S" <<-'EOF'
		.section .note.pvh, "a", @note
		.balign 4
		.long 4, 4, 18		/* namesz, descsz, PHYS32_ENTRY */
		.asciz "Xen"
		.long _start
		.text
		.code32
		.globl _start
	_start:	cli
	1:	hlt
		jmp 1b
	EOF
	cat >"$tmp/wait.ld" <<-'EOF'
		PHDRS { text PT_LOAD; note PT_NOTE; }
		SECTIONS {
			. = 0x100000;
			.text : { *(.text) } :text
			.note.pvh : { *(.note.pvh) } :text :note
		}
	EOF
	as --32 -o "$tmp/wait.o" "$tmp/wait.S" &&
		ld -m elf_i386 -T "$tmp/wait.ld" -e _start -o "$tmp/wait.elf" \
			"$tmp/wait.o"
}

# Wait (5 s at most) until an OFD lock on file $1 appears in /proc/locks.
wait_locked() {
	local ino i
	ino=$(stat -c %i "$1")
	for i in $(seq 100); do
		grep -q "OFDLCK.*:$ino " /proc/locks && return 0
		sleep 0.05
	done
	return 1
}

# expect_refused NAME MESSAGE ARGS...: exit 2, one line naming the problem.
expect_refused() {
	local name=$1 msg=$2 out=$tmp/refused.err rc lines
	shift 2
	"$@" >/dev/null 2>"$out" </dev/null
	rc=$?
	lines=$(wc -l <"$out")
	if [ $rc -ne 2 ]; then
		fail "$name: exit status $rc, expected 2: $(head -n 2 "$out")"
	elif [ "$lines" -ne 1 ]; then
		fail "$name: $lines lines on stderr, expected one: $(tr '\n' '|' <"$out")"
	elif ! grep -qF -- "$msg" "$out"; then
		fail "$name: message '$(cat "$out")' lacks '$msg'"
	else
		pass "$name"
	fi
}

second_squeeze_refused() {
	local disk=$tmp/locked.img
	if ! make_wait_guest; then
		skip "image lock: cannot assemble the waiting guest (binutils)"
		return
	fi
	truncate -s 1M "$disk"
	"$SQUEEZE" run --kernel "$tmp/wait.elf" --memory 32M --console none \
		--disk "$disk" </dev/null >/dev/null 2>&1 &
	first=$!
	if ! wait_locked "$disk"; then
		fail "image lock: the first squeeze never locked its image"
	else
		expect_refused "second squeeze on the same image refused" \
			"in use" \
			"$SQUEEZE" run --kernel "$GUESTS/blk.elf" --memory 32M \
			--console none --disk "$disk"
		expect_refused "read-only second squeeze refused too" \
			"in use" \
			"$SQUEEZE" run --kernel "$GUESTS/blk.elf" --memory 32M \
			--console none --disk "$disk,readonly=on"
		# Nor may `squeeze img create` overwrite it under the guest.
		sum=$(sha256sum <"$disk")
		expect_refused "img create refuses an image in use" \
			"in use by squeeze (pid" \
			"$SQUEEZE" img create -f qcow2 "$disk" 1M
		if [ "$(sha256sum <"$disk")" = "$sum" ]; then
			pass "img create left the image in use unchanged"
		else
			fail "img create changed an image in use"
		fi
	fi
	kill "$first" 2>/dev/null
	wait "$first" 2>/dev/null
	first=""
	# Readers share: two read-only users at once are fine.
	"$SQUEEZE" run --kernel "$tmp/wait.elf" --memory 32M --console none \
		--disk "$disk,readonly=on" </dev/null >/dev/null 2>&1 &
	first=$!
	if wait_locked "$disk" &&
	   run --kernel "$GUESTS/blk_hostile.elf" --console none \
		--disk "$disk,readonly=on" >/dev/null 2>&1; [ $? -eq 65 ]; then
		pass "two read-only users share an image"
	else
		fail "a second read-only user was refused"
	fi
	kill "$first" 2>/dev/null
	wait "$first" 2>/dev/null
	first=""
}

# Every refusal leaves the directory as it was.
disk_errors() {
	local d=$tmp/errs before q=$tmp/errs/q.img
	mkdir -p "$d"
	printf 'QFI\xfb\0\0\0\3' >"$q"
	truncate -s 1M "$q"
	truncate -s 1M "$d/secret.img"
	chmod 600 "$d/secret.img"
	chown 65534 "$d/secret.img" 2>/dev/null
	chmod 755 "$d"
	cp "$GUESTS/blk.elf" "$d/blk.elf"
	before=$(cd "$d" && ls -la --time-style=+%s . | sha256sum; sha256sum *)
	local k="--kernel $d/blk.elf --memory 32M --console none"
	# shellcheck disable=SC2086
	{
	expect_refused "missing disk file" "no such file" \
		"$SQUEEZE" run $k --disk "$d/none.img"
	expect_refused "disk is a directory" "is a directory" \
		"$SQUEEZE" run $k --disk "$d"
	expect_refused "disk is not a file or block device" \
		"not a regular file or block device" \
		"$SQUEEZE" run $k --disk /dev/null
	expect_refused "qcow2 magic without format=" \
		"pass format=qcow2 or format=raw" "$SQUEEZE" run $k --disk "$q"
	# Root minus the capabilities that override file modes: it still
	# opens /dev/kvm (owned by root) but not nobody's 0600 image.
	if command -v setpriv >/dev/null && [ "$(id -u)" = 0 ] &&
	   [ "$(stat -c %u "$d/secret.img")" = 65534 ]; then
		expect_refused "disk without permission" "permission denied" \
			setpriv --bounding-set=-dac_override,-dac_read_search \
			"$SQUEEZE" run $k --disk "$d/secret.img"
	elif [ "$(id -u)" != 0 ]; then
		chmod 000 "$d/secret.img"
		expect_refused "disk without permission" "permission denied" \
			"$SQUEEZE" run $k --disk "$d/secret.img"
		chmod 600 "$d/secret.img"
	else
		skip "disk without permission: needs setpriv"
	fi
	}
	if [ "$(cd "$d" && ls -la --time-style=+%s . | sha256sum; sha256sum *)" = "$before" ]; then
		pass "refused disks created or changed nothing"
	else
		fail "a refused run changed $d"
	fi
	# O_DIRECT where the file system has none (tmpfs).
	local shm
	shm=$(mktemp /dev/shm/suite-blk.XXXXXX 2>/dev/null) || shm=""
	if [ -n "$shm" ] && truncate -s 1M "$shm" &&
	   ! dd if="$shm" of=/dev/null iflag=direct count=1 2>/dev/null; then
		# shellcheck disable=SC2086
		expect_refused "cache=none on a file system without O_DIRECT" \
			"O_DIRECT" "$SQUEEZE" run $k --disk "$shm,cache=none"
	else
		skip "cache=none refusal: no tmpfs without O_DIRECT here"
	fi
	[ -n "$shm" ] && rm -f "$shm"
}

if [ ! -x "$SQUEEZE" ] || [ ! -f "$GUESTS/blk.elf" ]; then
	skip "blk suite: squeeze or build/guests/blk.elf missing (make squeeze guests)"
	t_end
	exit
fi
if [ -e /dev/kvm ]; then
	blk_round_trip "blk guest round trip" ""
	blk_round_trip "blk guest round trip, cache=none, serial" \
		",format=raw,cache=none,serial=vda-serial"
	blk_round_trip "blk guest round trip, booted from domain XML" --domain
	blk_hostile
	blk_msix
	second_squeeze_refused
else
	skip "tiny blk guests and image lock: no /dev/kvm"
fi
disk_errors
t_end
