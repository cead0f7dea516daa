#!/usr/bin/env bash
# trace: Debian's kernel probing virtio-blk, as --trace shows it (issue 17,
# the last step of docs/tour.md). The guest (2 vCPUs, one 1 MiB raw disk)
# runs guests/scenarios/info.sh, which lists its block devices and powers
# off; squeeze runs with --trace=pci,virtio,irq,io and --trace-file. Checks:
#   - the guest saw vda and powered off;
#   - the probe in order: BAR0 sized, the device's features read with
#     their names, VERSION_1 acked, FEATURES_OK, queue 0 enabled,
#     DRIVER_OK, the first request popped, its completion, and the MSI-X
#     interrupt that announced it;
#   - every request the trace shows popped is one --stats counted;
#   - the file is valid Chrome trace-event JSON with vcpu0, vcpu1 and blk0
#     tracks, its spans closed and nested, as many exit spans as --stats
#     counted exits.
# timeout: 240
set -u
. "$(dirname "$0")/../lib.sh"

truncate -s 1M "$OUT/vda.img"
guest probe --cpus 2 --memory 512M --cmdline "$(cmdline info)" \
	--disk "$OUT/vda.img" --trace=pci,virtio,irq,io \
	--trace-file "$OUT/probe.json"
st=$?
stopped_by "$st" power-off
if con_has "$CON" "info: block vda 2048 sectors"; then
	pass "$CASE: the guest sees vda, 2048 sectors"
else
	fail "$CASE: no vda in the guest: $(con_tail "$CON")"
fi

# first PATTERN: the line number of the first trace line matching.
first() { grep -n -m1 -E -- "$1" "$ERR" | cut -d: -f1; }
probe=$(first 'pci 00:01\.0 cfg BAR0 <- 0xffffffff \(size probe\)')
feat=$(first 'virtio-blk0\.common\.device_feature -> 0x[0-9a-f]+ \(.*FLUSH')
ack=$(first 'virtio-blk0\.common\.driver_feature <- 0x[0-9a-f]+ \(.*VERSION_1')
fok=$(first 'virtio-blk0\.common\.device_status <- 0x[0-9a-f]+ \(.*FEATURES_OK')
enable=$(first 'virtio-blk0\.common\.queue_enable <- 0x1 \(queue 0\)')
live=$(first 'activate +virtio-blk0: DRIVER_OK')
pop=$(first 'blk0 +pop +virtio-blk0 queue 0: head [0-9]+ off the available ring')
push=$(first 'blk0 +push +virtio-blk0 queue 0: ')
irq=$(first 'blk0 +irq +virtio-blk0 queue 0: interrupt, MSI-X [0-9]+ -> vector 0x[0-9a-f]+')
order="$probe $ack $fok $enable $live $pop $push $irq"
if [ "$(wc -w <<<"$order $feat")" != 9 ]; then
	fail "$CASE: a probe step is missing from the trace (probe=$probe features=$feat ack=$ack FEATURES_OK=$fok enable=$enable DRIVER_OK=$live pop=$pop push=$push irq=$irq)"
elif [ "$order" != "$(tr ' ' '\n' <<<"$order" | sort -n | tr '\n' ' ' | sed 's/ $//')" ] ||
     [ "$feat" -gt "$ack" ]; then
	fail "$CASE: the probe's steps out of order: $order (features $feat)"
else
	pass "$CASE: Linux's probe in the trace: BAR0 sized, features named, VERSION_1 acked, FEATURES_OK, queue 0, DRIVER_OK, a request popped, pushed, its MSI-X interrupt"
fi

pops=$(grep -cE 'blk0 +pop +virtio-blk0 ' "$ERR")
reqs=$(sed -n '/^squeeze stats: requests/,/^squeeze stats:/p' "$ERR" |
       sed -n 's/^  virtio-blk0  *\([0-9]*\) .*/\1/p')
if [ -n "$reqs" ] && [ "$pops" = "$reqs" ]; then
	pass "$CASE: $pops requests popped in the trace, $reqs counted by --stats"
else
	fail "$CASE: $pops requests popped in the trace, --stats says '$reqs'"
fi

total=$(sed -n '/^squeeze stats: vCPU exits  /,/total/p' "$ERR" | sed -n 's/^  total  *//p')
if ! out=$(python3 "$ROOT/tests/integration/trace_check.py" "$OUT/probe.json" \
	   vcpu0 vcpu1 blk0 squeeze); then
	fail "$CASE: --trace-file: $out"
elif [ "${out%% *}" != "exits=$total" ]; then
	fail "$CASE: --trace-file: $out, --stats counted $total exits"
else
	pass "$CASE: --trace-file: valid JSON, tracks vcpu0 vcpu1 blk0 squeeze, spans nested, $total exit spans"
fi
t_end
