#!/usr/bin/env bash
# fs: guests/scenarios/fs.sh on the Debian guest, 2 vCPUs:
#   --fs SHARE,tag=hostshare  (squeeze starts virtiofsd): the guest loads
#        virtiofs, mounts the tag, hashes the host's input.bin and writes
#        output.bin back;
#   --disk vhost-user=SOCK,readonly=on: an ext4 image (made here with
#        mkfs.ext4 -d) exported read only by qemu-storage-daemon; the guest
#        mounts it and hashes data.bin.
# The host compares the three hashes with its own files, and checks that
# no virtiofsd is left once squeeze has powered off.
# timeout: 150
set -u
. "$(dirname "$0")/../lib.sh"

sha() { sha256sum "$1" | cut -d' ' -f1; }

# want LABEL FILE: the guest's "fs: LABEL sha256 HEX" equals FILE's.
want() {
	local got
	got=$(con_value "$CON" "fs: $1 sha256 ")
	if [ "$got" = "$(sha "$2")" ]; then
		pass "$CASE: $1 sha256 in the guest equals the host's $(basename "$2")"
	else
		fail "$CASE: $1 sha256 in the guest '$got', host '$(sha "$2" 2>&1)'"
	fi
}

fs() {
	local share=$OUT/share files=$OUT/blkfiles img=$OUT/vub.img
	local sock=$OUT/vub.sock qsd st
	qsd=$(command -v qemu-storage-daemon) ||
		{ skip "fs: qemu-storage-daemon is not installed"; return; }
	[ -x /usr/lib/qemu/virtiofsd ] || [ -x /usr/libexec/virtiofsd ] ||
		{ skip "fs: virtiofsd is not installed"; return; }
	mkdir -p "$share" "$files"
	head -c 3M /dev/urandom >"$share/input.bin"
	head -c 2M /dev/urandom >"$files/data.bin"
	mkfs.ext4 -q -d "$files" "$img" 32M >"$OUT/mkfs.log" 2>&1 ||
		{ fail "fs: mkfs.ext4 -d failed"; return; }
	"$qsd" --blockdev "driver=file,node-name=f0,filename=$img" \
		--export "type=vhost-user-blk,id=e0,node-name=f0,addr.type=unix,addr.path=$sock,writable=off" \
		>"$OUT/qsd.log" 2>&1 &
	qsd=$!
	for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.1; done

	guest fs --cpus 2 --memory 512M --cmdline "$(cmdline fs)" \
		--fs "$share,tag=hostshare" --disk "vhost-user=$sock,readonly=on"
	st=$?
	kill "$qsd"
	wait "$qsd" 2>/dev/null
	if ! con_has "$CON" "squeeze scenario fs: exit 0"; then
		fail "fs: the guest scenario failed: $(con_tail "$CON")"
		return
	fi
	stopped_by "$st" power-off
	want input "$share/input.bin"
	want output "$share/output.bin"
	want "vda data" "$files/data.bin"
	if pgrep -f "source=$share" >/dev/null; then
		fail "fs: a virtiofsd for the share outlived squeeze"
	else
		pass "fs: no virtiofsd left after power-off"
	fi
}

fs
