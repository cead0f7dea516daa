#!/bin/sh
# Scenario "hostroot": what `squeeze exec -- true` does inside the guest,
# for QEMU to do the same in make bench-linux (tests/bench/
# bench_linux_run.sh, case exec): the virtio-fs tag "hostroot" (the host's
# /, served by virtiofsd) is mounted read only at /mnt/root, `true` runs
# inside it by chroot, and the status is printed ("hostroot: true exit 0").
mkdir -p /mnt/root
if ! mount -t virtiofs -o ro hostroot /mnt/root; then
	echo "hostroot: FAIL mount -t virtiofs hostroot"
	exit 1
fi
chroot /mnt/root /bin/true
st=$?
echo "hostroot: true exit $st"
umount /mnt/root
exit $st
