#!/usr/bin/env bash
# domxml: the Debian guest described by libvirt domain XML
# (tests/linux/debian.xml), run with `squeeze run --domain` in a network
# namespace of its own; one boot runs guests/scenarios/blk.sh, then net.sh:
#   vda, vdb  qcow2 overlays on raw backing files in $OUT/base, named by
#             absolute paths and described by <backingStore>: squeeze
#             follows them there with the backing-dir= the domain gives;
#   eth0      <interface type='bridge'> on br0 (10.99.0.1/24), 16 MiB each
#             way (the net scenario moves 64 MiB).
# The host checks what blk and net check: vda's hash against qemu-img's
# view, /roundtrip read out of vdb by debugfs, both overlays qemu-img check
# clean, both backing files unchanged, both transfers' hashes, the tap gone
# from br0 after power-off.
# timeout: 300
set -u
. "$(dirname "$0")/../lib.sh"
GUEST_TIMEOUT=240
SIZE=$((16 << 20))
NS=sqz-ldx-$$
cleanup() {
	local p
	for p in "${NET_HOSTS[@]}"; do kill "$p" 2>/dev/null; done
	ip netns del "$NS" 2>/dev/null
}
trap cleanup EXIT

qcow2_pair "$OUT" "$OUT/base" || exit
sed -e "s|/SQUEEZE_DEBIAN|$DEB|g" -e "s|/SQUEEZE_OUT|$OUT|g" \
	"$ROOT/tests/linux/debian.xml" >"$OUT/domxml.xml"
# The mapping, as domxml-to-argv shows it.
line=$("$SQUEEZE" domxml-to-argv "$OUT/domxml.xml" 2>"$OUT/argv.err")
base=$(realpath "$OUT/base")
if [[ $line == *" --disk $OUT/vda.qcow2,format=qcow2,readonly=on,backing-dir=$base "* ]] &&
   [[ $line == *" --disk $OUT/vdb.qcow2,format=qcow2,serial=squeeze-vdb,backing-dir=$base "* ]] &&
   [[ $line == *" --net bridge=br0,mac=02:00:00:99:00:02 "* ]]; then
	pass "domxml-to-argv: both disks get backing-dir=$base, the interface --net bridge=br0"
else
	fail "domxml-to-argv: '$line' $(cat "$OUT/argv.err")"
fi

if ! net_ns; then
	fail "domxml: namespace setup"
	exit
fi
net_host "$OUT/bridge" 10.99.0.1 "$SIZE" || exit
GUEST_WRAP=(ip netns exec "$NS")
guest_domain domxml "$OUT/domxml.xml"
st=$?
GUEST_WRAP=()
net_hosts_end
stopped_by "$st" power-off
if tr -d '\r' <"$CON" | grep -aq '^squeeze guest: kernel .*, 2 CPUs, MemTotal'; then
	pass "domxml: <vcpu>2</vcpu>: the guest has 2 CPUs"
else
	fail "domxml: banner: $(tr -d '\r' <"$CON" | grep -a '^squeeze guest: kernel ')"
fi
if blk_checks "$OUT/vda.view"; then
	qcow2_pair_checks "$OUT" "$OUT/base"
fi
if con_has "$CON" "squeeze scenario net: exit 0"; then
	net_check domxml eth0 "$OUT/bridge" "$SIZE"
else
	fail "domxml: the guest's net scenario failed: $(con_tail "$CON")"
fi
if [ -n "$(ip -n "$NS" -o link show master br0)" ]; then
	fail "domxml: a port is left on br0 after power-off"
else
	pass "domxml: the tap left br0 with the VM"
fi
