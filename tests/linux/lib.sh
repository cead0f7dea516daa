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
#   guest_domain NAME FILE [squeeze run args...]
#              the same for `squeeze run --domain FILE`: the domain names
#              the kernel, initrd and devices, and its console must be the
#              file $OUT/NAME.con.
#   cmdline SCENARIO [WORDS]
#              the kernel command line that runs guests/scenarios/SCENARIO.sh;
#              an oops or a panic resets the guest (oops=panic panic=-1),
#              so a crashed guest ends its scenario at once, not at its
#              timeout
#   con_has FILE LINE     FILE (a console) has the exact line LINE
#   con_value FILE PREFIX the rest of the last line starting with PREFIX
#   con_tail FILE [N]     its first oops if any, then its last N (5)
#                         non-empty lines, on one line (console.sh)
#   banner CPUS MEMORY    checks $CON's banner: kernel version, CPUS and
#                         MemTotal within 5% of MEMORY (bytes)
#   stopped_by STATUS REASON  checks the exit status and squeeze's
#                         "stopped by REASON" line (--verbose) in $ERR,
#                         with or without the VM's name (--name) before it
# The blk and net scenarios' host sides, for every scenario that runs
# guests/scenarios/blk.sh or net.sh:
#   sha FILE              its sha256
#   blk_checks VDA_VIEW   $CON's blk lines: the scenario exited 0, vda's
#                         sha256 equals the raw file VDA_VIEW's, vdb's
#                         serial is squeeze-vdb, the file round trip
#                         passed; false if the scenario did not exit 0
#   qcow2_pair DIR BASEDIR  the blk scenario's qcow2 disks: DIR/vda.qcow2
#                         (qemu-img, with a cluster of its own written by
#                         qemu-io) on BASEDIR/base.raw, its raw view
#                         DIR/vda.view, DIR/vdb.qcow2 (squeeze img create)
#                         on BASEDIR/vdb-base.raw, both named by absolute
#                         paths; false (with a FAIL) if a tool failed
#   qcow2_pair_checks DIR BASEDIR  after the guest: /roundtrip read out of
#                         vdb by debugfs, both images qemu-img check clean,
#                         both backing files unchanged
#   net_ns                the namespace $NS with bridge br0, 10.99.0.1/24
#   net_host DIR ADDR SIZE  tests/linux/nethost.py in $NS on ADDR (SIZE
#                         bytes each way), its pid added to NET_HOSTS,
#                         DIR/ready waited for (60 s)
#   net_hosts_end         after the guest: waits for the host ends, 10 s
#                         at most (a guest that stopped early leaves them
#                         waiting for it), kills those still running
#   net_check LABEL IF DIR SIZE  $CON's net lines for IF against
#                         nethost.py's files in DIR: ping, both hashes,
#                         SIZE bytes; PASS and FAIL lines say LABEL
. "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/console.sh"

SCENARIO=$(basename "$0" .sh)
t_begin "linux/$SCENARIO"
OUT=${LINUX_OUT:-$(mktemp -d /tmp/linux-"$SCENARIO".XXXXXX)}
mkdir -p "$OUT"
DEB=$ROOT/build/debian
CON="" ERR="" CASE="" GUEST_WRAP=()

guest() {
	local name=$1
	shift
	squeeze_guest "$name" --kernel "$DEB/vmlinuz" \
		--initrd "$DEB/initramfs.cpio.gz" --console "file=$OUT/$name.con" "$@"
}

guest_domain() {
	local name=$1 file=$2
	shift 2
	squeeze_guest "$name" --domain "$file" "$@"
}

# squeeze_guest NAME RUN_ARGS...: what guest and guest_domain share.
squeeze_guest() {
	local name=$1 t0 st
	shift
	CON=$OUT/$name.con ERR=$OUT/$name.err CASE=$name
	t0=$(date +%s%N)
	timeout -k 5 "${GUEST_TIMEOUT:-120}" "${GUEST_WRAP[@]}" "$SQUEEZE" run \
		--verbose "$@" </dev/null 2>"$ERR"
	st=$?
	guest_took "$t0"
	return $st
}

