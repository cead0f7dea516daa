#!/usr/bin/env bash
# Tiny PVH guests (build/guests/*.elf, `make guests`) under KVM: console
# output, exit statuses through port 0xf4, triple fault, power-off, reset,
# the file and none consoles, and SMP. A missing guest is a failure.
set -u
. "$(dirname "$0")/lib.sh"
t_begin suite_boot

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ ! -e /dev/kvm ]; then
	skip "all cases: /dev/kvm is missing"
	t_end
	exit
fi

# run NAME GUEST [squeeze options...]: status in $rc, output in $tmp/NAME.*
run() {
	local name=$1 guest=$GUESTS/$2.elf
	shift 2
	if [ ! -f "$guest" ]; then
		rc=missing
		echo "missing $guest (run make guests)" >"$tmp/$name.err"
		: >"$tmp/$name.out"
		return
	fi
	timeout 20 "$SQUEEZE" run --kernel "$guest" "$@" \
		</dev/null >"$tmp/$name.out" 2>"$tmp/$name.err"
	rc=$?
}

# check NAME WANT_STATUS [grep pattern for stdout]
check() {
	local name=$1 want=$2 pat=${3:-}
	if [ "$rc" != "$want" ]; then
		fail "$name: exit status $rc, want $want: $(head -c 300 "$tmp/$name.err")"
	elif [ -n "$pat" ] && ! grep -q -- "$pat" "$tmp/$name.out"; then
		fail "$name: no '$pat' on the console: $(head -c 300 "$tmp/$name.out")"
	else
		pass "$name"
	fi
}

# hello writes 0 to port 0xf4 after its line: status (0 << 1) | 1.
run hello hello
check hello 1 "Hello from a squeeze guest"

# exit writes 0x21 unless code=N: (0x21 << 1) | 1 = 0x43.
run exit exit
check exit $((0x43)) "exit guest: code 33"
run exit_code exit --cmdline "code=100"
check exit_code $(((100 << 1) | 1)) "code 100"

run triple triple
if [ "$rc" != 1 ]; then
	fail "triple: exit status $rc, want 1"
elif ! grep -q "triple fault" "$tmp/triple.err" ||
     ! grep -q "^RIP=" "$tmp/triple.err" ||
     ! grep -q "^CR0=" "$tmp/triple.err" ||
     ! grep -q "^CS *=" "$tmp/triple.err"; then
	fail "triple: no reason and register dump on stderr: $(head -c 300 "$tmp/triple.err")"
else
	pass "triple fault: status 1, registers on stderr"
fi

run poweroff poweroff
check poweroff 0 "ACPI S5"
run reset reset
check reset 0 "i8042 reset"

run file hello --console "file=$tmp/console.txt"
if [ "$rc" != 1 ]; then
	fail "console file: exit status $rc, want 1"
elif ! grep -q "Hello from a squeeze guest" "$tmp/console.txt" 2>/dev/null; then
	fail "console file: the guest's line is not in the file"
elif [ -s "$tmp/file.out" ]; then
	fail "console file: output also went to stdout"
elif [ "$(stat -c %a "$tmp/console.txt")" != 644 ]; then
	fail "console file: mode $(stat -c %a "$tmp/console.txt"), want 644"
else
	pass "console file=PATH captures the output"
fi

# The file is truncated, not appended to.
run file2 exit --console "file=$tmp/console.txt"
if [ "$(grep -c . "$tmp/console.txt")" = 1 ] &&
   grep -q "exit guest" "$tmp/console.txt"; then
	pass "console file is truncated on each run"
else
	fail "console file: old contents kept: $(head -c 200 "$tmp/console.txt")"
fi

run none hello --console none
if [ "$rc" = 1 ] && [ ! -s "$tmp/none.out" ]; then
	pass "console none discards the output"
else
	fail "console none: status $rc, stdout $(head -c 100 "$tmp/none.out")"
fi

run smp hello --cpus 4
check smp 1 "Hello from a squeeze guest"
run smp_big exit --cpus 16 --memory 64M
check smp_big $((0x43)) "exit guest"

# smp wakes every AP the MADT lists (INIT, STARTUP, STARTUP), each counts
# itself, and the guest exits with the number of CPUs up: (N << 1) | 1.
for n in 1 2 4; do
	run smp_up$n smp --cpus $n
	check smp_up$n $(((n << 1) | 1)) "smp guest: $n of $n CPUs up"
done
# Told to wait for more CPUs than exist, it reports those that came up.
run smp_short smp --cpus 2 --cmdline "cpus=4"
check smp_short 5 "smp guest: 2 of 2 CPUs up"

# serial_irq: COM1 interrupts, serial.c -> squeeze's IOAPIC pin 4 -> its
# MSI route and irqfd -> vector 0x30 -> KVM's LAPIC. The guest reads input (received-data
# interrupt) and sends the echo (THR-empty interrupt) only in its handler,
# stops at '\n' and exits with the number of interrupts N: status 2N+1
# (3..127); 129 = not done in ~4 s.
# check_serial_irq NAME MIN_IRQS: rc, $tmp/NAME.out
check_serial_irq() {
	local name=$1 min=$2 out n
	out=$(tr -d '\r' <"$tmp/$name.out")
	n=$(sed -n 's/^serial_irq: OK: \([0-9]*\) interrupts, 5 bytes in, 5 out on THRE$/\1/p' \
		<<<"$out")
	if [ -z "$n" ] || [ "$rc" != $(((n << 1) | 1)) ]; then
		fail "$name: status $rc, console: $(tail -c 200 <<<"$out" | tr '\n' '|') $(head -c 200 "$tmp/$name.err")"
	elif ! grep -qx ping <<<"$out"; then
		fail "$name: 'ping' not echoed: $(tr '\n' '|' <<<"$out")"
	elif [ "$n" -lt "$min" ]; then
		fail "$name: $n interrupt(s), want at least $min"
	else
		pass "$name: input read and echoed by the IRQ 4 handler ($n interrupts)"
	fi
}

