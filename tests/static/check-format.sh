#!/usr/bin/env bash
# Every C file of squeeze formatted as .clang-format (the Linux kernel's
# style) says, by clang-format 14 (Debian 12's):
#
#   tests/static/check-format.sh [ROOT]
#
# Prints one line per file that differs and exits 1 if any does; exits 3
# without clang-format. `make format` rewrites the files in place.
set -u
ROOT=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
CLANG_FORMAT=${CLANG_FORMAT:-$(command -v clang-format-14 || command -v clang-format)}
if [ -z "$CLANG_FORMAT" ]; then
	echo "format: clang-format is not installed"
	exit 3
fi
cd "$ROOT" || exit 2
bad=0 n=0
while read -r f; do
	n=$((n + 1))
	if ! "$CLANG_FORMAT" --style=file "$f" | cmp -s - "$f"; then
		echo "format: $f differs from .clang-format (make format)"
		bad=$((bad + 1))
	fi
done < <(find vmm devices virtio firmware tests guests -name '*.[ch]' \
	2>/dev/null | sort)
if [ "$bad" -gt 0 ]; then
	echo "format: $bad of $n files differ"
	exit 1
fi
echo "format: $n files as .clang-format says ($("$CLANG_FORMAT" --version | grep -o 'version [0-9.]*'))"
