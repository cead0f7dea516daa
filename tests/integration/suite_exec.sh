#!/usr/bin/env bash
# squeeze exec as a user runs it: the tiny PVH guest that speaks the exec
# protocol (guests/tiny/g_exec.c) under KVM for exit statuses, stdout and
# stderr on the right fds, a reset before the status (125), --timeout on a
# spinning guest (124 with its post-mortem within 3 s); the Debian cloud
# kernel under this machine's KVM for the module lookup and a timeout
# post-mortem of a real kernel; bad usage (125); nothing left behind.
# And squeeze's init in a real Linux guest: the Debian kernel under QEMU
# (TCG), with the initramfs squeeze generates plus busybox, and QEMU's own
# virtio-serial ports named as squeeze names its ports.
set -u
. "$(dirname "$0")/lib.sh"
t_begin exec

# Its real path: virtiofsd is given the resolved one (source=...).
tmp=$(realpath "$(mktemp -d /tmp/suite-exec.XXXXXX)")
trap 'rm -rf "$tmp"' EXIT
# squeeze exec shares the current directory: ours is our own, so that the
# virtiofsd of another suite's exec, run at the same time from the
# repository (make test runs two suites at once), is never taken for ours.
mkdir "$tmp/cwd" && cd "$tmp/cwd" || exit 1
G=$GUESTS/exec.elf
DEB=$ROOT/build/debian

# run NAME ARGS...: squeeze exec ARGS, stdout/stderr/status in $tmp/NAME.*
run() {
	local name=$1
	shift
	timeout 60 "$SQUEEZE" exec "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" </dev/null
	echo $? >"$tmp/$name.rc"
}
rc() { cat "$tmp/$1.rc"; }

check() {	# NAME WANT_RC [grep -x line on stdout] [grep line on stderr]
	local name=$1 want=$2 out=${3:-} err=${4:-} got
	got=$(rc "$name")
	if [ "$got" != "$want" ]; then
		fail "$name: exit $got, expected $want: $(tail -n 3 "$tmp/$name.err" | tr '\n' ' ')"
	elif [ -n "$out" ] && ! grep -qxF -- "$out" "$tmp/$name.out"; then
		fail "$name: no '$out' on stdout: $(head -c 200 "$tmp/$name.out")"
	elif [ -n "$err" ] && ! grep -qF -- "$err" "$tmp/$name.err"; then
		fail "$name: no '$err' on stderr: $(tail -n 3 "$tmp/$name.err" | tr '\n' ' ')"
	else
		pass "$name"
	fi
}

tiny_statuses() {
	local n st
	for n in 0 1 7 255; do
		run "exit$n" --kernel "$G" -- exit "$n"
		check "exit$n" "$n" "tiny: stdout line" "tiny: stderr line"
	done
	# stdout and stderr on their own fds, nothing crossed.
	if grep -q stderr "$tmp/exit7.out" || grep -q 'stdout line' "$tmp/exit7.err"; then
		fail "stdout and stderr crossed"
	else
		pass "stdout and stderr stay apart"
	fi
	run sig --kernel "$G" -- signal 9
	check sig 137
	run malformed --kernel "$G" -- status "exit 300"
	check malformed 125 "" "malformed status"
	run nomods --kernel "$G" -- exit 0
	check nomods 0 "" "no Linux version string"
	# Output into a regular file and through a pipe, in order.
	"$SQUEEZE" exec --kernel "$G" -- lines 200 2>/dev/null >"$tmp/lines.file"
	"$SQUEEZE" exec --kernel "$G" -- lines 200 2>/dev/null | cat >"$tmp/lines.pipe"
	seq 1 200 | sed 's/^/line /' >"$tmp/lines.want"
	if cmp -s "$tmp/lines.want" "$tmp/lines.file" && cmp -s "$tmp/lines.want" "$tmp/lines.pipe"; then
		pass "200 lines in order to a file and a pipe"
	else
		fail "lines differ: file $(wc -l <"$tmp/lines.file"), pipe $(wc -l <"$tmp/lines.pipe")"
	fi
	# A reader that leaves ends the command as SIGPIPE would (141).
	timeout 60 "$SQUEEZE" exec --kernel "$G" -- lines 5000 2>/dev/null </dev/null |
		head -n 2 >"$tmp/head.out"
	st=${PIPESTATUS[0]}
	if [ "$st" = 141 ] && [ "$(tail -n 1 "$tmp/head.out")" = "line 2" ]; then
		pass "| head -n 2: squeeze exec ends with 141, as on SIGPIPE"
	else
		fail "| head -n 2: exit $st"
	fi
}

tiny_failures() {
	local t0 t1 ms
	run reset --kernel "$G" -- reset
	check reset 125 "" "kernel panic"
	run poweroff --kernel "$G" -- poweroff
	check poweroff 125 "" "powered off without the command's status"
	t0=$(date +%s%N)
	run spin --kernel "$G" --timeout 2 -- spin
	t1=$(date +%s%N)
	ms=$(( (t1 - t0) / 1000000 ))
	check spin 124 "" "post-mortem"
	if [ "$ms" -lt 3000 ] && grep -q '^RIP=' "$tmp/spin.err" &&
	   grep -qF '| exec guest: command spin' "$tmp/spin.err"; then
		pass "timeout post-mortem in $ms ms: registers and console lines"
	else
		fail "timeout took $ms ms or lacks registers / console lines"
	fi
}