# wait_out FILE SUFFIX: up to 10 s for the console output to end in SUFFIX.
wait_out() {
	local i
	for i in $(seq 500); do
		# The x keeps $(...) from eating a trailing newline.
		[ "$(tail -c ${#2} "$1" 2>/dev/null; echo x)" = "${2}x" ] &&
			return 0
		sleep 0.02
	done
	return 1
}

if [ ! -f "$GUESTS/serial_irq.elf" ]; then
	fail "serial_irq: missing $GUESTS/serial_irq.elf (run make guests)"
else
	# All input queued before the guest enables the interrupt.
	printf 'ping\n' | timeout 20 "$SQUEEZE" run \
		--kernel "$GUESTS/serial_irq.elf" >"$tmp/sirq.out" \
		2>"$tmp/sirq.err"
	rc=$?
	check_serial_irq sirq 1

	# Input in two parts, each sent once the guest is asleep in hlt
	# (its previous output is on the console): two interrupts at least.
	mkfifo "$tmp/sirq.fifo"
	timeout 20 "$SQUEEZE" run --kernel "$GUESTS/serial_irq.elf" \
		<"$tmp/sirq.fifo" >"$tmp/sirq2.out" 2>"$tmp/sirq2.err" &
	pid=$!
	exec {wfd}>"$tmp/sirq.fifo"
	wait_out "$tmp/sirq2.out" $'waiting for input\n' && printf 'pi' >&$wfd
	wait_out "$tmp/sirq2.out" 'pi' && printf 'ng\n' >&$wfd
	exec {wfd}>&-
	wait $pid
	rc=$?
	check_serial_irq sirq2 2
fi

# ioapic_level: pin 4 level-triggered; the guest leaves the byte in RBR
# twice and only EOIs, so the IOAPIC must send the interrupt again while
# the line stays up (KVM_EXIT_IOAPIC_EOI -> remote IRR cleared -> re-sent).
# Host side (--stats): KVM reported the EOIs, and every message the IOAPIC
# sent arrived as an interrupt the guest counted.
if [ ! -f "$GUESTS/ioapic_level.elf" ]; then
	fail "ioapic_level: missing $GUESTS/ioapic_level.elf (run make guests)"
else
	printf 'L' | timeout 20 "$SQUEEZE" run --stats \
		--kernel "$GUESTS/ioapic_level.elf" >"$tmp/level.out" \
		2>"$tmp/level.err"
	rc=$?
	stats_value() { sed -n "s/^  $1  *\([0-9]*\)\$/\1/p" "$tmp/level.err"; }
	eois=$(stats_value "IOAPIC EOI")
	msgs=$(stats_value "IOAPIC messages sent")
	late=$(tr -d '\r' <"$tmp/level.out" | sed -n 's/^ioapic_level: OK: 3 interrupts while asserted, remote IRR set in each, clear at the end; \([01]\) late$/\1/p')
	if [ "$rc" != 193 ] || [ -z "$late" ]; then
		fail "ioapic_level: status $rc: $(tail -c 300 "$tmp/level.out" | tr '\n' '|')"
	elif [ -z "$eois" ] || [ "$eois" -lt 3 ]; then
		fail "ioapic_level: ${eois:-no} IOAPIC EOI exits, want at least 3"
	elif [ "$msgs" != $((3 + late)) ]; then
		fail "ioapic_level: the IOAPIC sent ${msgs:-?} messages, the guest took $((3 + late))"
	else
		pass "ioapic_level: a level line re-sent after EOI while asserted ($eois EOIs, $msgs messages)"
	fi
fi

# --stats: the start-up table has every step with a time in ms, the hello
# guest's console line costs port I/O exits (at least one per character),
# and none of it lands on the guest's console (stdout).
run stats hello --stats
steps=$(sed -n '/^squeeze stats: start-up and exit  *ms$/,/^squeeze stats:/p' \
	"$tmp/stats.err" | grep -cE '^  [a-zA-Z/].* [0-9]+\.[0-9]{3}$')
pio=$(sed -n 's/^  port I\/O  *\([0-9]*\)$/\1/p' "$tmp/stats.err")
if [ "$rc" != 1 ]; then
	fail "stats: exit status $rc"
elif [ "$steps" != 13 ]; then
	fail "stats: $steps timed rows in the start-up table, want 13: $(head -c 300 "$tmp/stats.err")"
elif [ -z "$pio" ] || [ "$pio" -lt 26 ]; then
	fail "stats: ${pio:-no} port I/O exits for a 26-character line"
elif grep -q "squeeze stats" "$tmp/stats.out"; then
	fail "stats: the tables went to the guest's console"
else
	pass "stats: start-up steps timed, $pio port I/O exits counted"
fi

# The smallest RAM allowed, and one that needs the region above 4 GiB.
run mem_min hello --memory 16M
check mem_min 1 "Hello from a squeeze guest"
run mem_high hello --memory 4G
check mem_high 1 "Hello from a squeeze guest"

t_end
