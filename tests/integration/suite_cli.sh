#!/usr/bin/env bash
# Command-line errors: each gives one line naming the problem, exit status
# 2, and creates nothing (the --console file is the witness). Host
# failures are not the user's to fix: one line naming them, exit status 1.
set -u
. "$(dirname "$0")/lib.sh"
t_begin suite_cli

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
guest=$GUESTS/hello.elf
witness=$tmp/console.txt

# expect_err NAME PATTERN ARGS...: status 2, PATTERN on stderr, no witness.
expect_err() {
	local name=$1 pat=$2 rc
	shift 2
	rm -f "$witness"
	timeout 10 "$SQUEEZE" "$@" </dev/null >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$rc" != 2 ]; then
		fail "$name: exit status $rc, want 2 ($(head -c 200 "$tmp/err"))"
	elif ! grep -q -- "$pat" "$tmp/err"; then
		fail "$name: stderr lacks '$pat': $(head -c 200 "$tmp/err")"
	elif [ "$(wc -l <"$tmp/err")" != 1 ]; then
		fail "$name: want one error line, got: $(cat "$tmp/err")"
	elif [ -e "$witness" ]; then
		fail "$name: $witness was created"
	else
		pass "$name"
	fi
}

# run_err NAME PATTERN RUN-OPTIONS...: `squeeze run` with the witness console.
run_err() {
	local name=$1 pat=$2
	shift 2
	expect_err "$name" "$pat" run --console "file=$witness" "$@"
}

out=$("$SQUEEZE" --help 2>&1); rc=$?
if [ $rc = 0 ] && grep -q "Ctrl-A x" <<<"$out" && grep -q -- "--kernel" <<<"$out"; then
	pass "--help"
else
	fail "--help: status $rc"
fi
out=$("$SQUEEZE" --version 2>&1); rc=$?
if [ $rc = 0 ] && grep -q "^squeeze [0-9]" <<<"$out"; then
	pass "--version"
else
	fail "--version: status $rc: $out"
fi
"$SQUEEZE" >/dev/null 2>&1; rc=$?
[ $rc = 2 ] && pass "no arguments: status 2" || fail "no arguments: status $rc"
expect_err "unknown command" "unknown command 'frob'" frob

run_err "bad kernel path" "$tmp/no-such-kernel" --kernel "$tmp/no-such-kernel"
run_err "kernel is a directory" "$tmp" --kernel "$tmp"
printf 'not a kernel at all\n%.0s' {1..200} >"$tmp/junk"
run_err "kernel neither bzImage nor ELF" "$tmp/junk" --kernel "$tmp/junk"
: >"$tmp/empty"
run_err "empty kernel file" "$tmp/empty" --kernel "$tmp/empty"
run_err "missing --kernel" "--kernel PATH is required" --cpus 2
run_err "bad initrd path" "$tmp/no-initrd" --kernel "$guest" --initrd "$tmp/no-initrd"

# An initrd larger than guest RAM cannot fit (sparse: costs no disk).
truncate -s 40M "$tmp/big.initrd"
run_err "initrd does not fit" "initrd" --kernel "$guest" --initrd "$tmp/big.initrd" --memory 16M

run_err "cmdline longer than the kernel takes" "kernel takes at most 2047" \
	--kernel "$guest" --cmdline "$(printf 'a%.0s' {1..3000})"
run_err "memory too small" "less than the minimum of 16M" --kernel "$guest" --memory 8M
run_err "memory too large" "more than the maximum of 1T" --kernel "$guest" --memory 2T
run_err "memory not a size" "'lots' is not a size" --kernel "$guest" --memory lots
run_err "cpus 0" "at least one vCPU" --kernel "$guest" --cpus 0
run_err "cpus over the MADT limit" "maximum of 254" --kernel "$guest" --cpus 255
run_err "cpus not a number" "'two' is not a number" --kernel "$guest" --cpus two
run_err "unknown option" "unknown option '--bogus'" --kernel "$guest" --bogus 1
run_err "option without value" "--memory needs a value" --kernel "$guest" --memory
run_err "bad console" "expected stdio, none, pty or file=PATH" --kernel "$guest" --console tty
expect_err "console file in a missing directory" "$tmp/nodir/out" \
	run --kernel "$guest" --console "file=$tmp/nodir/out"

