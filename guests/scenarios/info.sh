#!/bin/sh
# Scenario "info": what the guest sees. Prints one line per block device
# ("info: block vda 2048 sectors") and per network interface
# ("info: net eth0 52:54:00:12:34:56"), the boot CPU's timer
# ("info: clockevent lapic-deadline") and whether a PS/2 controller was
# probed ("info: i8042 absent"), and the seconds since the kernel started
# ("info: uptime 3.21").
for b in /sys/block/*; do
	[ -e "$b" ] || continue
	echo "info: block ${b##*/} $(cat "$b/size") sectors"
done
for n in /sys/class/net/*; do
	[ "${n##*/}" = lo ] && continue
	[ -e "$n" ] || continue
	echo "info: net ${n##*/} $(cat "$n/address")"
done
echo "info: clockevent $(cat /sys/devices/system/clockevents/clockevent0/current_device)"
if [ -e /sys/bus/platform/devices/i8042 ]; then
	echo "info: i8042 present"
else
	echo "info: i8042 absent"
fi
echo "info: uptime $(cut -d' ' -f1 /proc/uptime)"
