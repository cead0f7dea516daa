#!/bin/sh
# Scenario "clock": the timers Linux runs on with squeeze's split irqchip
# (no PIT, no PIC) and the console's interrupt, for the host to check:
#   clock: clocksource NAME          the current clocksource
#   clock: clockevent NAME           CPU 0's tick device (lapic-deadline)
#   clock: dmesg: LINE               the boot's lines about the TSC, the
#                                    local APIC timer, the PIC and the PIT
#   clock: sleep 5 start / end       around `sleep 5`
#   clock: slept S s by the guest's clock   (/proc/uptime, 10 ms steps)
#   clock: mark U                    /proc/uptime, once a second meanwhile
#   clock: ttyS0 irq N COUNT CHIP    the console's line in /proc/interrupts
cs=/sys/devices/system/clocksource/clocksource0/current_clocksource
ce=/sys/devices/system/clockevents/clockevent0/current_device
echo "clock: clocksource $(cat $cs)"
echo "clock: clockevent $(cat $ce)"
dmesg | grep -E 'tsc:|TSC|APIC timer|lapic|clocksource: Switched|legacy PIC|PIT|timer' |
	sed 's/^\[[ 0-9.]*\] /clock: dmesg: /'
# While `sleep 5` runs, a second job prints the guest's uptime once a
# second, 7 times: the host stamps each line as it arrives and so learns
# how long the guest's second is by its own clock, whatever the console's
# delay on any one line.
mark() { read -r up _ </proc/uptime; echo "clock: mark $up"; }
(for i in 0 1 2 3 4 5 6; do mark; [ $i = 6 ] || sleep 1; done) &
marks=$!
read -r up0 _ </proc/uptime
echo "clock: sleep 5 start"
sleep 5
echo "clock: sleep 5 end"
read -r up1 _ </proc/uptime
echo "clock: slept $(awk -v a="$up0" -v b="$up1" 'BEGIN { printf "%.2f", b - a }') s by the guest's clock"
wait $marks
# "  4:   123   0   IO-APIC   4-edge   ttyS0": the count summed over CPUs.
awk '$NF == "ttyS0" { n = 0; for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) n += $i;
	sub(":", "", $1); print "clock: ttyS0 irq " $1 " " n " " $i }' /proc/interrupts
