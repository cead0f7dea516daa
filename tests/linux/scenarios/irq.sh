#!/usr/bin/env bash
# irq: KVM's split irqchip under a full Linux guest (issue 11): the LAPICs
# in KVM, the IOAPIC in squeeze, no PIC, no PIT. The Debian guest (2 vCPUs)
# runs guests/scenarios/clock.sh; its console is stamped with the host's
# clock as each line arrives. Checks:
#   - the banner (kernel, 2 CPUs, MemTotal within 5% of 2 GiB), then
#     power-off, exit 0;
#   - `sleep 5` in the guest takes 5 s by the host's clock, +-10%: its
#     length by the guest's clock times the guest's second measured by
#     the host (guest_second), not the time between two console lines,
#     which one late line stretches;
#   - Linux keeps time without a PIT: clocksource kvm-clock or tsc, its
#     tick on the LAPIC's TSC-deadline timer (clockevent lapic-deadline),
#     "Using NULL legacy PIC", and no "Failed to register legacy timer
#     interrupt" (the i8253 it would try when it lacks TSC-deadline);
#   - the console is interrupt-driven: /proc/interrupts counts ttyS0's
#     interrupts on the IO-APIC, at most as many as squeeze's IOAPIC sent
#     (--stats).
# timeout: 200
set -u
. "$(dirname "$0")/../lib.sh"

# marks: "H U" for each "clock: mark U" line, H its stamp.
marks() { sed -n 's/^\([0-9.]*\) clock: mark \([0-9.]*\)$/\1 \2/p' "$OUT/clock.stamped"; }

# guest_second: how long the guest's second is by the host's clock. Each
# "clock: mark U" line (the guest's uptime U) is stamped H as it arrives:
# H = r * U + c + the console's delay on that line. Of the first three
# marks and of the last three, the line of least delay gives one point
# each, and r the slope between them, so one late line (the outer guest
# busy elsewhere) does not count. Prints nothing with too few marks.
guest_second() {
	marks | awk '{ h[NR] = $1; u[NR] = $2 }
		function late(i) { return h[i] - u[i] }
		END {
			if (NR < 6)
				exit
			a = 1; b = NR
			for (i = 2; i <= 3; i++) if (late(i) < late(a)) a = i
			for (i = NR - 2; i < NR; i++) if (late(i) < late(b)) b = i
			if (u[b] - u[a] >= 2)
				printf "%.4f\n", (h[b] - h[a]) / (u[b] - u[a])
		}'
}

CASE=clock CON=$OUT/clock.con ERR=$OUT/clock.err
timeout -k 5 "${GUEST_TIMEOUT:-150}" "$SQUEEZE" run \
	--kernel "$DEB/vmlinuz" --initrd "$DEB/initramfs.cpio.gz" \
	--cpus 2 --memory 2G --verbose --stats --cmdline "$(cmdline clock)" \
	--console stdio </dev/null 2>"$ERR" |
	while IFS= read -r l; do
		printf '%s %s\n' "$EPOCHREALTIME" "${l%$'\r'}"
	done >"$OUT/clock.stamped"
st=${PIPESTATUS[0]}
sed 's/^[0-9.]* //' "$OUT/clock.stamped" >"$CON"
banner 2 $((2 << 30))
stopped_by "$st" power-off
if ! con_has "$CON" "squeeze scenario clock: exit 0"; then
	fail "clock: the guest scenario failed: $(con_tail "$CON")"
fi

# stamp TEXT: the host's time when the line TEXT arrived.
stamp() { sed -n "s/^\\([0-9.]*\\) $1\$/\\1/p" "$OUT/clock.stamped" | head -n 1; }
t0=$(stamp "clock: sleep 5 start") t1=$(stamp "clock: sleep 5 end")
apart=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
g=$(con_value "$CON" "clock: slept ") g=${g%% *}
r=$(guest_second)
if [ -z "$t0" ] || [ -z "$t1" ]; then
	fail "clock: no 'sleep 5' lines: $(con_tail "$CON")"
elif [ -z "$g" ]; then
	fail "clock: no 'clock: slept' line: $(con_tail "$CON")"
elif [ -z "$r" ]; then
	fail "clock: cannot measure the guest's second, marks at uptimes:" \
		"'$(marks | cut -d ' ' -f 2 | tr '\n' ' ')'" \
		"(want 6 or more, over 2 s or more)"
elif d=$(awk -v g="$g" -v r="$r" 'BEGIN { printf "%.3f", g * r;
		exit !(g * r >= 4.5 && g * r <= 5.5) }'); then
	pass "clock: sleep 5 in the guest took $d s by the host's clock" \
		"($g s by the guest's, whose second is $r s by the host's;" \
		"its console lines $apart s apart)"
else
	# A nested host that calibrated its own TSC badly shows here first.
	fail "clock: sleep 5 in the guest took $d s by the host's clock (4.5-5.5):" \
		"$g s by the guest's, whose second is $r s by the host's;" \
		"'$(con_value "$CON" "clock: dmesg: tsc: Detected ")'"
fi

cs=$(con_value "$CON" "clock: clocksource ")
ce=$(con_value "$CON" "clock: clockevent ")
if [[ $cs != kvm-clock && $cs != tsc ]]; then
	fail "clock: clocksource '$cs', want kvm-clock or tsc"
elif [ "$ce" != lapic-deadline ]; then
	fail "clock: tick device '$ce', want lapic-deadline"
else
	pass "clock: clocksource $cs, tick on the TSC-deadline timer ($ce)"
fi
if ! con_has "$CON" "clock: dmesg: Using NULL legacy PIC"; then
	fail "clock: no 'Using NULL legacy PIC': $(grep -a 'clock: dmesg' "$CON" | tr '\n' '|')"
elif grep -aq "Failed to register legacy timer interrupt" "$CON"; then
	fail "clock: Linux tried the PIT's IRQ 0"
else
	pass "clock: no PIC, and Linux never looked for the PIT's interrupt"
fi

# "clock: ttyS0 irq 4 COUNT IO-APIC"; the IOAPIC's count from --stats.
read -r pin count chip <<<"$(con_value "$CON" "clock: ttyS0 irq ")"
sent=$(sed -n 's/^  IOAPIC messages sent  *\([0-9]*\)$/\1/p' "$ERR")
if [ "${pin:-}" != 4 ] || [ "${chip:-}" != IO-APIC ]; then
	fail "clock: ttyS0 on irq '${pin:-}' chip '${chip:-}', want 4 IO-APIC"
elif [ "${count:-0}" -lt 1 ] || [ -z "$sent" ] || [ "$count" -gt "$sent" ]; then
	fail "clock: ttyS0 took ${count:-0} interrupts, squeeze's IOAPIC sent ${sent:-?}"
else
	pass "clock: console interrupt-driven: ttyS0 took $count interrupts on IO-APIC pin 4 ($sent sent)"
fi
