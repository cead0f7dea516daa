#!/usr/bin/env bash
# exec: `squeeze exec` with the Debian cloud kernel the tests download
# (its modules from the unpacked package, depmod'ed by
# tests/integration/exec.mk), the host's / as root over virtio-fs:
#   uname -r               prints the kernel's release
#   sh -c 'exit 7'         returns 7
#   cat /etc/hostname      prints the host's
#   touch /usr/x           lands in the guest's overlay, not on the host
#   --fs DIR, a write      reaches the host
#   sysrq-c                returns 125 with "kernel panic"
# and the wall time of `squeeze exec -- true`, the median of EXEC_RUNS
# (default 3; nested, each boot takes seconds, so make test keeps it short).
# Written for the full-Linux tier (tests/linux/lib.sh, run-scenarios.sh).
# timeout: 600
set -u
. "$(dirname "$0")/../lib.sh"

VER=$(cat "$DEB/version")
MODS=$DEB/root/lib/modules/$VER
X=("$SQUEEZE" exec --kernel "$DEB/vmlinuz" --modules "$MODS" --memory 512M
   --timeout 120)

# x NAME ARGS...: run, stdout in $OUT/NAME.out, stderr .err; the status.
x() {
	local name=$1
	shift
	"${X[@]}" "$@" </dev/null >"$OUT/$name.out" 2>"$OUT/$name.err"
}

ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

if [ ! -f "$MODS/modules.dep" ]; then
	fail "no $MODS/modules.dep (make debian runs depmod)"
	t_end
	exit
fi

t0=$(date +%s%N)
x uname -- uname -r
st=$?
if [ $st = 0 ] && [ "$(cat "$OUT/uname.out")" = "$VER" ]; then
	pass "uname -r prints $VER ($(ms "$t0") ms)"
else
	fail "uname -r: status $st, '$(head -c 100 "$OUT/uname.out")': $(tail -n 2 "$OUT/uname.err")"
fi

x exit7 -- sh -c 'exit 7'
st=$?
[ $st = 7 ] && pass "sh -c 'exit 7' returns 7" || fail "exit 7: status $st"

x hostname -- cat /etc/hostname
if [ $? = 0 ] && cmp -s "$OUT/hostname.out" /etc/hostname; then
	pass "cat /etc/hostname prints the host's"
else
	fail "cat /etc/hostname: '$(head -c 100 "$OUT/hostname.out")'"
fi

rm -f /usr/x 2>/dev/null
x touch -- sh -c 'touch /usr/x && ls /usr/x'
st=$?
if [ $st = 0 ] && [ ! -e /usr/x ]; then
	pass "touch /usr/x works in the guest and leaves the host unchanged"
else
	fail "touch /usr/x: status $st, on the host: $(ls -l /usr/x 2>&1)"
fi

dir=$(mktemp -d /tmp/exec-fs.XXXXXX)
x fs --fs "$dir" -- sh -c "echo written-in-guest >$dir/f"
if [ "$(cat "$dir/f" 2>/dev/null)" = written-in-guest ]; then
	pass "a --fs DIR write reaches the host"
else
	fail "--fs DIR write: $(tail -n 2 "$OUT/fs.err")"
fi
rm -rf "$dir"

x panic -- sh -c 'echo c >/proc/sysrq-trigger'
st=$?
if [ $st = 125 ] && grep -q "kernel panic" "$OUT/panic.err"; then
	pass "sysrq-c returns 125: $(grep 'kernel panic' "$OUT/panic.err" | head -n 1)"
else
	fail "sysrq-c: status $st: $(tail -n 2 "$OUT/panic.err")"
fi

runs=${EXEC_RUNS:-3}
t=()
for i in $(seq "$runs"); do
	t0=$(date +%s%N)
	x true -- true || break
	t+=("$(ms "$t0")")
done
if [ ${#t[@]} = "$runs" ]; then
	pass "squeeze exec -- true: median of $runs $(printf '%s\n' "${t[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p") ms (nested: compare within this run)"
else
	fail "squeeze exec -- true failed on run $(( ${#t[@]} + 1 )): $(tail -n 2 "$OUT/true.err")"
fi
t_end