usage() {
	run nocmd --kernel "$G"
	check nocmd 125 "" "no command"
	run runopt --kernel "$G" --initrd /etc/hostname -- true
	check runopt 125 "" "--initrd is not an exec option"
	run badtimeout --kernel "$G" --timeout 0 -- true
	check badtimeout 125 "" "--timeout '0'"
	run badenv --kernel "$G" --env NOEQUALS -- true
	check badenv 125 "" "expected NAME=VALUE"
	run nokernel --kernel "$tmp/none" -- true
	check nokernel 125 "" "$tmp/none"
}

debian() {
	local ver t0 t1 ms
	if [ ! -f "$DEB/.depmod" ]; then
		skip "Debian kernel: not fetched (make debian needs Debian's archive)"
		return
	fi
	ver=$(cat "$DEB/version")
	# No modules for its release on this host: one line, 125.
	run nomoddir --kernel "$DEB/vmlinuz" -- true
	check nomoddir 125 "" "no modules for kernel $ver (give --modules DIR)"
	run badmoddir --kernel "$DEB/vmlinuz" --modules "$tmp" -- true
	check badmoddir 125 "" "$tmp/modules.dep"
	if hw_kvm; then
		skip "Debian kernel timeout case: hardware KVM boots it to the end (the full-Linux tier runs it)"
		return
	fi
	t0=$(date +%s%N)
	run deb --kernel "$DEB/vmlinuz" --modules "$DEB/root/lib/modules/$ver" --timeout 20 -- true
	t1=$(date +%s%N)
	ms=$(( (t1 - t0) / 1000000 ))
	check deb 124 "" "post-mortem"
	if [ "$ms" -lt 25000 ] && grep -q '^RIP=' "$tmp/deb.err" &&
	   grep -q '^  | .*[A-Za-z]' "$tmp/deb.err"; then
		pass "Debian kernel under emulation: 124 in $ms ms with registers and its console lines ($(grep '^  | .*[A-Za-z]' "$tmp/deb.err" | tail -n 1 | cut -c5-))"
	else
		fail "Debian kernel: $ms ms, or no registers / console lines"
	fi
}

# qemu_exec NAME CMD [--fs]: the exec initramfs for CMD under QEMU; out,
# err, status and console in $tmp/q.NAME.*, stdin "typed line". Without
# --fs the command runs on the initramfs plus busybox; with it, on the
# host's / (virtiofsd, read-only in the guest under its overlay) with the
# current directory $tmp/share shared read-write, as squeeze exec does.
qemu_exec() {
	local name=$1 cmd=$2 ver p=$tmp/q.$1 fs=() img shares=--no-shares
	ver=$(cat "$DEB/version")
	[ "${3:-}" = --fs ] && shares=
	(cd "$tmp/share" && "$ROOT/build/tests/exec-initramfs" $shares \
		--kernel "$DEB/vmlinuz" --modules "$DEB/root/lib/modules/$ver" \
		--env FOO=bar -- sh -c "$cmd") >"$p.cpio" || return 1
	if [ "${3:-}" = --fs ]; then
		/usr/lib/qemu/virtiofsd --socket-path="$p.root" -o source=/ \
			-o sandbox=chroot -o log_level=err 2>/dev/null &
		/usr/lib/qemu/virtiofsd --socket-path="$p.cwd" \
			-o source="$tmp/share" -o log_level=err 2>/dev/null &
		for _ in $(seq 50); do
			[ -S "$p.root" ] && [ -S "$p.cwd" ] && break
			sleep 0.1
		done
		fs=(-object memory-backend-memfd,id=mem,size=512M,share=on
		    -numa node,memdev=mem
		    -chardev "socket,id=r,path=$p.root"
		    -device vhost-user-fs-pci,chardev=r,tag=squeeze-root
		    -chardev "socket,id=c,path=$p.cwd"
		    -device vhost-user-fs-pci,chardev=c,tag=squeeze-cwd)
		img=$p.cpio
	else
		cat "$p.cpio" "$tmp/busybox.cpio" >"$p.img"
		img=$p.img
	fi
	mkfifo "$p.in" "$p.out"
	: >"$p.stdout"; : >"$p.stderr"; : >"$p.status"
	(echo "typed line" >"$p.in") &
	(cat "$p.out" >/dev/null) &
	timeout 120 qemu-system-x86_64 -accel tcg,thread=multi -cpu max \
		-m 512M -nographic -no-reboot -nodefaults "${fs[@]}" \
		-serial "file:$p.con" -kernel "$DEB/vmlinuz" -initrd "$img" \
		-append "console=ttyS0 panic=-1 nokaslr loglevel=4" \
		-device virtio-serial-pci,id=vs \
		-chardev "pipe,id=i,path=$p" \
		-device virtserialport,bus=vs.0,chardev=i,name=squeeze.stdin \
		-chardev "file,id=o,path=$p.stdout" \
		-device virtserialport,bus=vs.0,chardev=o,name=squeeze.stdout \
		-chardev "file,id=e,path=$p.stderr" \
		-device virtserialport,bus=vs.0,chardev=e,name=squeeze.stderr \
		-chardev "file,id=s,path=$p.status" \
		-device virtserialport,bus=vs.0,chardev=s,name=squeeze.status \
		</dev/null >/dev/null 2>&1
	# The fifo helpers, and a virtiofsd that outlived its connection.
	kill $(jobs -p) 2>/dev/null
	wait
}

