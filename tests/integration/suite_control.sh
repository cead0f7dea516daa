#!/usr/bin/env bash
# The control socket (issue 14, docs/control.md) with tiny guests: status,
# pause (the counter stops) and resume; shutdown = the ACPI power button
# (the pwrbtn guest powers off, exit 0); stats against what the guest did;
# a second client, a malformed line, an unknown command and a 1 MB line
# each get an error reply while the VM runs on; squeeze ctl's exit
# statuses; the socket's mode, and the file gone on every way out.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/snap_lib.sh"
t_begin control

tmp=$(mktemp -d /tmp/suite-control.XXXXXX)
trap 'snap_cleanup; rm -rf "$tmp"' EXIT

if [ ! -e /dev/kvm ] || [ ! -x "$SQUEEZE" ] || [ ! -f "$GUESTS/counter.elf" ] ||
   ! command -v python3 >/dev/null; then
	skip "all: needs /dev/kvm, squeeze, build/guests/*.elf and python3"
	t_end; exit
fi

# raw_session SOCKET: send the lines of stdin one by one over one
# connection and print each reply line (python: a 1 MB line needs it).
raw_session() {
	python3 - "$1" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
f = s.makefile("rb")
for req in [b'{not json', b'[1, 2]', b'{"id": 5, "cmd": "fly"}',
            b'{"id": "x", "cmd": "status", "bogus": 1}',
            b'{"cmd": "' + b'a' * (1 << 20) + b'"}', b'{"id": 6, "cmd": "status"}']:
    s.sendall(req + b"\n")
    print(f.readline().decode().strip())
EOF
}

counter_vm() {
	start_vm "$tmp/$1.run" --kernel "$GUESTS/counter.elf" \
		--cmdline "limit=${2:-100000} tick=20" --control "$tmp/$1.ctl" \
		--console file="$tmp/$1.con"
	wait_for "$tmp/$1.con" '^counter: 3$'
}

