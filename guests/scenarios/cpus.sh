#!/bin/sh
# Scenario "cpus": every CPU works. Prints "cpus: nproc N", then starts
# one CPU-bound job (sha256 of 8 MiB of zeros) pinned to each CPU at once
# and prints, as each finishes, "cpus: job C finished on cpu P" (P is
# where the job's last process ran; it must equal C), then "cpus: done".
n=$(nproc)
echo "cpus: nproc $n"
c=0
while [ $c -lt "$n" ]; do
	taskset -c $c sh -c 'dd if=/dev/zero bs=64k count=128 2>/dev/null |
		sha256sum >/dev/null &&
		echo "cpus: job $1 finished on cpu $(cut -d" " -f39 /proc/self/stat)"' \
		job $c &
	c=$((c + 1))
done
wait
echo "cpus: done"