# guest_took T0_NS: one line with the time since T0 (ns since the epoch).
guest_took() {
	local d=$(($(date +%s%N) - $1))
	echo "linux: $SCENARIO/$CASE: the guest ran $((d / 1000000000)).$((d / 100000000 % 10)) s"
}

cmdline() {
	echo "console=ttyS0 quiet oops=panic panic=-1 squeeze.scenario=$1${2:+ $2}"
}

con_has() { tr -d '\r' <"$1" | grep -qxF -- "$2"; }
con_value() {
	tr -d '\r' <"$1" | grep -aF -- "$2" | tail -n 1 | sed "s/^.*$2//"
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
	# "squeeze: stopped by ...", or "squeeze: NAME: stopped by ..." (--name)
	reason=$(sed -n 's/^squeeze: \([^ ]*: \)\?stopped by \(.*\), exit status .*/\2/p' "$ERR")
	if [ "$st" = 0 ] && [ "$reason" = "$want" ]; then
		pass "$CASE: stopped by $want, exit status 0"
		return 0
	fi
	fail "$CASE: exit status $st, stopped by '${reason:-?}': $(con_tail "$CON") $(head -n 2 "$ERR" | tr '\n' '|')"
	return 1
}

sha() { sha256sum "$1" | cut -d' ' -f1; }

blk_checks() {
	local vda=$1 got
	if ! con_has "$CON" "squeeze scenario blk: exit 0"; then
		fail "$CASE: the guest scenario failed: $(con_tail "$CON")"
		return 1
	fi
	got=$(con_value "$CON" "blk: vda sha256 ")
	if [ "$got" = "$(sha "$vda")" ]; then
		pass "$CASE: vda sha256 in the guest equals the host's"
	else
		fail "$CASE: vda sha256 in the guest '$got', host '$(sha "$vda")'"
	fi
	if con_has "$CON" "blk: vdb serial squeeze-vdb"; then
		pass "$CASE: vdb's serial seen by the guest"
	else
		fail "$CASE: vdb serial '$(con_value "$CON" "blk: vdb serial ")'"
	fi
	if con_has "$CON" "blk: fs round trip ok"; then
		pass "$CASE: mkfs on vdb, file round trip through a remount"
	else
		fail "$CASE: no round trip line"
	fi
}

# roundtrip VDB_RAW VDA_VIEW: the guest's /roundtrip (vda's first MiB),
# read out of vdb's file system on the host.
roundtrip() {
	if [ "$(debugfs -R 'cat /roundtrip' "$1" 2>/dev/null | sha256sum)" = \
	     "$(head -c 1M "$2" | sha256sum)" ]; then
		pass "$CASE: /roundtrip read from vdb by debugfs equals vda's first MiB"
	else
		fail "$CASE: /roundtrip on vdb differs on the host"
	fi
}

# qcow2_clean IMAGE: qemu-img check finds nothing wrong.
qcow2_clean() {
	if qemu-img check -f qcow2 "$1" >"$OUT/check.log" 2>&1; then
		pass "$CASE: qemu-img check $(basename "$1"): clean"
	else
		fail "$CASE: qemu-img check $(basename "$1"): $(tr '\n' '|' <"$OUT/check.log")"
	fi
}

# unchanged FILE SHA256
unchanged() {
	if [ "$(sha "$1")" = "$2" ]; then
		pass "$CASE: backing file $(basename "$1") unchanged"
	else
		fail "$CASE: backing file $(basename "$1") changed"
	fi
}

