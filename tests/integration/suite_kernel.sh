#!/usr/bin/env bash
# Debian's kernel, early boot only (under emulating KVM it never reaches
# userspace): the ELF vmlinux with 4 vCPUs until it has printed the e820
# map squeeze built, accepted the ACPI tables and counted the CPUs; the
# bzImage until its decompressor speaks. Also the console escape and the
# signal shutdown on a guest that keeps running. Each wait is bounded.
set -u
. "$(dirname "$0")/lib.sh"
t_begin suite_kernel

DEBIAN=$ROOT/build/debian
VMLINUX=$DEBIAN/vmlinux
VMLINUZ=$DEBIAN/vmlinuz
CMDLINE="earlyprintk=serial console=ttyS0 nokaslr"
tmp=$(mktemp -d)
pid=

cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

if [ ! -e /dev/kvm ]; then
	skip "all cases: /dev/kvm is missing"
	t_end
	exit
fi

# start LOG ARGS...: squeeze in the background, console into LOG; sets $pid.
start() {
	local log=$1
	shift
	"$SQUEEZE" run --console "file=$log" "$@" </dev/null 2>"$log.err" &
	pid=$!
}

# wait_line LOG PATTERN SECONDS: until the line is there or squeeze ends.
wait_line() {
	timeout "$3" tail -n +1 -F --pid="$pid" "$1" 2>/dev/null |
		grep -E -q -m 1 -- "$2"
}

stop() {
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	pid=
}

# The map of firmware/boot/e820.c for RAM below the PCI hole, as Linux prints it.
expected_e820() {
	local mem=$1
	local low=$((mem < 0xc0000000 ? mem : 0xc0000000))
	printf 'BIOS-e820: [mem 0x%016x-0x%016x] usable\n' 0 $((0x9fc00 - 1))
	printf 'BIOS-e820: [mem 0x%016x-0x%016x] reserved\n' $((0x9fc00)) $((0x100000 - 1))
	printf 'BIOS-e820: [mem 0x%016x-0x%016x] usable\n' $((0x100000)) $((low - 1))
	printf 'BIOS-e820: [mem 0x%016x-0x%016x] reserved\n' $((0xe0000000)) $((0xe0100000 - 1))
	[ "$mem" -gt "$low" ] &&
		printf 'BIOS-e820: [mem 0x%016x-0x%016x] usable\n' \
			$((0x100000000)) $((0x100000000 + mem - low - 1))
	return 0
}

if [ ! -f "$VMLINUX" ]; then
	skip "vmlinux: $VMLINUX not built (make guests needs Debian's archive)"
