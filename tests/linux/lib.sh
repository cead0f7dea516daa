# Helpers for full-Linux scenarios (tests/linux/scenarios/*.sh). Source it
# after `set -u`; it brings tests/integration/lib.sh (pass, fail, skip,
# hw_kvm, ROOT, SQUEEZE, wait_for) and, for the scenario NAME the runner
# started (LINUX_NESTED=1 in its environment when it runs nested, tens of
# times slower than on hardware: repeat less there):
#   OUT        this scenario's directory: consoles, images, logs
#   DEB        build/debian: the Debian cloud kernel and test initramfs
#   guest NAME [squeeze run args...]
#              boots the Debian guest under squeeze: console to
#              $OUT/NAME.con, stderr (--verbose) to $OUT/NAME.err, stdin
#              /dev/null, bounded by GUEST_TIMEOUT (default 120) s, run
#              through the command in the array GUEST_WRAP if set (e.g.
#              ip netns exec NS). Sets
#              CON, ERR and CASE (NAME: the checks below name it in their
#              PASS and FAIL lines), prints how long the guest ran
#              ("linux: SCENARIO/NAME: the guest ran S s"), returns
#              squeeze's exit status.
#   cmdline SCENARIO [WORDS]
#              the kernel command line that runs guests/scenarios/SCENARIO.sh
#   con_has FILE LINE     FILE (a console) has the exact line LINE
#   con_value FILE PREFIX the rest of the last line starting with PREFIX
#   con_tail FILE [N]     its last N (5) non-empty lines on one line
#   banner CPUS MEMORY    checks $CON's banner: kernel version, CPUS and
#                         MemTotal within 5% of MEMORY (bytes)
#   stopped_by STATUS REASON  checks the exit status and squeeze's
#                         "stopped by REASON" line (--verbose) in $ERR
. "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"

SCENARIO=$(basename "$0" .sh)
t_begin "linux/$SCENARIO"
OUT=${LINUX_OUT:-$(mktemp -d /tmp/linux-"$SCENARIO".XXXXXX)}
mkdir -p "$OUT"
DEB=$ROOT/build/debian
CON="" ERR="" CASE="" GUEST_WRAP=()

guest() {
	local name=$1 t0 st
	shift
	CON=$OUT/$name.con ERR=$OUT/$name.err CASE=$name
	t0=$(date +%s%N)
	timeout -k 5 "${GUEST_TIMEOUT:-120}" "${GUEST_WRAP[@]}" "$SQUEEZE" run \
		--kernel "$DEB/vmlinuz" --initrd "$DEB/initramfs.cpio.gz" \
		--console "file=$CON" --verbose "$@" </dev/null 2>"$ERR"
	st=$?
	guest_took "$t0"
	return $st
}

# guest_took T0_NS: one line with the time since T0 (ns since the epoch).
guest_took() {
	local d=$(($(date +%s%N) - $1))
	echo "linux: $SCENARIO/$CASE: the guest ran $((d / 1000000000)).$((d / 100000000 % 10)) s"
}

cmdline() { echo "console=ttyS0 quiet squeeze.scenario=$1${2:+ $2}"; }

con_has() { tr -d '\r' <"$1" | grep -qxF -- "$2"; }
con_value() {
	tr -d '\r' <"$1" | grep -aF -- "$2" | tail -n 1 | sed "s/^.*$2//"
}
con_tail() {
	tr -d '\r' <"$1" 2>/dev/null | grep -a -v '^$' | tail -n "${2:-5}" |
		tr '\n' '|'
}

banner() {
	local cpus=$1 mem=$2 line want kib lo hi
	want=$(cat "$DEB/version")
	line=$(tr -d '\r' <"$CON" | grep -a '^squeeze guest: kernel ' | tail -n 1)
	if [ -z "$line" ]; then
		fail "$CASE: no banner: $(con_tail "$CON")"
		return 1
	fi
	kib=$(sed -n 's/.*MemTotal \([0-9]*\) kB$/\1/p' <<<"$line")
	lo=$((mem / 1024 * 95 / 100)) hi=$((mem / 1024 * 105 / 100))
	if [[ $line != "squeeze guest: kernel $want, $cpus CPUs, "* ]]; then
		fail "$CASE: banner '$line': want kernel $want, $cpus CPUs"
	elif [ -z "$kib" ] || [ "$kib" -lt "$lo" ] || [ "$kib" -gt "$hi" ]; then
		fail "$CASE: banner '$line': MemTotal not within 5% of $((mem >> 20)) MiB"
	else
		pass "$CASE: banner: kernel $want, $cpus CPUs, MemTotal $kib kB of $((mem >> 10)) kB"
		return 0
	fi
	return 1
}

stopped_by() {
	local st=$1 want=$2 reason
	reason=$(sed -n 's/^squeeze: stopped by \(.*\), exit status .*/\1/p' "$ERR")
	if [ "$st" = 0 ] && [ "$reason" = "$want" ]; then
		pass "$CASE: stopped by $want, exit status 0"
		return 0
	fi
	fail "$CASE: exit status $st, stopped by '${reason:-?}': $(con_tail "$CON") $(head -n 2 "$ERR" | tr '\n' '|')"
	return 1
}
