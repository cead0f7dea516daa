# Domain XML guests that run under KVM, sourced by suite_domxml.sh (its
# helpers: fill, netns, nsx, $tmp, $D): on_reboot=restart and the pty
# console. The Debian guest from domain XML runs the blk and net scenarios
# in the full-Linux tier (tests/linux/scenarios/domxml.sh).

# ifindexes DEV FILE: the distinct ifindexes `ip monitor link` saw for DEV.
ifindexes() {
	sed -n "s/^\(Deleted \)\?\([0-9]*\): $1[:@].*/\2/p" "$2" | sort -u
}

# g_boots resets twice and powers off: three boots, one process, exit 0,
# the count on the disk, RAM zeroed each time, and (with root) one tap
# that lives through the restarts.
restart_guest() {
	local rc mon="" idx
	if [ ! -e /dev/kvm ] || [ ! -f "$GUESTS/boots.elf" ]; then
		skip "on_reboot=restart: needs /dev/kvm and build/guests/boots.elf"
		return
	fi
	fill "$D/boots.xml" "$tmp/boots.xml"
	truncate -s 64K "$tmp/boots.img"
	if netns; then
		nsx ip monitor link >"$tmp/monitor" 2>/dev/null &
		mon=$!
		bg=$mon
		sleep 0.2
		nsx timeout 60 "$SQUEEZE" run --domain "$tmp/boots.xml" \
			</dev/null >/dev/null 2>"$tmp/boots.err"
		rc=$?
	else
		sed -i '/<interface/,/<\/interface>/d' "$tmp/boots.xml"
		timeout 60 "$SQUEEZE" run --domain "$tmp/boots.xml" \
			</dev/null >/dev/null 2>"$tmp/boots.err"
		rc=$?
	fi
	if [ $rc -ne 0 ]; then
		fail "on_reboot=restart: status $rc: $(tail -n 3 "$tmp/boots.con" "$tmp/boots.err" | tr '\n' ' ')"
	elif [ "$(tr -d '\r' <"$tmp/boots.con" | grep '^boots: ')" != "boots: boot 1
boots: reset
boots: boot 2
boots: reset
boots: boot 3
boots: power off" ]; then
		fail "on_reboot=restart: console: $(tr '\n' '|' <"$tmp/boots.con")"
	elif [ "$(head -c 16 "$tmp/boots.img")" != "squeeze-boots 3" ]; then
		fail "on_reboot=restart: the disk counts '$(head -c 16 "$tmp/boots.img")'"
	elif [ "$(cat "$tmp/boots.err")" != "squeeze: dxboots: reset: restarting the guest (boot 2)
squeeze: dxboots: reset: restarting the guest (boot 3)" ]; then
		fail "on_reboot=restart: stderr: $(cat "$tmp/boots.err")"
	else
		pass "on_reboot=restart: 3 boots in one squeeze, exit 0, the disk counted 3, RAM zeroed each time"
	fi
	if [ -n "$mon" ]; then
		sleep 0.2
		kill "$mon" 2>/dev/null
		wait "$mon" 2>/dev/null
		bg=""
		idx=$(ifindexes dxboots-0 "$tmp/monitor")
		# A tap made again would have a new ifindex.
		if [ "$(echo "$idx" | grep -c .)" -eq 1 ] &&
		   grep -q "^Deleted $idx: dxboots-0" "$tmp/monitor" &&
		   ! ip -n "$NS" link show dxboots-0 >/dev/null 2>&1; then
			pass "on_reboot=restart: one tap dxboots-0 (ifindex $idx) through all boots, gone at the end"
		else
			fail "on_reboot=restart: tap ifindexes '$(echo $idx)': $(grep dxboots "$tmp/monitor" | head -n 5 | tr '\n' '|')"
		fi
	else
		skip "on_reboot=restart, same tap: needs root for a network namespace"
	fi
	# The command line overrides the domain: destroy, so one boot only.
	truncate -s 0 "$tmp/boots.img"
	truncate -s 64K "$tmp/boots.img"
	sed -i '/<interface/,/<\/interface>/d' "$tmp/boots.xml"
	timeout 60 "$SQUEEZE" run --domain "$tmp/boots.xml" --on-reboot destroy \
		</dev/null >/dev/null 2>"$tmp/boots.err"
	rc=$?
	if [ $rc -eq 0 ] && [ "$(head -c 16 "$tmp/boots.img")" = "squeeze-boots 1" ] &&
	   [ ! -s "$tmp/boots.err" ]; then
		pass "--on-reboot destroy overrides the domain: one boot, exit 0"
	else
		fail "--on-reboot destroy: status $rc, disk '$(head -c 16 "$tmp/boots.img")': $(cat "$tmp/boots.err")"
	fi
}

# <console type='pty'/> (what virt-install writes): squeeze prints the
# pty's path; the serial_irq guest's output comes out there, and the line
# typed there ends it (status 2N+1 for N receive interrupts; 129 if no
# line came within 4 s).
pty_console() {
	local pid rc pts threads
	if [ ! -e /dev/kvm ] || ! command -v python3 >/dev/null; then
		skip "pty console: needs /dev/kvm and python3"
		return
	fi
	sed -e "s|<kernel>[^<]*</kernel>|<kernel>$GUESTS/serial_irq.elf</kernel>|" \
	    -e 's|<name>dxblk</name>|<name>dxpty</name>|' \
	    -e '/<disk/,/<\/disk>/d' \
	    -e "s|<serial type='stdio'>|<console type='pty'>|" -e 's|</serial>|</console>|' \
		"$D/blk.xml" >"$tmp/pty.xml"
	# No timeout(1) in between: $! is squeeze. The guest ends within 4 s.
	"$SQUEEZE" run --domain "$tmp/pty.xml" </dev/null >/dev/null \
		2>"$tmp/pty.err" &
	pid=$!
	bg=$pid
	for _ in $(seq 50); do
		pts=$(sed -n 's/^squeeze: dxpty: console on \(\/dev\/pts\/[0-9]*\)$/\1/p' "$tmp/pty.err")
		[ -n "$pts" ] && break
		sleep 0.1
	done
	# While it waits for input: its threads carry the domain's name
	# (the kernel's own kvm-* and iou-* workers aside).
	for _ in $(seq 20); do
		threads=$(cat /proc/"$pid"/task/*/comm 2>/dev/null |
			  grep -v -E '^(kvm|iou)-' | sort | tr '\n' ' ')
		[[ $threads == *vcpu0* ]] && break
		sleep 0.1
	done
	python3 - "$pts" >"$tmp/pty.out" 2>&1 <<-'EOF'
		import os, select, sys, time
		fd = os.open(sys.argv[1], os.O_RDWR | os.O_NOCTTY)
		got, end = b"", time.time() + 20
		def read_until(want):
		    global got
		    while want not in got and time.time() < end:
		        if select.select([fd], [], [], 0.5)[0]:
		            try:
		                got += os.read(fd, 4096)
		            except OSError:
		                return
		# The guest's first line before the input that ends it: what
		# squeeze's exit hangs up, the pty may throw away unread.
		read_until(b"waiting for input")
		os.write(fd, b"ping\n")
		read_until(b"serial_irq: OK")
		sys.stdout.write(got.decode(errors="replace"))
	EOF
	wait "$pid"
	rc=$?
	bg=""
	if [ -z "$pts" ]; then
		fail "pty console: no path printed: $(cat "$tmp/pty.err")"
	elif [ $((rc % 2)) -ne 1 ] || [ $rc -ge 129 ] ||
	     ! grep -q "^serial_irq: IRQ 4" "$tmp/pty.out"; then
		fail "pty console: status $rc: $(tr '\r\n' '  ' <"$tmp/pty.out")"
	else
		# The echo and the OK line may be lost: the pty hangs up as
		# squeeze exits.
		pass "pty console: $pts printed, the guest's output read there, the line typed there received by IRQ (status $rc)"
	fi
	if [ "$threads" = "dxpty:vcpu0 squeeze " ]; then
		pass "thread names carry the domain's name: $threads"
	else
		fail "thread names: '$threads'"
	fi
}