qcow2_pair() {
	local d=$1 b=$2
	mkdir -p "$d" "$b"
	head -c 8M /dev/urandom >"$b/base.raw"
	head -c 1M /dev/urandom >"$b/vdb-base.raw"
	truncate -s 64M "$b/vdb-base.raw"
	sha "$b/base.raw" >"$b/base.sha"
	sha "$b/vdb-base.raw" >"$b/vdb-base.sha"
	qemu-img create -q -f qcow2 -b "$b/base.raw" -F raw "$d/vda.qcow2" &&
	qemu-io -f qcow2 -c "write -P 0x5a 1M 64k" "$d/vda.qcow2" >/dev/null &&
	qemu-img convert -O raw "$d/vda.qcow2" "$d/vda.view" ||
		{ fail "qcow2: qemu-img could not make vda"; return 1; }
	"$SQUEEZE" img create -f qcow2 -b "$b/vdb-base.raw" -F raw \
		"$d/vdb.qcow2" >/dev/null ||
		{ fail "qcow2: squeeze img create vdb"; return 1; }
}

qcow2_pair_checks() {
	local d=$1 b=$2
	if qemu-img convert -f qcow2 -O raw "$d/vdb.qcow2" "$d/vdb.view"; then
		roundtrip "$d/vdb.view" "$d/vda.view"
	else
		fail "$CASE: qemu-img convert of vdb failed"
	fi
	qcow2_clean "$d/vda.qcow2"
	qcow2_clean "$d/vdb.qcow2"
	unchanged "$b/base.raw" "$(cat "$b/base.sha")"
	unchanged "$b/vdb-base.raw" "$(cat "$b/vdb-base.sha")"
}

NET_HOSTS=()

net_ns() {
	ip netns add "$NS" &&
	ip netns exec "$NS" sh -c 'ip link set lo up &&
		ip link add br0 type bridge &&
		ip addr add 10.99.0.1/24 dev br0 && ip link set br0 up'
}

net_host() {
	mkdir -p "$1"
	ip netns exec "$NS" python3 "$ROOT/tests/linux/nethost.py" "$2" "$3" \
		"$1" 2>"$1/nethost.err" &
	NET_HOSTS+=($!)
	for _ in $(seq 1 600); do	# bounded: 60 s
		[ -e "$1/ready" ] && return 0
		sleep 0.1
	done
	fail "$(basename "$1"): the host end on $2 did not start: $(cat "$1/nethost.err")"
	return 1
}

net_hosts_end() {
	local p live
	for _ in $(seq 1 100); do	# bounded: 10 s
		live=0
		for p in "${NET_HOSTS[@]}"; do
			kill -0 "$p" 2>/dev/null && live=1
		done
		[ $live = 0 ] && break
		sleep 0.1
	done
	for p in "${NET_HOSTS[@]}"; do
		kill "$p" 2>/dev/null
		wait "$p"
	done
	NET_HOSTS=()
}

net_check() {
	local c=$1 ifc=$2 d=$3 size=$4 mib=$(($4 >> 20)) want got
	if con_has "$CON" "net: $ifc ping ok"; then
		pass "$c: $ifc pings the host"
	else
		fail "$c: $ifc: $(tr -d '\r' <"$CON" | grep -a "net: $ifc" | tail -n 1)"
		return
	fi
	echo "linux: $SCENARIO/$ifc: $mib MiB host to guest in" \
		"$(con_value "$CON" "net: $ifc h2g " | sed 's/.* in //')," \
		"back in $(con_value "$CON" "net: $ifc g2h sent in ")"
	want=$(cat "$d/h2g" 2>/dev/null)
	got=$(con_value "$CON" "net: $ifc h2g " | sed 's/ bytes sha256//; s/ in .*//')
	if [ "$got" = "$want" ]; then
		pass "$c: host to guest: $mib MiB, sha256 equal on both sides"
	else
		fail "$c: host to guest: host sent '$want', guest got '$got'"
	fi
	want="$size $(con_value "$CON" "net: $ifc g2h sha256 ")"
	got=$(cat "$d/g2h" 2>/dev/null)
	if [ "$got" = "$want" ]; then
		pass "$c: guest to host: $mib MiB, sha256 equal on both sides"
	else
		fail "$c: guest to host: guest sent '$want', host got '$got' $(cat "$d/nethost.err")"
	fi
}
