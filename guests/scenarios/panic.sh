#!/bin/sh
# Scenario "panic": a kernel panic through sysrq-c. With panic=-1 on the
# command line the kernel resets the machine at once (the host checks the
# panic line on the console and squeeze's reset path).
echo "panic: sysrq-c"
sync
echo 1 >/proc/sys/kernel/sysrq
echo c >/proc/sysrq-trigger
sleep 5
echo "panic: FAIL still running"
exit 1
