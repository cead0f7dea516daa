#!/usr/bin/env bash
# Checks on the source itself: the layering rule (check-layers.sh) holds
# on the tree and fails on deliberately wrong includes in a copy of it;
# the C files are formatted as .clang-format says; every source file says
# what it is.
set -u
. "$(dirname "$0")/../integration/lib.sh"
t_begin static

tmp=$(mktemp -d /tmp/suite-static.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
LAYERS=$ROOT/tests/static/check-layers.sh

if out=$("$LAYERS" "$ROOT" 2>&1); then
	pass "layering holds: $out"
else
	fail "layering: $out"
fi

# wrong_include NAME FILE LINE PATTERN: with LINE added to FILE in a fresh
# copy of the sources, the check must fail and name the file and PATTERN.
wrong_include() {
	local name=$1 file=$2 line=$3 pat=$4 copy=$tmp/copy out
	rm -rf "$copy"
	mkdir -p "$copy"
	(cd "$ROOT" && cp -r --parents vmm devices virtio firmware "$copy")
	mkdir -p "$(dirname "$copy/$file")"
	printf '%s\n' "$line" >>"$copy/$file"
	if out=$("$LAYERS" "$copy" 2>&1); then
		fail "$name: the check passed: $out"
	elif ! grep -q "^layering: $file.*$pat" <<<"$out"; then
		fail "$name: no line naming $file and '$pat': $out"
	else
		pass "$name: $(grep -m1 "^layering: $file" <<<"$out")"
	fi
}

wrong_include "a backend includes the command line" devices/block/raw.c \
	'#include "vmm/config/config.h"' "may not include vmm/config"
wrong_include "the core includes a device" vmm/core/bus.h \
	'#include "virtio/core/virtio.h"' "may not include virtio/core"
wrong_include "firmware includes KVM" firmware/acpi/acpi.c \
	'#include "vmm/kvm/kvm.h"' "may not include vmm/kvm"
wrong_include "virtio-blk includes the net backend" virtio/blk/blk.c \
	'#include "devices/net/net_backend.h"' "may not include devices/net"
wrong_include "a relative include" devices/net/tap.c \
	'#include "net_backend.h"' "path from the root"
wrong_include "a folder missing from the table" virtio/frob/frob.c \
	'/* nothing */' "not in the layer table"

# The format check: the tree is as .clang-format says, and a file that is
# not is named.
FORMAT=$ROOT/tests/static/check-format.sh
out=$("$FORMAT" "$ROOT" 2>&1)
case $? in
0) pass "$out" ;;
3) skip "format: clang-format is not installed (Debian: clang-format)" ;;
*) fail "$(tail -n 3 <<<"$out" | tr '\n' ' ')" ;;
esac
if command -v clang-format >/dev/null; then
	rm -rf "$tmp/fmt" && mkdir -p "$tmp/fmt/vmm/base"
	cp "$ROOT/.clang-format" "$tmp/fmt/"
	cp "$ROOT/vmm/base/size.c" "$ROOT/vmm/base/err.c" "$tmp/fmt/vmm/base/"
	(cd "$tmp/fmt" && clang-format --style=file -i vmm/base/*.c)
	# Spaces for a tab, and none around the operators.
	sed -i 's/^\tif (!s || \*s < .0. || \*s > .9.)$/    if(!s||*s<\x270\x27||*s>\x279\x27)/' \
		"$tmp/fmt/vmm/base/size.c"
	if out=$("$FORMAT" "$tmp/fmt" 2>&1); then
		fail "format: a misformatted file passed: $out"
	elif ! grep -q "^format: vmm/base/size.c differs" <<<"$out" ||
	     grep -q "err.c" <<<"$out"; then
		fail "format: wrong files named: $out"
	else
		pass "format: a misformatted file is named: $(head -n 1 <<<"$out")"
	fi
fi

# Every C and assembly file opens with its licence line and a comment
# saying what it is.
missing=$(cd "$ROOT" && for f in $(git ls-files '*.c' '*.S' 2>/dev/null ||
		find vmm devices virtio firmware tests guests -name '*.[cS]'); do
	sed -n 2p "$f" | grep -q '^/\*' || echo "$f"
done)
if [ -z "$missing" ]; then
	pass "every .c and .S file has an opening comment"
else
	fail "no opening comment: $(tr '\n' ' ' <<<"$missing")"
fi

t_end
