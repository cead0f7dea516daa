#!/usr/bin/env bash
# Fetch a Debian kernel into a build directory:
#   guests/fetch-kernel.sh [DIR [METAPACKAGE]]
# DIR defaults to build/debian, METAPACKAGE to linux-image-cloud-amd64 (the
# guest kernel; tests/linux fetches linux-image-amd64, the generic one, for
# its outer guest). It makes:
#   <dir>/root/      the unpacked linux-image package (kernel, modules)
#   <dir>/vmlinuz    the bzImage
#   <dir>/vmlinux    the ELF kernel, decompressed from the bzImage's payload
#   <dir>/version    the kernel release, e.g. 6.1.0-57-cloud-amd64
#   <dir>/.stamp     written last; when present, nothing is done
#
# Needs only Debian's archive (apt-get download); runs `apt-get update`
# only if apt-cache knows no such kernel at all. Never touches the tree
# outside <dir>.
set -euo pipefail

out=${1:-build/debian}
meta=${2:-linux-image-cloud-amd64}

[ -f "$out/.stamp" ] && exit 0
for tool in apt-cache apt-get dpkg-deb od readelf; do
	command -v "$tool" >/dev/null ||
		{ echo "fetch-kernel: $tool not found" >&2; exit 1; }
done

# The metapackage depends on the newest versioned image package.
resolve() {
	apt-cache depends "$meta" 2>/dev/null |
		awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }'
}
pkg=$(resolve)
if [ -z "$pkg" ]; then
	echo "fetch-kernel: apt-cache knows no $meta; running apt-get update"
	apt-get update -qq
	pkg=$(resolve)
fi
[ -n "$pkg" ] || { echo "fetch-kernel: cannot resolve $meta" >&2; exit 1; }
ver=${pkg#linux-image-}

# apt-get download writes into the current directory.
download() { (cd "$out/dl" && apt-get download -q "$pkg"); }
mkdir -p "$out/dl"
if ! ls "$out/dl/${pkg}"_*.deb >/dev/null 2>&1; then
	echo "fetch-kernel: downloading $pkg"
	if ! download; then
		# Stale package lists name a version the archive no longer has.
		echo "fetch-kernel: download failed; apt-get update and retry"
		apt-get update -qq
		pkg=$(resolve)
		ver=${pkg#linux-image-}
		download
	fi
fi
deb=$(ls "$out/dl/${pkg}"_*.deb | tail -n 1)

rm -rf "$out/root"
dpkg-deb -x "$deb" "$out/root"
cp "$out/root/boot/vmlinuz-$ver" "$out/vmlinuz"

# The bzImage header says where the compressed kernel is (boot protocol
# 2.08+: payload_offset at 0x248 and payload_length at 0x24c, relative to
# the end of the real-mode setup of (setup_sects + 1) * 512 bytes). Its
# magic says how it is compressed; Debian has used XZ and, lately, LZ4.
le32() { od -An -t u4 -j "$2" -N 4 "$1" | tr -d ' '; }
setup_sects=$(od -An -t u1 -j $((0x1f1)) -N 1 "$out/vmlinuz" | tr -d ' ')
[ "$setup_sects" -eq 0 ] && setup_sects=4
payload=$(( (setup_sects + 1) * 512 + $(le32 "$out/vmlinuz" $((0x248))) ))
length=$(le32 "$out/vmlinuz" $((0x24c)))
magic=$(od -An -t x1 -j "$payload" -N 6 "$out/vmlinuz" | tr -d ' ')
case $magic in
fd377a585a00)	unpack="xz -dc" ;;
02214c18*)	unpack="lz4 -dc" ;;
28b52ffd*)	unpack="zstd -dc" ;;
1f8b08*)	unpack="gzip -dc" ;;
*)	echo "fetch-kernel: unknown kernel compression (magic $magic)" >&2
	exit 1 ;;
esac
command -v "${unpack%% *}" >/dev/null ||
	{ echo "fetch-kernel: ${unpack%% *} not found" >&2; exit 1; }
# The payload ends with the 4-byte uncompressed size, which the
# decompressors call trailing garbage: ignore their status, check the ELF.
tail -c +$((payload + 1)) "$out/vmlinuz" | head -c "$length" |
	$unpack >"$out/vmlinux.tmp" 2>/dev/null || true
if ! readelf -h "$out/vmlinux.tmp" >/dev/null 2>&1; then
	rm -f "$out/vmlinux.tmp"
	echo "fetch-kernel: ${unpack%% *} of $out/vmlinuz gave no ELF kernel" >&2
	exit 1
fi
mv "$out/vmlinux.tmp" "$out/vmlinux"
echo "$ver" >"$out/version"
touch "$out/.stamp"
echo "fetch-kernel: $ver -> $out/vmlinuz, $out/vmlinux (${unpack%% *})"
