#!/usr/bin/env bash
# --fs and --disk vhost-user= as a user runs them: the tiny fs guest gets
# FUSE_INIT answered by the virtiofsd squeeze started (reply by MSI-X),
# with one and two shares and RAM above 4 GiB; the tiny blk guests on a
# qemu-storage-daemon export; virtiofsd killed under a running VM; and no
# virtiofsd or socket left after exit, power-off, SIGTERM, SIGKILL and a
# startup error. Each bad input exits 2 with one line.
set -u
. "$(dirname "$0")/lib.sh"
t_begin suite_fs

tmp=$(mktemp -d /var/tmp/suite-fs.XXXXXX)
bg=()
cleanup() {
	local p
	for p in "${bg[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
# squeeze's private sockets go here: it must stay empty.
export TMPDIR=$tmp/tmpdir
mkdir -p "$TMPDIR" "$tmp/share" "$tmp/other"
echo hello >"$tmp/share/file.txt"
FS=$GUESTS/fs.elf
OK=161			# fs guest code 0x50
qsd=$(command -v qemu-storage-daemon)

# nothing_left NAME [WAIT_S]: no virtiofsd of ours (after up to WAIT_S s),
# nothing in TMPDIR.
nothing_left() {
	local name=$1 wait=${2:-0} left
	if ! left=$(virtiofsds_gone "$tmp" $((wait * 10))); then
		fail "$name: virtiofsd left running: $left"
	elif [ -n "$(ls -A "$TMPDIR")" ]; then
		fail "$name: left in TMPDIR: $(ls -A "$TMPDIR")"
	else
		pass "$name: no virtiofsd, no socket left"
	fi
}

# run_fs NAME WANT_STATUS ARGS...: the fs guest; console in $tmp/out.
run_fs() {
	local name=$1 want=$2 rc
	shift 2
	timeout 30 "$SQUEEZE" run --kernel "$FS" --memory 32M "$@" \
		</dev/null >"$tmp/out" 2>&1
	rc=$?
	if [ $rc != "$want" ]; then
		fail "$name: status $rc, want $want: $(tr -d '\r' <"$tmp/out" | tail -n 3 | tr '\n' ' ')"
		return 1
	fi
	return 0
}

has() { tr -d '\r' <"$tmp/out" | grep -q -- "$1"; }

tiny_fs() {
	if run_fs "one share" $OK --fs "$tmp/share" &&
	   has "fs0: virtio-fs at .*tag 'share', 1 request queue" &&
	   has "fs0: FUSE_INIT ok: FUSE 7\.[0-9]*, .*reply by MSI-X" &&
	   has "fs: OK: 1 device(s)"; then
		pass "tiny guest: tag from config space, FUSE_INIT by the real virtiofsd, reply by MSI-X"
	else
		fail "tiny guest, one share: $(tr -d '\r' <"$tmp/out" | tr '\n' ' ')"
	fi
	nothing_left "debug-exit"
	if run_fs "two shares" $OK --fs "$tmp/share,tag=first" \
		--fs "$tmp/other,tag=second,readonly=on" &&
	   has "fs0: .*tag 'first'" && has "fs1: .*tag 'second'" &&
	   has "fs1: FUSE_INIT ok" && has "fs: OK: 2 device(s)"; then
		pass "two --fs at once"
	else
		fail "two --fs: $(tr -d '\r' <"$tmp/out" | tr '\n' ' ')"
	fi
	nothing_left "two shares"
	if (cd "$tmp" && run_fs "relative DIR" $OK --fs share,tag=rel) &&
	   has "fs0: .*tag 'rel'" && has "fs: OK"; then
		pass "a relative DIR (virtiofsd gets it absolute)"
	else
		fail "relative DIR: $(tr -d '\r' <"$tmp/out" | tr '\n' ' ')"
	fi
	if run_fs "5G" $OK --fs "$tmp/share" --memory 5G && has "fs: OK"; then
		pass "RAM split around the PCI hole, above 4 GiB (--memory 5G)"
	else
		fail "--memory 5G with --fs"
	fi
	if run_fs "power-off" 0 --fs "$tmp/share" --cmdline "poweroff=1" &&
	   has "fs: OK"; then
		pass "power-off with --fs"
	else
		fail "power-off with --fs"
	fi
	nothing_left "power-off"
	SQUEEZE_VIRTIOFSD=/usr/lib/qemu/virtiofsd run_fs "SQUEEZE_VIRTIOFSD" $OK \
		--fs "$tmp/share" && pass "SQUEEZE_VIRTIOFSD names the program" ||
		fail "SQUEEZE_VIRTIOFSD"
}

# start_held: the fs guest with hold=1 in the background; squeeze's pid
# (no timeout(1) in between: signals go to squeeze) in $held.
start_held() {
	"$SQUEEZE" run --kernel "$FS" --memory 32M --cmdline hold=1 \
		--fs "$tmp/share" "$@" </dev/null >"$tmp/held" 2>&1 &
	held=$!
	bg+=("$held")
	for _ in $(seq 100); do
		grep -q "fs: holding" "$tmp/held" && return 0
		sleep 0.1
	done
	return 1
}

signals() {
	local rc v
	if ! start_held; then
		fail "SIGTERM: the guest never held: $(tr '\n' ' ' <"$tmp/held")"
		return
	fi
	[ -n "$(virtiofsds "$tmp")" ] && pass "a running VM has its virtiofsd" ||
		fail "no virtiofsd seen for a running VM"
	threads=$(cat /proc/"$held"/task/*/comm | grep -v -E '^(kvm|iou)-' |
		sort | tr '\n' ' ')
	[ "$threads" = "fs0 squeeze vcpu0 " ] &&
		pass "threads of a VM with one --fs: squeeze, vcpu0, fs0" ||
		fail "threads of a VM with one --fs: $threads"
	kill -TERM "$held"
	wait "$held"
	rc=$?
	[ $rc = 143 ] && pass "SIGTERM: status 143" || fail "SIGTERM: status $rc"
	nothing_left "SIGTERM"

	if start_held; then
		kill -KILL "$held"
		wait "$held" 2>/dev/null
		# Nobody cleans up after SIGKILL: virtiofsd goes by itself.
		nothing_left "SIGKILL of squeeze" 3
	else
		fail "SIGKILL: the guest never held"
	fi

	# virtiofsd dies under a running VM: one line, the VM keeps going.
	if start_held; then
		killed=$(virtiofsds "$tmp")
		for v in $killed; do kill -KILL "$v"; done
		for _ in $(seq 50); do
			grep -q "needs reset" "$tmp/held" && break
			sleep 0.1
		done
		if grep -q "needs reset: fs0: vhost-user back-end closed the connection" "$tmp/held" &&
		   [ "$(grep -c "needs reset" "$tmp/held")" = 1 ] &&
		   kill -0 "$held" 2>/dev/null; then
			pass "virtiofsd killed: one NEEDS_RESET line, the VM still runs"
		else
			fail "virtiofsd killed ($(echo $killed)): $(tr '\n' ' ' <"$tmp/held")"
		fi
		kill -TERM "$held"
		wait "$held"
		rc=$?
		[ $rc = 143 ] && pass "then SIGTERM: status 143" ||
			fail "then SIGTERM: status $rc"
		nothing_left "after virtiofsd died"
	fi
}

# bad NAME PATTERN ARGS...: status 2, one line with PATTERN, nothing left.
bad() {
	local name=$1 pat=$2 rc
	shift 2
	timeout 20 "$SQUEEZE" run --kernel "$FS" --memory 32M "$@" \
		</dev/null >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ $rc != 2 ]; then
		fail "$name: status $rc, want 2: $(head -c 300 "$tmp/err")"
	elif ! grep -q -- "$pat" "$tmp/err"; then
		fail "$name: stderr lacks '$pat': $(head -c 300 "$tmp/err")"
	elif [ "$(wc -l <"$tmp/err")" != 1 ]; then
		fail "$name: want one line, got: $(cat "$tmp/err")"
	else
		pass "$name: status 2, one line"
	fi
	[ -z "$(virtiofsds "$tmp")" ] && [ -z "$(ls -A "$TMPDIR")" ] ||
		fail "$name: left something behind"
}

bad_inputs() {
	bad "--fs of a missing directory" "no such directory" --fs "$tmp/nope"
	bad "--fs of a file" "not a directory" --fs "$tmp/share/file.txt"
	SQUEEZE_VIRTIOFSD=$tmp/nope bad "SQUEEZE_VIRTIOFSD missing" \
		"not an executable file" --fs "$tmp/share"
	bad "--fs socket= without a socket" "cannot connect" \
		--fs "socket=$tmp/nope.sock,tag=x"
	python3 -c 'import socket, sys; s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' \
		"$tmp/stale.sock"
	bad "--fs socket= nobody listens on" "nobody listens" \
		--fs "socket=$tmp/stale.sock,tag=x"
	bad "--fs socket= without tag" "needs tag=NAME" --fs "socket=$tmp/s"
	bad "--fs tag too long" "longer than 36" \
		--fs "$tmp/share,tag=0123456789012345678901234567890123456"
	bad "--fs same tag twice" "used twice" --fs "$tmp/share,tag=a" \
		--fs "$tmp/other,tag=a"
	bad "--fs unknown option" "unknown option 'dax'" --fs "$tmp/share,dax=on"
	bad "--disk vhost-user= nobody listens" "nobody listens" \
		--disk "vhost-user=$tmp/stale.sock"
	bad "--disk vhost-user= with format=" "does not apply" \
		--disk "vhost-user=$tmp/s,format=raw"
	# A startup error after virtiofsd was started: it must be stopped.
	bad "console file in a missing directory, after --fs" "$tmp/nodir" \
		--fs "$tmp/share" --console "file=$tmp/nodir/c.txt"
	bad "second --fs fails after the first started" "no such directory" \
		--fs "$tmp/share" --fs "$tmp/nope"
}

# The tiny blk guests on qemu-storage-daemon: the same transport and MSI-X.
vhost_blk() {
	local img=$tmp/vub.img sock=$tmp/vub.sock rc want got
	head -c 16 /dev/urandom >"$img"
	truncate -s 64K "$img"
	want=$(od -An -t x1 -N 16 "$img" | tr -s ' \n' ' ' | sed 's/ $//')
	"$qsd" --blockdev "driver=file,node-name=f0,filename=$img" \
		--export "type=vhost-user-blk,id=e0,node-name=f0,addr.type=unix,addr.path=$sock,writable=on" \
		>/dev/null 2>&1 &
	bg+=($!)
	for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done
	timeout 30 "$SQUEEZE" run --kernel "$GUESTS/blk.elf" --memory 32M \
		--disk "vhost-user=$sock" </dev/null >"$tmp/out" 2>&1
	rc=$?
	got=$(tr -d '\r' <"$tmp/out" | sed -n 's/^blk: sector 0://p')
	if [ $rc = 33 ] && [ "$got" = "$want" ] &&
	   cmp -s <(dd if="$img" bs=512 skip=1 count=1 2>/dev/null) \
		  <(for _ in $(seq 32); do printf 'squeeze-blk-ok 1'; done); then
		pass "vhost-user-blk: tiny guest reads sector 0 and writes sector 1 of the file"
	else
		fail "vhost-user-blk blk guest: status $rc, read "$got" want "$want""
	fi
	timeout 30 "$SQUEEZE" run --kernel "$GUESTS/blk_msix.elf" --memory 32M \
		--disk "vhost-user=$sock" </dev/null >"$tmp/out" 2>&1
	rc=$?
	[ $rc = 145 ] && has "blk_msix: OK" &&
		pass "vhost-user-blk: completion by MSI-X from the back-end" ||
		fail "vhost-user-blk blk_msix: status $rc"
	bad "--disk vhost-user=,readonly=on on a writable export" "accepts writes" \
		--disk "vhost-user=$sock,readonly=on"
	# Restarts keep the back-end: rings stopped and set up again per boot,
	# the shared RAM cleared for it too (boots checks its marker is gone).
	timeout 60 "$SQUEEZE" run --kernel "$GUESTS/boots.elf" --memory 32M \
		--disk "vhost-user=$sock" --on-reboot restart </dev/null \
		>"$tmp/out" 2>&1
	rc=$?
	[ $rc = 0 ] && has "boots: boot 3" && has "boots: power off" &&
		pass "vhost-user-blk across two guest restarts (--on-reboot restart)" ||
		fail "restarts with vhost-user-blk: status $rc: $(tr -d '\r' <"$tmp/out" | tail -n 3 | tr '\n' ' ')"
}

if [ ! -x "$SQUEEZE" ] || [ ! -f "$FS" ] || [ ! -e /dev/kvm ]; then
	skip "--fs with tiny guests: needs ./squeeze, build/guests/fs.elf and /dev/kvm"
elif [ ! -x /usr/lib/qemu/virtiofsd ] && [ ! -x /usr/libexec/virtiofsd ]; then
	skip "--fs with tiny guests: virtiofsd is not installed (qemu-system-common)"
else
	tiny_fs
	signals
	bad_inputs
	if [ -n "$qsd" ]; then
		vhost_blk
	else
		skip "vhost-user-blk: qemu-storage-daemon is not installed"
	fi
fi
t_end
