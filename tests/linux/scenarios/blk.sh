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

# blk_guest CASE VDA_VIEW DISK_ARGS...: the guest, and the checks on its
# console; VDA_VIEW is a raw file with the bytes vda should show.
blk_guest() {
	local c=$1 vda=$2 st
	shift 2
	guest "$c" --cpus 2 --memory 512M --cmdline "$(cmdline blk)" "$@"
	st=$?
	blk_checks "$vda" || return 1
	stopped_by "$st" power-off
}

raw() {
	head -c 8M /dev/urandom >"$OUT/vda.raw"
	truncate -s 64M "$OUT/vdb.raw"
	blk_guest raw "$OUT/vda.raw" --disk "$OUT/vda.raw,readonly=on" \
		--disk "$OUT/vdb.raw,serial=squeeze-vdb" || return
	roundtrip "$OUT/vdb.raw" "$OUT/vda.raw"
}

qcow2() {
	local d=$OUT/q
	qcow2_pair "$d" "$d" || return
	blk_guest qcow2 "$d/vda.view" \
		--disk "$d/vda.qcow2,format=qcow2,readonly=on,backing-dir=$d" \
		--disk "$d/vdb.qcow2,format=qcow2,serial=squeeze-vdb,backing-dir=$d" || return
	qcow2_pair_checks "$d" "$d"
}

raw
qcow2
