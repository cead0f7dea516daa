#!/usr/bin/env bash
# docs/tour.md never rots: every command it shows runs, and prints what the
# tour quotes (tests/integration/tour_check.py has the rules).
set -u
. "$(dirname "$0")/lib.sh"
t_begin suite_tour

if [ ! -e /dev/kvm ]; then
	skip "the tour's commands: /dev/kvm is missing"
elif ! command -v python3 >/dev/null; then
	skip "the tour's commands: python3 is not installed"
elif [ ! -x "$SQUEEZE" ] || [ ! -f "$GUESTS/blk_msix.elf" ]; then
	fail "the tour needs ./squeeze and the tiny guests (make, make guests)"
else
	while IFS= read -r line; do
		case $line in
		"ok "*) pass "tour: ${line#ok }" ;;
		"bad "*) fail "tour: ${line#bad }" ;;
		*) fail "tour: $line" ;;
		esac
	done < <(python3 "$ROOT/tests/integration/tour_check.py" "$ROOT" 2>&1)
fi
t_end