run_err "disk without path" "missing PATH" --kernel "$guest" --disk ",format=raw"
run_err "disk unknown key" "unknown option 'speed'" --kernel "$guest" --disk "$tmp/d,speed=9"
run_err "disk serial too long" "longer than 20 bytes" --kernel "$guest" \
	--disk "$tmp/d,serial=123456789012345678901"
run_err "disk bad format" "expected raw, qcow2 or vmdk" --kernel "$guest" --disk "$tmp/d,format=vdi"
run_err "disk file missing" "$tmp/no-such-disk" --kernel "$guest" --disk "$tmp/no-such-disk"
run_err "net malformed mac" "expected a MAC" --kernel "$guest" --net "tap=t0,mac=52:54:00:zz:00:01"
run_err "net multicast mac" "multicast" --kernel "$guest" --net "tap=t0,mac=33:33:00:00:00:01"
run_err "net long interface name" "at most 15 characters" --kernel "$guest" \
	--net "bridge=abcdefghijklmnopq"
run_err "net neither bridge nor tap" "needs bridge=BR or tap=NAME" --kernel "$guest" \
	--net "mac=52:54:00:00:00:01"
run_err "net unknown key" "unknown option 'vlan'" --kernel "$guest" --net "tap=t0,vlan=2"
expect_err "img create in a missing directory" "cannot create $tmp/nodir/x.raw" \
	img create -f raw "$tmp/nodir/x.raw" 1M

# expect_host NAME PATTERN COMMAND...: status 1, one line with PATTERN.
expect_host() {
	local name=$1 pat=$2 rc
	shift 2
	rm -f "$witness"
	timeout 10 "$@" </dev/null >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$rc" != 1 ]; then
		fail "$name: exit status $rc, want 1 ($(head -c 200 "$tmp/err"))"
	elif ! grep -q -- "$pat" "$tmp/err"; then
		fail "$name: stderr lacks '$pat': $(head -c 200 "$tmp/err")"
	elif [ "$(wc -l <"$tmp/err")" != 1 ]; then
		fail "$name: want one error line, got: $(cat "$tmp/err")"
	else
		pass "$name: $(cat "$tmp/err")"
	fi
}

# 512M of guest RAM in 200000 KiB of address space.
expect_host "guest RAM cannot be mapped" "cannot map guest RAM" \
	bash -c 'ulimit -v 200000 && exec "$0" "$@"' "$SQUEEZE" run \
	--kernel "$guest" --memory 512M --console "file=$witness"
[ -e "$witness" ] && fail "guest RAM cannot be mapped: $witness was created"

# No thread can be created: a uid of this run's own (so that nothing else
# counts against it), RLIMIT_NPROC 1, only CAP_DAC_OVERRIDE kept (for
# /dev/kvm). Root's own uid is exempt from the limit.
uid=$((3000000 + $$ % 100000))
nothreads=(prlimit --nproc=1 setpriv --reuid=$uid --regid=$uid --clear-groups
	   --inh-caps=+dac_override --ambient-caps=+dac_override)
if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null ||
   ! command -v prlimit >/dev/null; then
	skip "thread creation failures: need root, setpriv and prlimit"
else
	truncate -s 1M "$tmp/d.raw"
	expect_host "I/O thread cannot be created" \
		"blk0: cannot create the I/O thread" \
		"${nothreads[@]}" "$SQUEEZE" run --kernel "$guest" --disk "$tmp/d.raw" \
		--console "file=$witness"
	expect_host "vCPU thread cannot be created" \
		"vCPU 0: cannot create its thread" \
		"${nothreads[@]}" "$SQUEEZE" run --kernel "$guest" --console none
fi

t_end
