#!/usr/bin/env bash
# Build the test initramfs from busybox-static, the virtio modules of the
# fetched Debian kernel, guests/init and guests/scenarios/*.sh:
#   guests/mkinitramfs.sh [DEBIAN_DIR [OUTPUT]]
# DEBIAN_DIR is what guests/fetch-kernel.sh made (default build/debian);
# OUTPUT defaults to DEBIAN_DIR/initramfs.cpio.gz. Needs root for the two
# device nodes the kernel wants before devtmpfs is mounted.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
dir=${1:-build/debian}
out=${2:-$dir/initramfs.cpio.gz}
busybox=/bin/busybox

# Load order matters: each module needs the ones before it.
modules="virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev
	 virtio_pci virtio_blk failover net_failover virtio_net fuse virtiofs"

die() { echo "mkinitramfs: $*" >&2; exit 1; }

[ -f "$dir/version" ] || die "$dir/version missing; run guests/fetch-kernel.sh"
ver=$(cat "$dir/version")
moddir=$dir/root/lib/modules/$ver/kernel
[ -d "$moddir" ] || die "no modules in $moddir"
[ -x "$busybox" ] || die "$busybox missing (apt-get install busybox-static)"
for tool in cpio gzip readelf; do
	command -v "$tool" >/dev/null || die "$tool not found"
done
# A dynamic busybox would need a libc the initramfs does not have.
readelf -l "$busybox" | grep -q INTERP &&
	die "$busybox is dynamically linked (install busybox-static)"

stage=$(mktemp -d "$dir/initramfs.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,dev,etc,proc,sys,tmp,run,mnt,root,scenarios,lib/modules}
# The kernel opens /dev/console for init before anything is mounted.
mknod "$stage/dev/console" c 5 1
mknod "$stage/dev/null" c 1 3

cp "$busybox" "$stage/bin/busybox"
for app in $("$busybox" --list); do
	[ "$app" = busybox ] || ln -s busybox "$stage/bin/$app"
done

# Copy each module uncompressed: busybox insmod cannot decompress.
for m in $modules; do
	src=$(find "$moddir" -name "$m.ko" -o -name "$m.ko.xz" -o \
		-name "$m.ko.zst" -o -name "$m.ko.gz" | head -n 1)
	[ -n "$src" ] || die "module $m not found under $moddir"
	case $src in
	*.xz)	xz -dc "$src" ;;
	*.zst)	zstd -dcq "$src" ;;
	*.gz)	gzip -dc "$src" ;;
	*)	cat "$src" ;;
	esac >"$stage/lib/modules/$m.ko"
	echo "$m" >>"$stage/lib/modules/load-order"
done

install -m 755 "$here/init" "$stage/init"
for s in "$here"/scenarios/*.sh; do
	[ -f "$s" ] && install -m 755 "$s" "$stage/scenarios/"
done

(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort |
	cpio -o -H newc -R 0:0 --quiet) | gzip -9n >"$out.tmp"
mv "$out.tmp" "$out"
echo "mkinitramfs: $out ($(du -k "$out" | cut -f1) KiB, kernel $ver)"
