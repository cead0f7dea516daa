#!/bin/sh
# Scenario "blk" (tests/integration/suite_blk.sh, hardware KVM only):
#   vda: read-only; its sha256 is printed for the host to compare
#        ("blk: vda sha256 HEX").
#   vdb: scratch; gets a file system and a file (the first MiB of vda,
#        /roundtrip) written, synced, re-read after a remount and compared.
# Exits non-zero with a "blk: FAIL ..." line at the first problem.
fail() {
	echo "blk: FAIL $*"
	exit 1
}

[ -b /dev/vda ] || fail "no /dev/vda"
[ -b /dev/vdb ] || fail "no /dev/vdb"
echo "blk: vda sha256 $(sha256sum /dev/vda | cut -d' ' -f1)"
echo "blk: vdb serial $(cat /sys/block/vdb/serial 2>/dev/null)"

if command -v mkfs.ext4 >/dev/null 2>&1; then
	mkfs.ext4 -q -F /dev/vdb || fail "mkfs.ext4"
else
	mke2fs -q /dev/vdb || fail "mke2fs"
fi
mkdir -p /mnt/vdb
mount /dev/vdb /mnt/vdb || fail "mount vdb"
dd if=/dev/vda of=/mnt/vdb/roundtrip bs=64k count=16 2>/dev/null ||
	fail "write /roundtrip"
want=$(dd if=/dev/vda bs=64k count=16 2>/dev/null | sha256sum | cut -d' ' -f1)
sync
umount /mnt/vdb || fail "umount vdb"
# Drop the page cache so the read really goes to the device.
echo 3 >/proc/sys/vm/drop_caches
mount /dev/vdb /mnt/vdb || fail "remount vdb"
got=$(sha256sum /mnt/vdb/roundtrip | cut -d' ' -f1)
umount /mnt/vdb
[ "$got" = "$want" ] || fail "round trip: $got != $want"
sync
echo "blk: fs round trip ok"
