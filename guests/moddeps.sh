#!/usr/bin/env bash
# Print the module files that MODULE... need, one path a line, in load
# order (each module after the ones it depends on, none twice):
#   guests/moddeps.sh ROOT VERSION MODULE...
# ROOT is an unpacked linux-image package (ROOT/lib/modules/VERSION/...).
# The order comes from the kernel's own modules.dep, through kmod's
# `modprobe --show-depends`; Debian's package ships no modules.dep (its
# postinst runs depmod), so it is made first, inside ROOT. The host's
# /etc/modprobe.d is ignored (-C /dev/null). Built-in modules print nothing.
set -euo pipefail

die() { echo "moddeps: $*" >&2; exit 1; }

[ $# -ge 3 ] || die "usage: moddeps.sh ROOT VERSION MODULE..."
root=$(cd "$1" && pwd)
ver=$2
shift 2
dir=$root/lib/modules/$ver
[ -d "$dir/kernel" ] || die "no modules in $dir"
for tool in depmod modprobe; do
	command -v "$tool" >/dev/null || die "$tool not found (apt-get install kmod)"
done
if [ ! -s "$dir/modules.dep" ] || [ "$dir/modules.order" -nt "$dir/modules.dep" ]; then
	depmod -b "$root" "$ver" || die "depmod -b $root $ver failed"
fi

declare -A seen=()
for m in "$@"; do
	out=$(modprobe -C /dev/null -d "$root" -S "$ver" --show-depends "$m" 2>&1) ||
		die "$m: $out"
	while read -r verb path _; do
		[ "$verb" = insmod ] || continue
		[ -n "${seen[$path]:-}" ] && continue
		seen[$path]=1
		echo "$path"
	done <<<"$out"
done
