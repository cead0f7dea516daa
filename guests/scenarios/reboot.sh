#!/bin/sh
# Scenario "reboot": `reboot -f`, the reboot(2) system call straight away.
# The VMM sees the reset (tests/linux/scenarios/reset.sh checks it ends
# with status 0, stopped by reset); surviving it is a failure.
echo "reboot: reboot -f"
sync
reboot -f
sleep 5
echo "reboot: FAIL still running"
exit 1
