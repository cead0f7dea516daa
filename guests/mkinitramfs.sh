#!/usr/bin/env bash
# Build a busybox initramfs for a fetched Debian kernel:
#   guests/mkinitramfs.sh [-i INIT] [-m MODULES] [-b PROGRAM]... [-n]
#                         [DEBIAN_DIR [OUTPUT]]
# By default the test initramfs of the Debian guest: busybox-static, the
# virtio modules (blk, net, fs), guests/init as /init and
# guests/scenarios/*.sh. -i names
# another /init, -m the modules wanted (space separated; what they depend
# on is added, in modules.dep order, by guests/moddeps.sh), -b adds a
# static PROGRAM to /bin (the make rule adds guests/tools/reseed), -n
# leaves the scenarios out (tests/linux/linux.mk builds the outer guest's
# this way).
# DEBIAN_DIR is what guests/fetch-kernel.sh made (default build/debian);
# OUTPUT defaults to DEBIAN_DIR/initramfs.cpio.gz. Needs root for the two
# device nodes the kernel wants before devtmpfs is mounted.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
init=$here/init
modules="virtio_pci virtio_blk virtio_net virtiofs"
scenarios=$here/scenarios
programs=()
while getopts i:m:b:n opt; do
	case $opt in
	i)	init=$OPTARG ;;
	m)	modules=$OPTARG ;;
	b)	programs+=("$OPTARG") ;;
	n)	scenarios="" ;;
	*)	exit 2 ;;
	esac
done
shift $((OPTIND - 1))
dir=${1:-build/debian}
out=${2:-$dir/initramfs.cpio.gz}
busybox=/bin/busybox

die() { echo "mkinitramfs: $*" >&2; exit 1; }

[ -f "$dir/version" ] || die "$dir/version missing; run guests/fetch-kernel.sh"
ver=$(cat "$dir/version")
[ -f "$init" ] || die "$init missing"
[ -x "$busybox" ] || die "$busybox missing (apt-get install busybox-static)"
for tool in cpio gzip readelf; do
	command -v "$tool" >/dev/null || die "$tool not found"
done
# A dynamic busybox would need a libc the initramfs does not have.
readelf -l "$busybox" | grep -q INTERP &&
	die "$busybox is dynamically linked (install busybox-static)"
for p in ${programs[@]+"${programs[@]}"}; do
	[ -f "$p" ] || die "$p missing"
	readelf -l "$p" | grep -q INTERP && die "$p is dynamically linked"
done

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

# Each module uncompressed (busybox insmod cannot decompress), and the
# load order, one name a line, for /init.
paths=$("$here/moddeps.sh" "$dir/root" "$ver" $modules) || exit 1
for src in $paths; do
	m=$(basename "$src")
	m=${m%%.ko*}
	case $src in
	*.xz)	xz -dc "$src" ;;
	*.zst)	zstd -dcq "$src" ;;
	*.gz)	gzip -dc "$src" ;;
	*)	cat "$src" ;;
	esac >"$stage/lib/modules/$m.ko"
	echo "$m" >>"$stage/lib/modules/load-order"
done

install -m 755 "$init" "$stage/init"
for p in ${programs[@]+"${programs[@]}"}; do
	install -m 755 "$p" "$stage/bin/"
done
for s in ${scenarios:+"$scenarios"/*.sh}; do
	[ -f "$s" ] && install -m 755 "$s" "$stage/scenarios/"
done

(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort |
	cpio -o -H newc -R 0:0 --quiet) | gzip -9n >"$out.tmp"
mv "$out.tmp" "$out"
echo "mkinitramfs: $out ($(du -k "$out" | cut -f1) KiB, kernel $ver)"
