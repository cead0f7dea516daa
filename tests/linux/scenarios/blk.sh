#!/usr/bin/env bash
# blk: guests/scenarios/blk.sh on two pairs of disks, 2 vCPUs:
#   raw    vda: 8 MiB of random bytes, read only; vdb: 64 MiB raw scratch;
#   qcow2  vda: a qcow2 (made by qemu-img) on a raw backing file, with a
#          cluster of its own written by qemu-io; vdb: a qcow2 made by
#          `squeeze img create` on a 64 MiB raw backing file (1 MiB of
#          random bytes, the rest a hole).
# The guest prints vda's sha256 (compared with the host's view of the
# disk: the file, or qemu-img convert of the qcow2), makes a file system
# on vdb and round-trips a file through a remount with dropped caches.
# Then the host reads /roundtrip back out of vdb with debugfs, and checks
# each qcow2 with qemu-img check and each backing file unchanged.
# timeout: 240
set -u
. "$(dirname "$0")/../lib.sh"

sha() { sha256sum "$1" | cut -d' ' -f1; }

# blk_guest CASE VDA_VIEW DISK_ARGS...: the guest, and the checks on its
# console; VDA_VIEW is a raw file with the bytes vda should show.
blk_guest() {
	local c=$1 vda=$2 st got
	shift 2
	guest "$c" --cpus 2 --memory 512M --cmdline "$(cmdline blk)" "$@"
	st=$?
	if ! con_has "$CON" "squeeze scenario blk: exit 0"; then
		fail "$c: the guest scenario failed: $(con_tail "$CON")"
		return 1
	fi
	stopped_by "$st" power-off
	got=$(con_value "$CON" "blk: vda sha256 ")
	if [ "$got" = "$(sha "$vda")" ]; then
		pass "$c: vda sha256 in the guest equals the host's"
	else
		fail "$c: vda sha256 in the guest '$got', host '$(sha "$vda")'"
	fi
	if con_has "$CON" "blk: vdb serial squeeze-vdb"; then
		pass "$c: vdb's serial seen by the guest"
	else
		fail "$c: vdb serial '$(con_value "$CON" "blk: vdb serial ")'"
	fi
	if con_has "$CON" "blk: fs round trip ok"; then
		pass "$c: mkfs on vdb, file round trip through a remount"
	else
		fail "$c: no round trip line"
	fi
}

# roundtrip CASE VDB_RAW VDA_VIEW: the guest's /roundtrip (vda's first
# MiB), read out of vdb's file system on the host.
roundtrip() {
	if [ "$(debugfs -R 'cat /roundtrip' "$2" 2>/dev/null | sha256sum)" = \
	     "$(head -c 1M "$3" | sha256sum)" ]; then
		pass "$1: /roundtrip read from vdb by debugfs equals vda's first MiB"
	else
		fail "$1: /roundtrip on vdb differs on the host"
	fi
}

raw() {
	head -c 8M /dev/urandom >"$OUT/vda.raw"
	truncate -s 64M "$OUT/vdb.raw"
	blk_guest raw "$OUT/vda.raw" --disk "$OUT/vda.raw,readonly=on" \
		--disk "$OUT/vdb.raw,serial=squeeze-vdb" || return
	roundtrip raw "$OUT/vdb.raw" "$OUT/vda.raw"
}

# qcow2_clean CASE IMAGE: qemu-img check finds nothing wrong.
qcow2_clean() {
	if qemu-img check -f qcow2 "$2" >"$OUT/check.log" 2>&1; then
		pass "$1: qemu-img check $(basename "$2"): clean"
	else
		fail "$1: qemu-img check $(basename "$2"): $(tr '\n' '|' <"$OUT/check.log")"
	fi
}

# unchanged CASE FILE SHA256
unchanged() {
	if [ "$(sha "$2")" = "$3" ]; then
		pass "$1: backing file $(basename "$2") unchanged"
	else
		fail "$1: backing file $(basename "$2") changed"
	fi
}

qcow2() {
	local d=$OUT/q a b
	mkdir -p "$d"
	head -c 8M /dev/urandom >"$d/base.raw"
	head -c 1M /dev/urandom >"$d/vdb-base.raw"
	truncate -s 64M "$d/vdb-base.raw"
	a=$(sha "$d/base.raw") b=$(sha "$d/vdb-base.raw")
	qemu-img create -q -f qcow2 -b "$d/base.raw" -F raw "$d/vda.qcow2" &&
	qemu-io -f qcow2 -c "write -P 0x5a 1M 64k" "$d/vda.qcow2" >/dev/null &&
	qemu-img convert -O raw "$d/vda.qcow2" "$d/vda.view" ||
		{ fail "qcow2: qemu-img could not make vda"; return; }
	"$SQUEEZE" img create -f qcow2 -b "$d/vdb-base.raw" -F raw \
		"$d/vdb.qcow2" >/dev/null ||
		{ fail "qcow2: squeeze img create vdb"; return; }
	blk_guest qcow2 "$d/vda.view" \
		--disk "$d/vda.qcow2,format=qcow2,readonly=on,backing-dir=$d" \
		--disk "$d/vdb.qcow2,format=qcow2,serial=squeeze-vdb,backing-dir=$d" || return
	if qemu-img convert -f qcow2 -O raw "$d/vdb.qcow2" "$d/vdb.view"; then
		roundtrip qcow2 "$d/vdb.view" "$d/vda.view"
	else
		fail "qcow2: qemu-img convert of vdb failed"
	fi
	qcow2_clean qcow2 "$d/vda.qcow2"
	qcow2_clean qcow2 "$d/vdb.qcow2"
	unchanged qcow2 "$d/base.raw" "$a"
	unchanged qcow2 "$d/vdb-base.raw" "$b"
}

raw
qcow2
