#!/usr/bin/env bash
# Confinement (issue 10): a running VM shows Seccomp: 2 and NoNewPrivs: 1
# on every thread, and CapEff/CapPrm/CapBnd 0 when root started it; a
# forbidden call on an I/O thread (the test build's hook) kills squeeze
# with a report naming the call and the thread, exit 1, and a terminal
# on stdin left in the mode it had; --seccomp=off and
# --verbose; and an ordinary user, created for this test, with access to
# /dev/kvm and /dev/net/tun and a tap made for it, runs the net guest
# through that tap with no root at all.
set -u
. "$(dirname "$0")/lib.sh"
t_begin confine

HOOKS=$ROOT/build/squeeze-hooks
NS=sqz-conf-$$-$RANDOM
USR=sqzconf$$
tmp=$(mktemp -d /var/tmp/suite-confine.XXXXXX)
chmod 755 "$tmp"
vm_pid="" made_user=""
cleanup() {
	[ -n "$vm_pid" ] && kill -9 "$vm_pid" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	[ -n "$made_user" ] && userdel "$USR" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

if [ "$(id -u)" != 0 ] || [ ! -e /dev/kvm ] || [ ! -f "$GUESTS/idle.elf" ]; then
	skip "all: needs root, /dev/kvm and build/guests/idle.elf"
	t_end; exit
fi
if ! ip netns add "$NS" 2>/dev/null; then
	skip "all: cannot create a network namespace"
	t_end; exit
fi
nsx() { ip netns exec "$NS" "$@"; }
nsx sh -c 'ip link set lo up && ip link add br0 type bridge &&
	   ip addr add 10.99.0.1/24 dev br0 && ip link set br0 up' ||
	{ fail "namespace setup"; t_end; exit; }

# wait_ready CONSOLE: the idle guest brought its devices up.
wait_ready() { wait_for "$1" "idle: ready"; }

# threads PID FIELD...: "comm field:value ..." per thread of PID.
threads() {
	local pid=$1 t
	shift
	for t in /proc/"$pid"/task/*; do
		printf '%s' "$(cat "$t/comm")"
		for f in "$@"; do
			printf ' %s:%s' "$f" "$(awk -v f="$f:" '$1 == f { print $2 }' "$t/status")"
		done
		echo
	done
}

# Root: a disk and a net, 2 vCPUs; every thread confined.
as_root() {
	local con=$tmp/root.con bad
	truncate -s 1M "$tmp/d.raw"
	# ip netns exec execs squeeze: $! is the VMM itself.
	ip netns exec "$NS" "$SQUEEZE" run --kernel "$GUESTS/idle.elf" --memory 32M --cpus 2 \
		--disk "$tmp/d.raw" --net bridge=br0 --console file="$con" \
		--verbose </dev/null >/dev/null 2>"$tmp/root.err" &
	vm_pid=$!
	if ! wait_ready "$con"; then
		fail "root: the guest did not start: $(head -c 200 "$tmp/root.err")"
		return
	fi
	threads "$vm_pid" Seccomp NoNewPrivs CapEff CapPrm CapBnd CapAmb \
		>"$tmp/root.threads"
	# The kernel's own workers (kvm-*, iou-*) are listed but not ours.
	bad=$(grep -E '^(squeeze|vcpu[0-9]+|blk[0-9]+|net[0-9]+) ' "$tmp/root.threads" |
	      grep -v ' Seccomp:2 NoNewPrivs:1 CapEff:0000000000000000 CapPrm:0000000000000000 CapBnd:0000000000000000 CapAmb:0000000000000000$')
	if [ "$(grep -cE '^(squeeze|vcpu0|vcpu1|blk0|net0) ' "$tmp/root.threads")" -ne 5 ]; then
		fail "root: threads: $(tr '\n' ';' <"$tmp/root.threads")"
	elif [ -n "$bad" ]; then
		fail "root: not confined: $(echo "$bad" | tr '\n' ';')"
	else
		pass "root: squeeze, vcpu0, vcpu1, blk0, net0 all Seccomp: 2, NoNewPrivs: 1, CapEff/CapPrm/CapBnd/CapAmb 0"
	fi
	kill -TERM "$vm_pid"
	wait "$vm_pid"
	if [ $? -eq 143 ] && grep -q "seccomp filters: main [0-9]*, vcpu [0-9]*, io [0-9]*, vhost [0-9]*, control [0-9]* BPF instructions" "$tmp/root.err"; then
		pass "root: SIGTERM still an orderly exit (143); --verbose printed the filter sizes"
	else
		fail "root: exit or --verbose: $(head -c 300 "$tmp/root.err")"
	fi
	vm_pid=""
	if [ -z "$(ip -n "$NS" -o link show | grep sqz)" ]; then
		pass "root: the tap is gone after the confined exit"
	else
		fail "root: a tap is left behind"
	fi
}

# --seccomp=off: no filter, but still no capabilities.
seccomp_off() {
	local con=$tmp/off.con
	"$SQUEEZE" run --kernel "$GUESTS/idle.elf" --memory 32M --seccomp=off \
		--disk "$tmp/d.raw" --console file="$con" </dev/null >/dev/null 2>&1 &
	vm_pid=$!
	if wait_ready "$con" &&
	   [ "$(threads "$vm_pid" Seccomp NoNewPrivs CapEff | grep -c ' Seccomp:0 NoNewPrivs:1 CapEff:0000000000000000$')" -ge 3 ]; then
		pass "--seccomp=off: no filter, still NoNewPrivs and no capabilities"
	else
		fail "--seccomp=off: $(threads "$vm_pid" Seccomp NoNewPrivs CapEff | tr '\n' ';')"
	fi
	kill -9 "$vm_pid"
	wait "$vm_pid" 2>/dev/null
	vm_pid=""
}

# The test build's hook: an I/O thread opens a socket.
forbidden() {
	local rc
	make -s -C "$ROOT" build/squeeze-hooks >/dev/null 2>&1
	if [ ! -x "$HOOKS" ]; then
		fail "forbidden call: cannot build $HOOKS"
		return
	fi
	SQUEEZE_TEST_HOOK=io-forbidden timeout -k 2 20 "$HOOKS" run \
		--kernel "$GUESTS/idle.elf" --memory 32M --disk "$tmp/d.raw" \
		--console none </dev/null >/dev/null 2>"$tmp/hook.err"
	rc=$?
	if [ $rc -eq 1 ] && grep -q "^squeeze: error: seccomp: thread blk0 made a forbidden system call: socket (41); the VM is stopped$" "$tmp/hook.err"; then
		pass "forbidden call: exit 1, '$(head -n 1 "$tmp/hook.err")'"
	else
		fail "forbidden call: exit $rc: $(head -c 300 "$tmp/hook.err")"
	fi
	SQUEEZE_TEST_HOOK=io-forbidden timeout -k 2 20 "$HOOKS" run --seccomp=off \
		--kernel "$GUESTS/blk.elf" --memory 32M --disk "$tmp/d.raw" \
		--console none </dev/null >/dev/null 2>&1
	rc=$?
	if [ $rc -eq 33 ]; then pass "forbidden call: with --seccomp=off the same build runs the guest (33)"
	else fail "forbidden call: --seccomp=off: exit $rc"; fi
	if ! "$SQUEEZE" run --help >/dev/null 2>&1 || strings "$SQUEEZE" | grep -q io-forbidden; then
		fail "forbidden call: the hook is in the release binary"
	else
		pass "forbidden call: the hook is only in the test build"
	fi
}

# The same hook with the stdio console on a terminal (a pty whose
# foreground job squeeze is): the console makes it raw, and the forbidden
# call, which ends squeeze from the I/O thread, must put its mode back.
forbidden_tty() {
	local out
	[ -x "$HOOKS" ] || return # forbidden() failed already
	out=$(SQUEEZE_TEST_HOOK=io-forbidden python3 -c '
import fcntl, os, subprocess, sys, termios, time
m, s = os.openpty()
before = termios.tcgetattr(s)
with open(sys.argv[1], "wb") as err:
    p = subprocess.Popen(sys.argv[2:], stdin=s, stdout=s, stderr=err,
                         start_new_session=True,
                         preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0))
    os.set_blocking(m, False)
    end = time.monotonic() + 20
    while p.poll() is None and time.monotonic() < end:
        try:
            os.read(m, 65536)
        except BlockingIOError:
            time.sleep(0.02)
    if p.poll() is None:
        p.kill()
after = termios.tcgetattr(s)
raw = after[3] & termios.ICANON == 0
print(p.wait(), "unchanged" if after == before else "raw" if raw else "changed")
' "$tmp/tty.err" "$HOOKS" run --kernel "$GUESTS/idle.elf" --memory 32M \
		--disk "$tmp/d.raw" --console stdio)
	if [ "$out" = "1 unchanged" ] && grep -q "made a forbidden system call: socket (41)" "$tmp/tty.err"; then
		pass "forbidden call on a terminal: exit 1, the terminal's mode as before"
	else
		fail "forbidden call on a terminal: '$out': $(head -c 300 "$tmp/tty.err")"
	fi
}

# An ordinary user, /dev/kvm and /dev/net/tun given to it in a private
# mount namespace (no change to the host's /dev), a tap made for it.
as_user() {
	local uid gid con=$tmp/user.con rc
	if ! command -v useradd >/dev/null || ! command -v setpriv >/dev/null ||
	   ! command -v unshare >/dev/null || ! command -v python3 >/dev/null; then
		skip "ordinary user: needs useradd, setpriv, unshare and python3"
		return
	fi
	if ! useradd -M -d /nonexistent -s /usr/sbin/nologin "$USR" 2>/dev/null; then
		skip "ordinary user: cannot create a user"
		return
	fi
	made_user=1
	uid=$(id -u "$USR") gid=$(id -g "$USR")
	mknod "$tmp/kvm" c 10 232 && mknod "$tmp/tun" c 10 200 &&
		chown "$uid:$gid" "$tmp/kvm" "$tmp/tun" && chmod 600 "$tmp/kvm" "$tmp/tun"
	truncate -s 1M "$tmp/u.raw" && chown "$uid:$gid" "$tmp/u.raw"
	touch "$con" && chown "$uid:$gid" "$con"
	nsx sh -c "ip tuntap add dev sqzu0 mode tap user $uid vnet_hdr &&
		   ip link set sqzu0 master br0 && ip link set sqzu0 up" ||
		{ fail "ordinary user: cannot make the tap"; return; }
	nsx timeout 30 python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.99.0.1", 7777))
open(sys.argv[1], "w").close()
d, a = s.recvfrom(2048)
s.sendto(d, a)' "$tmp/echo.ready" &
	for _ in $(seq 50); do [ -f "$tmp/echo.ready" ] && break; sleep 0.1; done
	# shellcheck disable=SC2016
	nsx unshare -m sh -c 'mount --bind "$1" /dev/kvm && mount --bind "$2" /dev/net/tun &&
		exec setpriv --reuid="$3" --regid="$4" --clear-groups --inh-caps=-all \
		--bounding-set=-all --no-new-privs "$5" run --kernel "$6" --memory 32M \
		--disk "$7" --net tap=sqzu0 --console file="$8"' sh \
		"$tmp/kvm" "$tmp/tun" "$uid" "$gid" "$SQUEEZE" "$GUESTS/net.elf" \
		"$tmp/u.raw" "$con" </dev/null >/dev/null 2>"$tmp/user.err"
	rc=$?
	if [ $rc -eq 97 ] && grep -q "net: OK" "$con"; then
		pass "ordinary user: the net guest's UDP echo through the pre-made tap (status 97), no root"
	else
		fail "ordinary user: status $rc: $(tail -n 2 "$con" | tr '\n' ' ') $(head -c 300 "$tmp/user.err")"
	fi
	# shellcheck disable=SC2016
	ip netns exec "$NS" unshare -m sh -c 'mount --bind "$1" /dev/kvm && mount --bind "$2" /dev/net/tun &&
		exec setpriv --reuid="$3" --regid="$4" --clear-groups --inh-caps=-all \
		"$5" run --kernel "$6" --memory 32M --disk "$7" --net tap=sqzu0 \
		--console file="$8"' sh "$tmp/kvm" "$tmp/tun" "$uid" "$gid" \
		"$SQUEEZE" "$GUESTS/idle.elf" "$tmp/u.raw" "$con" \
		</dev/null >/dev/null 2>"$tmp/user.err" &
	vm_pid=$!
	if wait_ready "$con"; then
		vm_pid=$(pgrep -u "$uid" -x squeeze | head -n 1)
		threads "$vm_pid" Uid Seccomp NoNewPrivs CapEff >"$tmp/user.threads"
		if [ "$(grep -cE " Uid:$uid Seccomp:2 NoNewPrivs:1 CapEff:0000000000000000$" "$tmp/user.threads")" -ge 4 ]; then
			pass "ordinary user: every thread runs as uid $uid, confined by seccomp"
		else
			fail "ordinary user: $(tr '\n' ';' <"$tmp/user.threads")"
		fi
	else
		fail "ordinary user: the idle guest did not start: $(head -c 300 "$tmp/user.err")"
	fi
	[ -n "$vm_pid" ] && kill -TERM "$vm_pid" 2>/dev/null
	wait 2>/dev/null
	vm_pid=""
}

# squeeze exec: its console thread (con0) and the virtio-fs threads of
# the root and current-directory shares are confined like the others,
# and the timeout post-mortem still reads the paused vCPU's registers.
exec_confined() {
	local exe=$GUESTS/exec.elf bad
	if [ ! -f "$exe" ]; then
		skip "exec: build/guests/exec.elf is not built"
		return
	fi
	"$SQUEEZE" exec --kernel "$exe" --timeout 4 -- spin \
		</dev/null >/dev/null 2>"$tmp/exec.err" &
	vm_pid=$!
	sleep 2
	threads "$vm_pid" Seccomp NoNewPrivs CapEff >"$tmp/exec.threads"
	wait "$vm_pid"
	local rc=$?
	vm_pid=""
	bad=$(grep -E '^(squeeze|vcpu[0-9]+|con[0-9]+|fs[0-9]+) ' "$tmp/exec.threads" |
	      grep -v ' Seccomp:2 NoNewPrivs:1 CapEff:0000000000000000$')
	if [ "$(grep -cE '^(squeeze|vcpu0|con0|fs0) ' "$tmp/exec.threads")" -ne 4 ]; then
		fail "exec: threads: $(tr '\n' ';' <"$tmp/exec.threads")"
	elif [ -n "$bad" ]; then
		fail "exec: not confined: $(echo "$bad" | tr '\n' ';')"
	elif [ "$rc" -ne 124 ] || ! grep -q 'RAX=' "$tmp/exec.err"; then
		fail "exec: timeout post-mortem under seccomp: status $rc, $(head -c 300 "$tmp/exec.err")"
	else
		pass "exec: squeeze, vcpu0, con0, fs0 confined; the timeout post-mortem still shows the registers (124)"
	fi
}

as_root
seccomp_off
forbidden
forbidden_tty
as_user
exec_confined
t_end
