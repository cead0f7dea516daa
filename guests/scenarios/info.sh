#!/bin/sh
# Scenario "info": what the guest sees. Prints one line per block device
# ("info: block vda 2048 sectors") and per network interface
# ("info: net eth0 52:54:00:12:34:56").
for b in /sys/block/*; do
	[ -e "$b" ] || continue
	echo "info: block ${b##*/} $(cat "$b/size") sectors"
done
for n in /sys/class/net/*; do
	[ "${n##*/}" = lo ] && continue
	[ -e "$n" ] || continue
	echo "info: net ${n##*/} $(cat "$n/address")"
done