qemu_init() {
	local p=$tmp/q
	if [ ! -f "$DEB/.depmod" ] || [ ! -x /bin/busybox ]; then
		skip "init under QEMU: no Debian kernel or busybox-static"
		return
	fi
	mkdir -p "$tmp/bb/bin" "$tmp/share"
	cp /bin/busybox "$tmp/bb/bin/"
	for a in sh uname; do ln -s busybox "$tmp/bb/bin/$a"; done
	(cd "$tmp/bb" && find . | cpio -o -H newc -R 0:0 --quiet) >"$tmp/busybox.cpio"
	qemu_exec run 'read l; echo "out $FOO $l"; echo err >&2; uname -r; exit 7'
	if [ "$(cat "$p.run.status")" = "exit 7" ] &&
	   [ "$(cat "$p.run.stdout")" = "$(printf 'out bar typed line\n%s' "$(cat "$DEB/version")")" ] &&
	   [ "$(cat "$p.run.stderr")" = err ]; then
		pass "init in the Debian kernel under QEMU: modules, ports by name, stdin/stdout/stderr, env, status 'exit 7'"
	else
		fail "init under QEMU: status '$(cat "$p.run.status")', stdout '$(head -c 100 "$p.run.stdout")': $(grep -av '^\[' "$p.run.con" | tail -n 2 | tr '\n' ' ')"
	fi
	qemu_exec panic 'echo c >/proc/sysrq-trigger'
	if [ ! -s "$p.panic.status" ] &&
	   grep -aq 'Kernel panic - not syncing: sysrq triggered crash' "$p.panic.con"; then
		pass "init under QEMU: a sysrq panic leaves no status (squeeze reads the reset as a panic)"
	else
		fail "init under QEMU, panic: status '$(cat "$p.panic.status")'"
	fi
	if [ ! -x /usr/lib/qemu/virtiofsd ]; then
		skip "init under QEMU on virtio-fs: no /usr/lib/qemu/virtiofsd"
		return
	fi
	rm -f /usr/squeeze-exec-x
	qemu_exec root 'cat /etc/hostname; touch /usr/squeeze-exec-x && ls /usr/squeeze-exec-x; echo hi >f; pwd; exit 5' --fs
	if [ "$(cat "$p.root.status")" = "exit 5" ] &&
	   [ "$(cat "$p.root.stdout")" = "$(printf '%s\n/usr/squeeze-exec-x\n%s' "$(cat /etc/hostname)" "$tmp/share")" ] &&
	   [ ! -e /usr/squeeze-exec-x ] && [ "$(cat "$tmp/share/f" 2>/dev/null)" = hi ]; then
		pass "init under QEMU on virtio-fs: the host's / under an overlay (its hostname; /usr written in the guest only), the current directory shared read-write"
	else
		fail "init under QEMU on virtio-fs: status '$(cat "$p.root.status")', stdout '$(head -c 200 "$p.root.stdout" | tr '\n' '|')': $(grep -a squeeze-init "$p.root.con" | tail -n 2 | tr '\n' ' ')"
	fi
}

# Shares: --fs DIR and --root DIR start their virtiofsd and stop them.
shares() {
	mkdir -p "$tmp/fsdir" "$tmp/rootdir"
	run fs --kernel "$G" --fs "$tmp/fsdir" --root "$tmp/rootdir" -- exit 4
	check fs 4 "tiny: stdout line"
	run badroot --kernel "$G" --root "$tmp/none" -- exit 0
	check badroot 125 "" "$tmp/none"
	run owntag --kernel "$G" --fs "$tmp/fsdir,tag=squeeze-root" -- exit 0
	check owntag 125 "" "squeeze exec's own"
}

leftovers() {
	# No virtiofsd of these runs is left (they served $PWD = $tmp/cwd,
	# and other directories in $tmp).
	if pgrep -af virtiofsd | grep -qF -e "source=$tmp"; then
		fail "a virtiofsd is left running: $(pgrep -af virtiofsd | grep -F -e "source=$tmp" | head -n 1)"
	else
		pass "nothing left behind: no virtiofsd of ours runs"
	fi
}

if [ ! -e /dev/kvm ]; then
	skip "no /dev/kvm"
	t_end
	exit
fi
tiny_statuses
tiny_failures
usage
shares
debian
qemu_init
leftovers
t_end
