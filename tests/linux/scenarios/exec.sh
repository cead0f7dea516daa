#!/usr/bin/env bash
# exec: `squeeze exec` with the Debian cloud kernel the tests download
# (its modules from the unpacked package, depmod'ed by
# tests/integration/exec.mk), the host's / as root over virtio-fs:
#   uname -r               prints the kernel's release
#   sh -c '...; exit 7'    returns 7
#   cat /etc/hostname      prints the host's
#   touch /usr/x           lands in the guest's overlay, not on the host
#                          (these four in one boot)
#   --fs DIR, a write      reaches the host
#   sysrq-c                returns 125 with "kernel panic"
# and the wall time of `squeeze exec -- true`, the median of EXEC_RUNS
# (default 3, or 1 nested: there each boot takes seconds, so make test
# keeps it short).
# Written for the full-Linux tier (tests/linux/lib.sh, run-scenarios.sh).
# timeout: 400
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

# One boot answers four questions (nested, every boot takes seconds).
rm -f /usr/x 2>/dev/null
t0=$(date +%s%N)
x cmd -- sh -c 'uname -r; cat /etc/hostname; touch /usr/x && ls /usr/x; exit 7'
st=$?
took=$(ms "$t0")
{ echo "$VER"; cat /etc/hostname; echo /usr/x; } >"$OUT/cmd.want"
if [ "$(head -n 1 "$OUT/cmd.out")" = "$VER" ]; then
	pass "uname -r prints $VER ($took ms)"
else
	fail "uname -r: status $st, '$(head -c 100 "$OUT/cmd.out")': $(tail -n 2 "$OUT/cmd.err")"
fi
[ $st = 7 ] && pass "sh -c '...; exit 7' returns 7" || fail "exit 7: status $st"
if cmp -s "$OUT/cmd.out" "$OUT/cmd.want"; then
	pass "cat /etc/hostname prints the host's; touch /usr/x works in the guest"
else
	fail "the command's output: '$(head -c 200 "$OUT/cmd.out" | tr '\n' '|')', not '$(tr '\n' '|' <"$OUT/cmd.want")'"
fi
if [ ! -e /usr/x ]; then
	pass "/usr/x written in the guest is not on the host"
else
	fail "/usr/x written in the guest is on the host: $(ls -l /usr/x 2>&1)"
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

runs=${EXEC_RUNS:-$([ -n "${LINUX_NESTED:-}" ] && echo 1 || echo 3)}
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