status_pause_resume() {
	local s a b c mode
	counter_vm pr || { fail "pause: the counter did not start"; return; }
	local sq t conf=""
	sq=$(pgrep -P "$VM" | head -n 1)
	for t in /proc/"$sq"/task/*; do
		[ "$(cat "$t/comm")" = ctl ] && conf=$(awk '/^Seccomp:/ { print $2 }' "$t/status")
	done
	[ "$conf" = 2 ] && pass "the control thread 'ctl' runs under its seccomp filter" ||
		fail "the control thread: Seccomp '$conf' (want 2, filtering)"
	mode=$(stat -c %a "$tmp/pr.ctl")
	[ "$mode" = 600 ] && pass "the socket's mode is 0600" ||
		fail "the socket's mode is $mode"
	s=$(ctl "$tmp/pr.ctl" status)
	[ "$(json_get "$s" "d['state'], d['cpus'], d['memory']")" = "('running', 1, 268435456)" ] &&
		pass "status: $s" || fail "status: $s"
	ctl "$tmp/pr.ctl" pause >/dev/null
	a=$(last_line "$tmp/pr.con")
	sleep 0.6
	b=$(last_line "$tmp/pr.con")
	s=$(ctl "$tmp/pr.ctl" status)
	if [ "$a" = "$b" ] && [ "$(json_get "$s" "d['state']")" = paused ]; then
		pass "pause: the counter stayed at '$a' for 0.6 s, status paused"
	else
		fail "pause: '$a' then '$b', status $s"
	fi
	ctl "$tmp/pr.ctl" resume >/dev/null
	sleep 0.5
	c=$(last_line "$tmp/pr.con")
	if [ "${c#counter: }" -gt "${b#counter: }" ] 2>/dev/null; then
		pass "resume: the counter went on from '$b' to '$c'"
	else
		fail "resume: '$b' then '$c'"
	fi
	protocol_errors
	ctl "$tmp/pr.ctl" poweroff >/dev/null
	reap "$VM"
	local st=$?
	[ "$st" -eq 0 ] && wait_gone "$tmp/pr.ctl" && pass "poweroff: exit 0, socket gone" ||
		fail "poweroff: status $st, socket $(ls "$tmp/pr.ctl" 2>&1)"
}

# On the counter VM of status_pause_resume: bad input gets error replies.
protocol_errors() {
	local out got st a b
	out=$(raw_session "$tmp/pr.ctl")
	got=$(python3 -c '
import json, sys
for line in sys.stdin:
    d = json.loads(line)
    e = d.get("error")
    print(d["id"], e["class"] if e else d["result"]["state"])' <<<"$out" | tr '\n' ',')
	if [ "$got" = "None input,None input,5 input,x input,None input,6 running," ]; then
		pass "malformed line, non-object, unknown command, unknown field, 1 MB line: error replies; then status on the same connection"
	else
		fail "protocol errors: $got: $out"
	fi
	# A second client while one is connected.
	python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
open(sys.argv[2], "w").close(); time.sleep(2)' "$tmp/pr.ctl" "$tmp/holder" &
	local holder=$!
	for _ in $(seq 1 50); do [ -e "$tmp/holder" ] && break; sleep 0.1; done
	sleep 0.2
	out=$(ctl "$tmp/pr.ctl" status 2>&1)
	st=$?
	wait "$holder"
	if [ "$st" -eq 1 ] && [[ $out == *"another client is connected"* ]]; then
		pass "a second client: '$out', exit 1"
	else
		fail "a second client: status $st: $out"
	fi
	a=$(last_line "$tmp/pr.con")
	sleep 0.3
	b=$(last_line "$tmp/pr.con")
	[ "$a" != "$b" ] && pass "the VM kept running through them ('$a' -> '$b')" ||
		fail "the VM stopped counting at '$a'"
}

shutdown_button() {
	local st
	start_vm "$tmp/pb.run" --kernel "$GUESTS/pwrbtn.elf" --control "$tmp/pb.ctl" \
		--console file="$tmp/pb.con"
	wait_for "$tmp/pb.con" '^pwrbtn: armed$' || { fail "shutdown: guest not armed"; return; }
	ctl "$tmp/pb.ctl" shutdown >"$tmp/pb.json"
	reap "$VM"
	st=$?
	if [ "$st" -eq 0 ] && grep -q '^pwrbtn: power button pressed after [1-9]' "$tmp/pb.con" &&
	   grep -q '"enabled_by_guest":true' "$tmp/pb.json" && wait_gone "$tmp/pb.ctl"; then
		pass "shutdown: the guest saw the power button, powered off, exit 0, socket gone"
	else
		fail "shutdown: status $st, $(cat "$tmp/pb.json") $(tr '\n' ' ' <"$tmp/pb.con")"
	fi
}

stats_match() {
	local n s st ok=1 why=""
	truncate -s 1M "$tmp/st.raw"
	start_vm "$tmp/st.run" --kernel "$GUESTS/blkloop.elf" --disk "$tmp/st.raw" \
		--cmdline "rounds=30 sectors=16 wait=1" --control "$tmp/st.ctl" \
		--console file="$tmp/st.con"
	wait_for "$tmp/st.con" '^blkloop: OK' 300 || { fail "stats: blkloop did not finish"; return; }
	n=$(sed -n 's/^blkloop: OK \([0-9]*\) requests$/\1/p' "$tmp/st.con")
	s=$(ctl "$tmp/st.ctl" stats)
	# 60 writes of one sector, a flush, 16 reads: 77 requests.
	[ "$(dev_stat "$s" blk0 requests)" = "$n" ] && [ "$n" = 77 ] || { ok=0; why="$why requests $n"; }
	[ "$(dev_stat "$s" blk0 writes)" = 60 ] && [ "$(dev_stat "$s" blk0 write_bytes)" = $((60 * 512)) ] ||
		{ ok=0; why="$why writes"; }
	[ "$(dev_stat "$s" blk0 reads)" = 16 ] && [ "$(dev_stat "$s" blk0 read_bytes)" = $((16 * 512)) ] &&
	   [ "$(dev_stat "$s" blk0 flushes)" = 1 ] && [ "$(dev_stat "$s" blk0 errors)" = 0 ] ||
		{ ok=0; why="$why reads/flushes/errors"; }
	[ "$(dev_stat "$s" serial tx_bytes)" = "$(stat -c %s "$tmp/st.con")" ] ||
		{ ok=0; why="$why serial bytes $(dev_stat "$s" serial tx_bytes) vs console $(stat -c %s "$tmp/st.con")"; }
	[ "$(json_get "$s" "d['exits']['io'] > 0 and d['exits']['total'] == sum(v['exits']['total'] for v in d['vcpus'])")" = True ] ||
		{ ok=0; why="$why exits"; }
	ctl "$tmp/st.ctl" poweroff >/dev/null
	reap "$VM"
	[ $ok = 1 ] && pass "stats match the guest: 60 writes, 1 flush, 16 reads = $n requests, serial bytes = console file, exits per vCPU add up" ||
		fail "stats:$why: $s"
}

# The socket file is gone however squeeze ends.
socket_gone() {
	local st
	start_vm "$tmp/g1.run" --kernel "$GUESTS/exit.elf" --cmdline "code=3" \
		--control "$tmp/g1.ctl" --console none
	reap "$VM"; st=$?
	[ "$st" -eq 7 ] && [ ! -e "$tmp/g1.ctl" ] && pass "socket gone after the guest's debug exit" ||
		fail "debug exit: status $st, socket $(ls "$tmp/g1.ctl" 2>&1)"
	counter_vm g2 || { fail "SIGTERM: no counter"; return; }
	kill -TERM "$VM"; reap "$VM"; st=$?
	[ "$st" -eq 143 ] && [ ! -e "$tmp/g2.ctl" ] && pass "socket gone after SIGTERM (status 143)" ||
		fail "SIGTERM: status $st, socket $(ls "$tmp/g2.ctl" 2>&1)"
	start_vm "$tmp/g3.run" --kernel "$GUESTS/triple.elf" --control "$tmp/g3.ctl" --console none
	reap "$VM"; st=$?
	[ "$st" -eq 1 ] && [ ! -e "$tmp/g3.ctl" ] && pass "socket gone after a vCPU failure (status 1)" ||
		fail "vCPU failure: status $st, socket $(ls "$tmp/g3.ctl" 2>&1)"
	"$SQUEEZE" run --kernel "$tmp/none.elf" --control "$tmp/g4.ctl" 2>/dev/null; st=$?
	[ "$st" -eq 2 ] && [ ! -e "$tmp/g4.ctl" ] && pass "bad input: exit 2, no socket made" ||
		fail "bad input: status $st, socket $(ls "$tmp/g4.ctl" 2>&1)"
}

socket_path_rules() {
	local st
	counter_vm live || { fail "socket rules: no counter"; return; }
	"$SQUEEZE" run --kernel "$GUESTS/counter.elf" --control "$tmp/live.ctl" \
		--console none 2>"$tmp/busy.err"; st=$?
	[ "$st" -eq 2 ] && grep -q 'another process is listening' "$tmp/busy.err" &&
	   ctl "$tmp/live.ctl" status >/dev/null &&
		pass "a socket in use: exit 2, the first VM's socket untouched" ||
		fail "a socket in use: status $st: $(cat "$tmp/busy.err")"
	kill_vm "$VM"; wait "$VM" 2>/dev/null
	[ -S "$tmp/live.ctl" ] || { fail "kill -9 left no stale socket to test with"; return; }
	start_vm "$tmp/live2.run" --kernel "$GUESTS/counter.elf" --cmdline "limit=4" \
		--control "$tmp/live.ctl" --console file="$tmp/live2.con"
	wait_for "$tmp/live2.con" '^counter: 3$' ||
		{ fail "a stale socket was not replaced: $(cat "$tmp/live2.run.err")"; return; }
	reap "$VM"
	[ ! -e "$tmp/live.ctl" ] && pass "a stale socket (kill -9) is replaced, and removed at exit" ||
		fail "stale socket: left behind"
	echo keep >"$tmp/file.ctl"
	"$SQUEEZE" run --kernel "$GUESTS/counter.elf" --control "$tmp/file.ctl" \
		--console none 2>"$tmp/file.err"; st=$?
	[ "$st" -eq 2 ] && [ "$(cat "$tmp/file.ctl")" = keep ] &&
		pass "a regular file at the path: exit 2, file untouched: $(cat "$tmp/file.err")" ||
		fail "a regular file at the path: status $st"
}

ctl_statuses() {
	local st
	"$SQUEEZE" ctl "$tmp/nothing.ctl" status 2>/dev/null; st=$?
	[ "$st" -eq 2 ] && pass "squeeze ctl on no socket: exit 2" || fail "ctl on no socket: $st"
	"$SQUEEZE" ctl "$tmp/x.ctl" frobnicate 2>/dev/null; st=$?
	[ "$st" -eq 2 ] && pass "squeeze ctl with an unknown command: exit 2" || fail "ctl unknown: $st"
	counter_vm cs || { fail "ctl statuses: no counter"; return; }
	mkdir -p "$tmp/full" && touch "$tmp/full/state"
	"$SQUEEZE" ctl "$tmp/cs.ctl" snapshot "$tmp/full" 2>"$tmp/cs.err"; st=$?
	[ "$st" -eq 2 ] && grep -q 'not an empty directory' "$tmp/cs.err" &&
		pass "snapshot into a used directory: exit 2: $(cat "$tmp/cs.err")" ||
		fail "snapshot into a used directory: status $st: $(cat "$tmp/cs.err")"
	ctl "$tmp/cs.ctl" snapshot "$tmp/cs.snap" --resume >"$tmp/cs.json"; st=$?
	sleep 0.3
	[ "$st" -eq 0 ] && [ "$(json_get "$(ctl "$tmp/cs.ctl" status)" "d['state']")" = running ] &&
		pass "snapshot --resume: the VM runs on: $(cat "$tmp/cs.json")" ||
		fail "snapshot --resume: status $st: $(cat "$tmp/cs.json")"
	ctl "$tmp/cs.ctl" pause >/dev/null
	"$SQUEEZE" ctl "$tmp/cs.ctl" shutdown 2>"$tmp/cs.err"; st=$?
	[ "$st" -eq 2 ] && grep -q 'paused' "$tmp/cs.err" &&
		pass "shutdown while paused: exit 2: $(cat "$tmp/cs.err")" ||
		fail "shutdown while paused: status $st"
	ctl "$tmp/cs.ctl" poweroff >/dev/null
	reap "$VM"
}

status_pause_resume
shutdown_button
stats_match
socket_gone
socket_path_rules
ctl_statuses
t_end