else
	log=$tmp/vmlinux.log
	start "$log" --kernel "$VMLINUX" --cmdline "$CMDLINE" --cpus 4 --memory 256M
	if ! wait_line "$log" "smpboot: Allowing 4 CPUs" 120; then
		fail "vmlinux: no 'smpboot: Allowing 4 CPUs' within 120 s: $(tail -n 3 "$log" "$log.err")"
	else
		pass "vmlinux: smpboot: Allowing 4 CPUs"
	fi
	stop
	grep -q "Linux version" "$log" && pass "vmlinux: Linux version" ||
		fail "vmlinux: no 'Linux version'"
	grep -o 'BIOS-e820: .*' "$log" | tr -d '\r' >"$tmp/e820.got"
	expected_e820 $((256 << 20)) >"$tmp/e820.want"
	if diff -u "$tmp/e820.want" "$tmp/e820.got" >"$tmp/e820.diff"; then
		pass "vmlinux: e820 map is the one squeeze built for 256M"
	else
		fail "vmlinux: e820 map differs: $(cat "$tmp/e820.diff")"
	fi
	for t in RSDP XSDT FACP DSDT FACS APIC MCFG; do
		grep -q "ACPI: $t 0x" "$log" && pass "vmlinux: ACPI $t accepted" ||
			fail "vmlinux: no 'ACPI: $t' line"
	done
	grep -q "ACPI: PM-Timer IO Port: 0x608" "$log" &&
		pass "vmlinux: PM timer at 0x608" ||
		fail "vmlinux: no PM timer line"
	# No PIT: the TSC's rate comes from the hypervisor (kvm-clock), never
	# from a PIT calibration, and the local APIC offers TSC-deadline mode
	# for Linux's timer (the rest of timer set-up comes later in boot than
	# this emulating KVM gets; the full-Linux tier checks it).
	if grep -q "kvm-clock: Using msrs" "$log" &&
	   grep -qE "tsc: Detected [0-9]+\.[0-9]+ MHz processor" "$log" &&
	   ! grep -qiE "tsc: .*(PIT|calibrat)" "$log"; then
		pass "vmlinux: TSC rate from kvm-clock, no PIT calibration"
	else
		fail "vmlinux: TSC rate: $(grep -aE 'tsc:|kvm-clock' "$log" | tr '\n' '|')"
	fi
	grep -q "TSC deadline timer available" "$log" &&
		pass "vmlinux: TSC deadline timer available" ||
		fail "vmlinux: no 'TSC deadline timer available'"
	grep -q "Command line: $CMDLINE" "$log" &&
		pass "vmlinux: command line passed" ||
		fail "vmlinux: command line not seen"

	# The same kernel through its plain ELF 64-bit entry (the PVH note
	# disabled in a copy), with 5G: RAM above the 32-bit hole from 4 GiB.
	if python3 "$ROOT/tests/integration/strip_pvh_note.py" "$VMLINUX" \
		"$tmp/vmlinux-elf64" 2>"$tmp/strip.err"; then
		log=$tmp/elf64.log
		start "$log" --kernel "$tmp/vmlinux-elf64" --cmdline "$CMDLINE" \
			--memory 5G
		# Linux prints this right after the e820 table.
		if wait_line "$log" "NX \(Execute Disable\)" 60; then
			stop
			grep -o 'BIOS-e820: .*' "$log" | tr -d '\r' >"$tmp/e820-5g.got"
			expected_e820 $((5 << 30)) >"$tmp/e820-5g.want"
			if diff -u "$tmp/e820-5g.want" "$tmp/e820-5g.got" \
				>"$tmp/e820-5g.diff"; then
				pass "ELF 64-bit entry, 5G: e820 map with RAM from 4 GiB"
			else
				fail "ELF 64-bit entry, 5G: e820 differs: $(cat "$tmp/e820-5g.diff")"
			fi
		else
			fail "ELF 64-bit entry, 5G: no e820 map in 60 s: $(tail -n 3 "$log" "$log.err")"
			stop
		fi
		grep -q "Linux version" "$log" &&
			pass "ELF 64-bit entry: Linux version" ||
			fail "ELF 64-bit entry: no 'Linux version'"
	else
		fail "ELF 64-bit entry: cannot disable the PVH note: $(cat "$tmp/strip.err")"
	fi
	rm -f "$tmp/vmlinux-elf64"

	# Ctrl-A x from a pipe quits with status 0 while the guest runs.
	log=$tmp/quit.log
	mkfifo "$tmp/in"
	"$SQUEEZE" run --kernel "$VMLINUX" --cmdline "$CMDLINE" \
		<"$tmp/in" >"$log" 2>"$log.err" &
	pid=$!
	exec 3>"$tmp/in"
	if wait_line "$log" "Linux version" 60; then
		printf '\001x' >&3
		timeout 10 tail -F --pid="$pid" /dev/null >/dev/null 2>&1
		wait "$pid"
		rc=$?
		pid=
		[ "$rc" = 0 ] && pass "Ctrl-A x quits with status 0" ||
			fail "Ctrl-A x: status $rc"
	else
		fail "Ctrl-A x: guest did not start"
		stop
	fi
	exec 3>&-

	# On a terminal: raw while the guest runs, restored after Ctrl-A x.
	if command -v tmux >/dev/null; then
		sess=squeeze-tty-$$
		tmux new-session -d -s "$sess" -x 100 -y 30 \
			"stty -g >$tmp/before; $SQUEEZE run --kernel $VMLINUX --cmdline '$CMDLINE' >$tmp/tty.out 2>&1; echo \$? >$tmp/tty.rc; stty -g >$tmp/after; tmux wait-for -S $sess"
		tty=$(tmux display-message -p -t "$sess" '#{pane_tty}')
		pid=$(tmux display-message -p -t "$sess" '#{pane_pid}')
		if wait_line "$tmp/tty.out" "Linux version" 60; then
			mode=$(stty -F "$tty" -a 2>/dev/null)
			tmux send-keys -t "$sess" C-a x
			timeout 20 tmux wait-for "$sess"
			if ! grep -q -- "-icanon" <<<"$mode" || ! grep -q -- "-echo " <<<"$mode"; then
				fail "tty: not in raw mode while running"
			elif [ "$(cat "$tmp/tty.rc" 2>/dev/null)" != 0 ]; then
				fail "tty: Ctrl-A x status $(cat "$tmp/tty.rc" 2>/dev/null)"
			elif ! cmp -s "$tmp/before" "$tmp/after"; then
				fail "tty: terminal settings not restored"
			else
				pass "tty: raw while running, restored after Ctrl-A x"
			fi
		else
			fail "tty: guest did not start"
		fi
		tmux kill-session -t "$sess" 2>/dev/null
		pid=
	else
		skip "tty: tmux is not installed"
	fi

	# SIGTERM: an orderly shutdown with status 128 + 15.
	log=$tmp/term.log
	start "$log" --kernel "$VMLINUX" --cmdline "$CMDLINE" --cpus 2
	if wait_line "$log" "Linux version" 60; then
		kill -TERM "$pid"
		wait "$pid"
		rc=$?
		pid=
		[ "$rc" = 143 ] && pass "SIGTERM: status 143" ||
			fail "SIGTERM: status $rc"
	else
		fail "SIGTERM: guest did not start"
		stop
	fi
fi

if [ ! -f "$VMLINUZ" ]; then
	skip "bzImage: $VMLINUZ not built (make guests needs Debian's archive)"
else
	log=$tmp/bzimage.log
	start "$log" --kernel "$VMLINUZ" --cmdline "$CMDLINE"
	if wait_line "$log" "KASLR disabled|Decompressing Linux" 60; then
		pass "bzImage: the decompressor runs"
	else
		fail "bzImage: no decompressor output in 60 s: $(tail -n 3 "$log" "$log.err")"
	fi
	stop
fi

t_end
