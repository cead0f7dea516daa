#!/usr/bin/env bash
# --trace, --trace-file and --stats on the tiny guests (issue 17): every
# exit decoded with its fields, a virtio-blk request's life in order, the
# Chrome trace-event file checked by a JSON parser (tracks named, spans
# closed and nested, as many exit spans as --stats counts exits), the
# --stats counters against what the guests are known to do (and what they
# count themselves), the class filter, and bad --trace input.
set -u
. "$(dirname "$0")/lib.sh"
t_begin suite_trace

tmp=$(mktemp -d /tmp/suite-trace.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
CHECK="python3 $ROOT/tests/integration/trace_check.py"
MSG="Hello from a squeeze guest"

if [ ! -e /dev/kvm ]; then
	skip "all cases: /dev/kvm is missing"
	t_end
	exit
fi
for g in hello blk blk_msix serial_irq boots; do
	[ -f "$GUESTS/$g.elf" ] || { fail "missing $GUESTS/$g.elf (make guests)"; t_end; exit; }
done

# run NAME GUEST [squeeze options...]: status in $rc, console in
# $tmp/NAME.out, stderr (trace lines, stats) in $tmp/NAME.err.
run() {
	local name=$1 guest=$GUESTS/$2.elf
	shift 2
	timeout 30 "$SQUEEZE" run --kernel "$guest" --memory 64M "$@" \
		<"${STDIN:-/dev/null}" >"$tmp/$name.out" 2>"$tmp/$name.err"
	rc=$?
}

# stat NAME ROW [TABLE]: the value column(s) of --stats row ROW (its exact
# name) in the table whose title starts with TABLE, without the source
# file some rows end with.
stat() {
	sed -n "/^squeeze stats: ${3:-}/,\$p" "$tmp/$1.err" |
		sed -n "s/^  $2  *\([0-9]\([0-9. ]*[0-9]\)\{0,1\}\)\(  [a-z].*\)\{0,1\}\$/\1/p" |
		head -n 1
}

# first NAME PATTERN: the line number of the first trace line matching.
first() { grep -n -m1 -E -- "$2" "$tmp/$1.err" | cut -d: -f1; }

# --- hello --trace: the THR writes spell the message; every field there ---
run hello hello --trace
ts='^\[ *[0-9]+\.[0-9]{6}\] '
thr="${ts}vcpu0 +IO +out port 0x3f8 size 1 value 0x[0-9a-f]+: serial0\.THR <- 0x[0-9a-f]{2} '([^']|\\\\[a-z0-9]+)'  \(devices/legacy/serial\.c\)\$"
spelled=$(grep -E -- "$thr" "$tmp/hello.err" | sed -E "s/.*THR <- 0x[0-9a-f]{2} '(.*)'  \(.*/\1/" |
	  tr -d '\n' | sed 's/\\n/\n/g')
if [ "$rc" != 1 ]; then
	fail "hello --trace: exit status $rc, want 1: $(tail -n 2 "$tmp/hello.err")"
elif [ "$spelled" != "$MSG" ]; then
	fail "hello --trace: the THR lines spell '$spelled', want '$MSG': $(grep -m2 THR "$tmp/hello.err")"
elif ! grep -qE "${ts}vcpu0 +IO +out port 0xf4 size 1 value 0x0: debug-exit <- 0x0 \(exit status 1\)  \(devices/legacy/pm\.c\)\$" "$tmp/hello.err"; then
	fail "hello --trace: no decoded debug-exit line: $(grep -m1 0xf4 "$tmp/hello.err")"
elif ! grep -qE "${ts}vcpu0 +IO +in port 0x3fd size 1 value 0x60: serial0\.LSR -> 0x60 \(THRE TEMT\)" "$tmp/hello.err"; then
	fail "hello --trace: no decoded LSR read"
elif ! grep -qx "$MSG" <(tr -d '\r' <"$tmp/hello.out"); then
	fail "hello --trace: the console lost the message"
else
	pass "hello --trace: 27 THR writes spell the message and its newline, the debug-exit write decoded, every line with time, vCPU, reason, port, size, value, register and file"
fi
n=$(grep -cE "${ts}vcpu0 +IO " "$tmp/hello.err")
if [ "$n" = $((2 * (${#MSG} + 1) + 1)) ]; then
	pass "hello --trace: one line per port exit ($n)"
else
	fail "hello --trace: $n IO lines, want $((2 * (${#MSG} + 1) + 1))"
fi
if grep -qE "${ts}squeeze +setup +open /dev/kvm" "$tmp/hello.err" &&
   grep -qE "${ts}squeeze +setup +KVM_SET_USER_MEMORY_REGION slot 0" "$tmp/hello.err" &&
   grep -qE "${ts}vcpu0 +stop +debug-exit port, exit status 1" "$tmp/hello.err"; then
	pass "hello --trace: set-up steps and the stop are traced"
else
	fail "hello --trace: set-up or stop lines missing: $(grep -E 'setup|stop' "$tmp/hello.err" | head -n 3)"
fi

# --- the class filter, and no trace without --trace ---
run hello_irq hello --trace=irq
run hello_quiet hello --stats
if grep -qE "${ts}vcpu0 +IO " "$tmp/hello_irq.err" ||
   ! grep -qE "${ts}vcpu0 +stop " "$tmp/hello_irq.err"; then
	fail "--trace=irq: port exits shown, or the stop missing: $(head -n 3 "$tmp/hello_irq.err")"
elif grep -qE '^\[ *[0-9]+\.[0-9]+\] ' "$tmp/hello_quiet.err"; then
	fail "no --trace: trace lines were printed: $(head -n 2 "$tmp/hello_quiet.err")"
else
	pass "--trace=irq leaves out port exits but keeps the stop; no --trace, no lines"
fi

# --- --stats counts what hello does: a THR write per character + '\n' ---
if [ "$(stat hello_quiet 'serial0')" = "$((${#MSG} + 1))           $((${#MSG} + 1))" ] &&
   [ "$(stat hello_quiet 'debug-exit')" = "0            1" ] &&
   [ "$(sed -n '/vCPU exits  /,/total/p' "$tmp/hello_quiet.err" |
	sed -n 's/^  total  *//p')" = $((2 * (${#MSG} + 1) + 1)) ] &&
   grep -qE '^  vcpu0 +[0-9]+\.[0-9]{3} +[0-9]+\.[0-9]{3} +55$' "$tmp/hello_quiet.err"; then
	pass "--stats on hello: serial0 27 reads (LSR) and 27 writes (THR: the message and its newline), debug-exit 1 write, 55 exits, time in guest and in squeeze for vcpu0"
else
	fail "--stats on hello: $(sed -n '/vCPU exits/,$p' "$tmp/hello_quiet.err" | tr -s ' ' | tr '\n' '|')"
fi
run hello_verbose hello --verbose
if grep -q '^squeeze stats: vCPU exits by device' "$tmp/hello_verbose.err" &&
   grep -q 'stopped by debug-exit port' "$tmp/hello_verbose.err"; then
	pass "--verbose prints the stats tables too"
else
	fail "--verbose: $(head -c 300 "$tmp/hello_verbose.err")"
fi

# --- blk_msix --trace=pci,virtio,irq: a request's life, in order ---
truncate -s 64K "$tmp/disk.img"
run msix blk_msix --disk "$tmp/disk.img" --trace=pci,virtio,irq \
	--trace-file "$tmp/msix.json" --stats
probe=$(first msix 'cfg BAR0 <- 0xffffffff \(size probe\)')
answer=$(first msix 'cfg BAR0 -> 0xffff8004 \(size probe answer: 32 KiB, 64-bit\)')
feat=$(first msix 'common\.device_feature -> 0x[0-9a-f]+ \(SIZE_MAX SEG_MAX BLK_SIZE FLUSH')
ack=$(first msix 'common\.driver_feature <- 0x1 \(VERSION_1\)')
fok=$(first msix 'common\.device_status <- 0xb \(ACKNOWLEDGE DRIVER FEATURES_OK\)')
ring=$(first msix 'common\.queue_desc_lo <- 0x[0-9a-f]+ \(queue 0\)')
enable=$(first msix 'common\.queue_enable <- 0x1 \(queue 0\)')
msix=$(first msix 'msix\.table\[0\]\.data <- 0x31 \(vector 0x31\)')
door=$(first msix 'blk0 +doorbell +virtio-blk0 queue 0: ')
push=$(first msix 'blk0 +push +virtio-blk0 queue 0: head [0-9]+ onto the used ring, len 513')
irq=$(first msix 'blk0 +irq +virtio-blk0 queue 0: interrupt, MSI-X 0 -> vector 0x31')
order="$probe $answer $feat $ack $fok $msix $ring $enable $door $push $irq"
if [ "$rc" != 145 ]; then
	fail "blk_msix --trace: exit status $rc, want 145: $(tail -n 3 "$tmp/msix.out")"
elif [ "$(wc -w <<<"$order")" != 11 ]; then
	fail "blk_msix --trace: a step is missing (line numbers: probe=$probe answer=$answer features=$feat ack=$ack FEATURES_OK=$fok msix=$msix ring=$ring enable=$enable doorbell=$door push=$push irq=$irq)"
elif [ "$order" != "$(tr ' ' '\n' <<<"$order" | sort -n | tr '\n' ' ' | sed 's/ $//')" ]; then
	fail "blk_msix --trace: out of order: $order"
elif grep -qE '^\[[^]]*\] vcpu0 +IO +(in|out) port 0x3f' "$tmp/msix.err"; then
	fail "blk_msix --trace=pci,virtio,irq: serial exits shown"
else
	pass "blk_msix --trace=pci,virtio,irq: BAR sizing, features named, FEATURES_OK, MSI-X entry, queue set up, doorbell, completion, MSI-X vector 0x31, in that order"
fi

# --- the file: JSON, tracks, spans; exit spans = --stats' total ---
total=$(sed -n '/vCPU exits  /,/total/p' "$tmp/msix.err" | sed -n 's/^  total  *//p')
if ! out=$($CHECK "$tmp/msix.json" vcpu0 blk0 squeeze); then
	fail "--trace-file: $out"
elif [ "${out%% *}" != "exits=$total" ]; then
	fail "--trace-file: $out, but --stats counted $total exits"
else
	pass "--trace-file: valid JSON, tracks vcpu0, blk0 and squeeze named, spans closed and nested, $total exit spans as --stats counted"
fi

# --- --stats on blk_msix: one request, its interrupt, as the guest saw ---
guest_irqs=$(sed -n 's/^blk_msix: OK: \([0-9]*\) interrupts.*/\1/p' "$tmp/msix.out")
row=$(stat msix 'virtio-blk0' requests)
if [ -z "$guest_irqs" ] || [ "$(stat msix 'virtio-blk0 q0 MSI-X 0 -> vector 0x31')" != "$guest_irqs" ]; then
	fail "--stats on blk_msix: interrupts '$(stat msix 'virtio-blk0 q0 MSI-X 0 -> vector 0x31')', the guest took '$guest_irqs'"
elif ! grep -qE '^1 +0\.5 +0\.0 +0 +[0-9]+\.[0-9] +[0-9]+\.[0-9]$' <<<"$row"; then
	fail "--stats on blk_msix: virtio-blk0 row '$row', want 1 request, 0.5 KiB read"
else
	pass "--stats on blk_msix: 1 request of 0.5 KiB with its latency, $guest_irqs interrupt on vector 0x31 as the guest counted"
fi

# blk: four polled requests (read, write, flush, read), no vector.
run blk blk --disk "$tmp/disk.img" --stats
row=$(stat blk 'virtio-blk0' requests)
if [ "$rc" = 33 ] && grep -qE '^4 +1\.0 +0\.5 +0 ' <<<"$row"; then
	pass "--stats on blk: 4 requests, 1 KiB read, 0.5 KiB written"
else
	fail "--stats on blk: status $rc, row '$row'"
fi

# --- IOAPIC lines: serial_irq echoes input; lines, messages, counts ---
printf 'ping\n' >"$tmp/ping"
STDIN=$tmp/ping run sirq serial_irq --trace=irq --stats
# The LAPIC folds messages that arrive while the vector is pending or in
# service into one: the guest counts at most as many as were sent.
n=$(stat sirq 'ioapic pin 4 (serial0) -> vector 0x30')
lines=$(grep -cE '^\[[^]]*\] [a-z0-9]+ +msi +ioapic pin 4 ' "$tmp/sirq.err")
if [ "$rc" -lt 3 ] || [ -z "$n" ] || [ $(((rc - 1) / 2)) -gt "$n" ] ||
   [ "$lines" != "$n" ] || [ "$(stat sirq 'IOAPIC messages sent')" != "$n" ]; then
	fail "serial_irq: the guest took $(((rc - 1) / 2)) interrupts, --stats says '$n' sent on pin 4 (of '$(stat sirq 'IOAPIC messages sent')'), the trace $lines"
elif ! grep -qE '^\[[^]]*\] [a-z0-9]+ +line +ioapic pin 4 \(serial0\) raised' "$tmp/sirq.err" ||
     ! grep -qE '^\[[^]]*\] [a-z0-9]+ +msi +ioapic pin 4 \(serial0\) sends vector 0x30 to APIC 0, edge' "$tmp/sirq.err" ||
     ! grep -qE 'ioapic\.IOWIN <- 0x30 \(REDTBL\[4\] low: vector 0x30, fixed, edge, unmasked\)' "$tmp/sirq.err"; then
	fail "serial_irq --trace=irq: line, message or redirection entry not decoded: $(grep -m3 ioapic "$tmp/sirq.err")"
else
	pass "serial_irq --trace=irq: pin 4 programmed, raised, vector 0x30 sent $n times (trace and --stats agree), the guest took $(((rc - 1) / 2))"
fi

# --- a restarted guest: the same tracks go on, spans still nest ---
truncate -s 64K "$tmp/boots.img"
run boots boots --disk "$tmp/boots.img" --cmdline resets=1 --on-reboot restart \
	--trace-file "$tmp/boots.json" --stats
total=$(sed -n '/vCPU exits  /,/total/p' "$tmp/boots.err" | sed -n 's/^  total  *//p')
if [ "$rc" != 0 ]; then
	fail "boots --trace-file: exit status $rc: $(tail -n 2 "$tmp/boots.err")"
elif ! out=$($CHECK "$tmp/boots.json" vcpu0 blk0 squeeze) ||
     [ "${out%% *}" != "exits=$total" ]; then
	fail "boots --trace-file over a restart: $out (stats: $total)"
else
	pass "--trace-file over a guest restart: one vcpu0 track, spans nest, $total exit spans"
fi

# --- bad input: one line, exit 2, nothing created or changed ---
expect_exit2 10 "--trace=foo" "unknown class 'foo'" \
	"$SQUEEZE" run --kernel "$GUESTS/hello.elf" --trace=pio,foo
expect_exit2 10 "--trace-file in a missing directory" "--trace-file $tmp/nodir/t.json" \
	"$SQUEEZE" run --kernel "$GUESTS/hello.elf" --trace-file "$tmp/nodir/t.json"
cp "$GUESTS/hello.elf" "$tmp/kernel.elf"
sum=$(md5sum <"$tmp/kernel.elf")
expect_exit2 10 "--trace-file naming the kernel" "is a file the VM reads" \
	"$SQUEEZE" run --kernel "$tmp/kernel.elf" --trace-file "$tmp/kernel.elf"
[ "$(md5sum <"$tmp/kernel.elf")" = "$sum" ] && pass "the kernel named by --trace-file is unchanged" ||
	fail "--trace-file overwrote the kernel"
expect_exit2 10 "--trace-file with a bad --disk" "no-such.img" \
	"$SQUEEZE" run --kernel "$GUESTS/hello.elf" --disk "$tmp/no-such.img" \
	--trace-file "$tmp/left.json"
[ ! -e "$tmp/left.json" ] && pass "a VM that is not made leaves no trace file" ||
	fail "a failed start left $tmp/left.json"

t_end
