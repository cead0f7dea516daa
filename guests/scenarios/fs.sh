#!/bin/sh
# Scenario "fs" (tests/linux/scenarios/fs.sh, where Linux runs at speed):
#   the virtio-fs tag "hostshare" (squeeze --fs DIR,tag=hostshare) is
#   mounted at /mnt/fs; the host's input.bin there is hashed ("fs: input
#   sha256 HEX"), 1 MiB of fresh random bytes is written back as
#   output.bin and hashed after a remount ("fs: output sha256 HEX");
#   vda, a vhost-user-blk disk (qemu-storage-daemon) with an ext4 file
#   system, is mounted read only and its data.bin hashed ("fs: vda data
#   sha256 HEX"). The host compares all three with its own files.
# Exits non-zero with an "fs: FAIL ..." line at the first problem.
fail() {
	echo "fs: FAIL $*"
	exit 1
}

grep -qw virtiofs /proc/filesystems || fail "no virtiofs in /proc/filesystems"
mkdir -p /mnt/fs /mnt/vda
mount -t virtiofs hostshare /mnt/fs || fail "mount -t virtiofs hostshare"
[ -f /mnt/fs/input.bin ] || fail "no input.bin in the share"
echo "fs: input sha256 $(sha256sum /mnt/fs/input.bin | cut -d' ' -f1)"
dd if=/dev/urandom of=/tmp/out.bin bs=64k count=16 2>/dev/null ||
	fail "make output"
cp /tmp/out.bin /mnt/fs/output.bin || fail "write output.bin"
sync
umount /mnt/fs || fail "umount the share"
mount -t virtiofs hostshare /mnt/fs || fail "remount the share"
got=$(sha256sum /mnt/fs/output.bin | cut -d' ' -f1)
[ "$got" = "$(sha256sum /tmp/out.bin | cut -d' ' -f1)" ] ||
	fail "output.bin reads back differently after a remount"
echo "fs: output sha256 $got"
umount /mnt/fs

[ -b /dev/vda ] || fail "no /dev/vda"
mount -o ro /dev/vda /mnt/vda || fail "mount vda"
echo "fs: vda data sha256 $(sha256sum /mnt/vda/data.bin | cut -d' ' -f1)"
umount /mnt/vda
echo "fs: ok"
