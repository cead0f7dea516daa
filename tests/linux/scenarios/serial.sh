#!/usr/bin/env bash
# serial: the console in both directions, interrupt-driven. The guest runs
# no scenario, so /init gives it a shell on ttyS0; squeeze's stdin is a
# fifo this script writes to. Once the banner is out, one typed line asks
# the shell for an answer only it can compute ($((6 * 7))) and for the
# ttyS0 line of /proc/interrupts; the answer must come back on squeeze's
# stdout and the count of COM1 interrupts must not be 0 (the 8250 driver
# took its IRQ rather than polling). `exit` then ends the shell: /init
# powers off, exit status 0.
# timeout: 180
set -u
. "$(dirname "$0")/../lib.sh"

CASE=serial CON=$OUT/serial.con ERR=$OUT/serial.err
mkfifo "$OUT/in"
t0=$(date +%s%N)
timeout -k 5 "${GUEST_TIMEOUT:-150}" "$SQUEEZE" run --kernel "$DEB/vmlinuz" \
	--initrd "$DEB/initramfs.cpio.gz" --cpus 2 --memory 512M \
	--cmdline "console=ttyS0 quiet" --verbose \
	<"$OUT/in" >"$CON" 2>"$ERR" &
vm=$!
exec 3>"$OUT/in"

if ! wait_for "$CON" '^squeeze guest: kernel' 900; then
	fail "serial: no banner: $(con_tail "$CON")"
	exec 3>&-
	wait "$vm"
	guest_took "$t0"
	exit
fi
echo 'echo "answer-$((6 * 7))"; grep ttyS0 /proc/interrupts' >&3
if wait_for "$CON" '^answer-42' 300; then
	pass "serial: a line typed on stdin reached the guest's shell, its answer came back"
else
	fail "serial: no answer: $(con_tail "$CON")"
fi
# The grep's line comes after the answer's: wait for it too.
wait_for "$CON" '^ *4: .*ttyS0' 100
irqs=$(tr -d '\r' <"$CON" | grep -a -E '^ *4: .*ttyS0' | tail -n 1)
n=$(awk '{ s = 0; for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) s += $i; print s }' <<<"$irqs")
if [ -n "$irqs" ] && [ "${n:-0}" -gt 0 ]; then
	pass "serial: interrupt-driven: IRQ 4 (ttyS0) taken $n times"
else
	fail "serial: no ttyS0 interrupts in /proc/interrupts: '$irqs'"
fi
echo exit >&3
exec 3>&-
wait "$vm"
st=$?
guest_took "$t0"
stopped_by "$st" power-off
