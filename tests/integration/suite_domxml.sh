#!/usr/bin/env bash
# libvirt domain XML as a user meets it: domains made by libvirt's own
# virt-install map to the expected command lines; every XML file in the
# repository passes libvirt's schema; a hand-written admin domain gives
# exactly the <kernel> refusal, then, with <kernel>, the right line, its
# two warnings and a real run; hostile files exit 2 with one line,
# quickly, opening nothing but themselves; a guest that resets twice runs
# three times in one squeeze on the same disk and tap; a pty console;
# virtio-fs shares (domxml_fs.sh) and backing chains (domxml_backing.sh).
# The tiny blk and net guests from domain XML are in suite_blk/suite_net.
set -u
. "$(dirname "$0")/lib.sh"
t_begin domxml

D=$ROOT/tests/integration/domxml
tmp=$(mktemp -d /var/tmp/suite-domxml.XXXXXX)
chmod 755 "$tmp"
NS=sqz-dx-$$-$RANDOM
ns_up=""
bg=""
cleanup() {
	[ -n "$bg" ] && kill "$bg" 2>/dev/null
	[ -n "$ns_up" ] && ip netns del "$NS" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

# fill TEMPLATE OUT: the template's placeholder directories made real.
fill() {
	sed -e "s|/SQUEEZE_GUESTS|$GUESTS|g" -e "s|/SQUEEZE_TMP|$tmp|g" "$1" >"$2"
}

# A namespace with bridge br0 (10.99.0.1/24), made on first use.
netns() {
	[ -n "$ns_up" ] && return 0
	[ "$(id -u)" = 0 ] || return 1
	ip netns add "$NS" 2>/dev/null || return 1
	ns_up=1
	ip netns exec "$NS" sh -c 'echo 1 >/proc/sys/net/ipv6/conf/all/disable_ipv6;
		echo 1 >/proc/sys/net/ipv6/conf/default/disable_ipv6;
		ip link set lo up && ip link add br0 type bridge &&
		ip addr add 10.99.0.1/24 dev br0 && ip link set br0 up'
}
nsx() { ip netns exec "$NS" "$@"; }

# Every domain XML in the repository is valid for libvirt itself.
validate_examples() {
	local f n=0 bad=""
	if ! command -v virt-xml-validate >/dev/null; then
		skip "examples: no virt-xml-validate (Debian libvirt-clients)"
		return
	fi
	while read -r f; do
		n=$((n + 1))
		virt-xml-validate "$f" domain >"$tmp/validate" 2>&1 ||
			bad="$bad ${f#"$ROOT"/}: $(tail -n 1 "$tmp/validate")"
	done < <(find "$ROOT" -name '*.xml' -not -path "$ROOT/build/*" \
		 -not -path '*/.git/*' | sort)
	if [ "$n" -eq 0 ]; then
		fail "examples: no XML files found"
	elif [ -n "$bad" ]; then
		fail "examples: not valid for libvirt:$bad"
	else
		pass "examples: all $n XML files pass virt-xml-validate"
	fi
}

# to_argv NAME FILE WANT: domxml-to-argv prints exactly WANT, status 0,
# and nothing but warnings on stderr.
to_argv() {
	local name=$1 out rc
	out=$("$SQUEEZE" domxml-to-argv "$2" 2>"$tmp/argv.err")
	rc=$?
	if [ $rc -ne 0 ]; then
		fail "$name: status $rc: $(cat "$tmp/argv.err")"
	elif [ "$out" != "$3" ]; then
		fail "$name: got '$out', want '$3'"
	elif grep -qv '^squeeze: warning: ' "$tmp/argv.err"; then
		fail "$name: stderr: $(grep -v '^squeeze: warning: ' "$tmp/argv.err")"
	else
		pass "$name: $out"
	fi
}

# virt-install against libvirt's test driver, offline; --print-xml only.
vi() {
	virt-install --connect test:///default --osinfo linux2022 \
		--graphics none --print-xml "$@" 2>"$tmp/vi.err"
}

virt_install_domains() {
	local x=$tmp/vi
	if ! command -v virt-install >/dev/null; then
		skip "virt-install domains: no virt-install (Debian virtinst)"
		return
	fi
	truncate -s 8M "$tmp/vi1.img" "$tmp/vi2.img"
	if ! vi --name vi1 --memory 512 --vcpus 2 \
		--boot kernel=/srv/vmlinuz,initrd=/srv/initrd.img,kernel_args="console=ttyS0 root=/dev/vda" \
		--disk path="$tmp/vi1.img",bus=virtio \
		--network bridge=br0,model=virtio,mac=52:54:00:00:00:01 >"$x-1.xml"; then
		fail "virt-install vi1: $(tail -n 2 "$tmp/vi.err")"
		return
	fi
	to_argv "virt-install: kernel, initrd, args, disk, bridge" "$x-1.xml" \
		"squeeze run --name vi1 --memory 512M --cpus 2 --kernel /srv/vmlinuz --initrd /srv/initrd.img --cmdline 'console=ttyS0 root=/dev/vda' --disk $tmp/vi1.img --net bridge=br0,mac=52:54:00:00:00:01 --console pty --on-reboot restart"
	vi --name vi2 --memory 2048 --vcpus 1 --boot kernel=/srv/k \
		--disk path="$tmp/vi1.img",bus=virtio,cache=none \
		--disk path="$tmp/vi2.img",bus=virtio,readonly=on,serial=data1 \
		--network bridge=br0,model=virtio,mac=52:54:00:00:00:02 \
		--network bridge=ovsbr1,model=virtio,mac=52:54:00:00:00:03,target.dev=vi2tap \
		--serial file,path="$tmp/vi2.log" \
		--events on_poweroff=restart,on_reboot=destroy,on_crash=restart >"$x-2.xml"
	to_argv "virt-install: two disks, two bridges, file console, events" "$x-2.xml" \
		"squeeze run --name vi2 --memory 2G --cpus 1 --kernel /srv/k --disk $tmp/vi1.img,cache=none --disk $tmp/vi2.img,readonly=on,serial=data1 --net bridge=br0,mac=52:54:00:00:00:02 --net bridge=ovsbr1,tap=vi2tap,mac=52:54:00:00:00:03 --console file=$tmp/vi2.log --on-poweroff restart --on-crash restart"
	# The generated domains are valid for libvirt too.
	if command -v virt-xml-validate >/dev/null &&
	   virt-xml-validate "$x-1.xml" domain >/dev/null 2>&1 &&
	   virt-xml-validate "$x-2.xml" domain >/dev/null 2>&1; then
		pass "virt-install: its domains pass virt-xml-validate"
	else
		fail "virt-install: a generated domain fails virt-xml-validate"
	fi
	qcow2_without_type
}

# virt-install's test driver writes no <driver type> for a qcow2: squeeze
# takes that as raw, never guessing, and so refuses the image as --disk does.
qcow2_without_type() {
	local rc
	"$SQUEEZE" img create -f qcow2 "$tmp/vi3.qcow2" 1M >/dev/null
	vi --name vi3 --memory 64 --boot kernel="$GUESTS/blk.elf" \
		--disk path="$tmp/vi3.qcow2",format=qcow2,bus=virtio --network none \
		>"$tmp/vi-3.xml"
	timeout 10 "$SQUEEZE" run --domain "$tmp/vi-3.xml" </dev/null \
		>/dev/null 2>"$tmp/vi3.err"
	rc=$?
	if [ $rc -eq 2 ] && [ "$(grep -vc '^squeeze: warning: ' "$tmp/vi3.err")" -eq 1 ] &&
	   grep -q "pass format=qcow2 or format=raw" "$tmp/vi3.err"; then
		pass "virt-install: a qcow2 without <driver type> is refused, not guessed"
	else
		fail "virt-install qcow2 without type: status $rc: $(cat "$tmp/vi3.err")"
	fi
}

ADMIN_REFUSAL="squeeze: error: $D/admin.xml:7: <os> boots from hd: squeeze boots kernels directly; add <kernel>PATH</kernel> to <os>"

# The admin's domain: the refusal, then with <kernel> the line and the two
# warnings, for domxml-to-argv and for run alike.
admin_domain() {
	local cmd rc out
	for cmd in domxml-to-argv "run --domain"; do
		# shellcheck disable=SC2086
		out=$("$SQUEEZE" $cmd "$D/admin.xml" 2>"$tmp/admin.err" </dev/null)
		rc=$?
		if [ $rc -eq 2 ] && [ -z "$out" ] &&
		   [ "$(cat "$tmp/admin.err")" = "$ADMIN_REFUSAL" ]; then
			pass "admin domain, $cmd: exactly the <kernel> refusal"
		else
			fail "admin domain, $cmd: status $rc: $(cat "$tmp/admin.err")"
		fi
	done
	sed "s|<boot dev='hd'/>|<kernel>/boot/vmlinuz</kernel>|" "$D/admin.xml" \
		>"$tmp/admin.xml"
	out=$("$SQUEEZE" domxml-to-argv "$tmp/admin.xml" 2>"$tmp/admin.err")
	rc=$?
	local want="squeeze run --name admin1 --memory 1G --cpus 2 --kernel /boot/vmlinuz --disk /var/lib/libvirt/images/admin1.qcow2,format=qcow2,cache=none --disk /var/lib/libvirt/images/debian-12.iso,format=raw,readonly=on --net bridge=br0,mac=52:54:00:a1:00:01 --on-reboot restart"
	local warns="squeeze: warning: $tmp/admin.xml:17: <disk type='file' device='cdrom'> sda appears as vdb, a read-only virtio disk
squeeze: warning: $tmp/admin.xml:28: <graphics type='vnc'> ignored: squeeze is headless; the serial console is its display"
	if [ $rc -ne 0 ] || [ "$out" != "$want" ]; then
		fail "admin domain with <kernel>: status $rc: '$out'"
	elif [ "$(cat "$tmp/admin.err")" != "$warns" ]; then
		fail "admin domain with <kernel>: warnings: $(cat "$tmp/admin.err")"
	else
		pass "admin domain with <kernel>: the line, and exactly the cdrom and graphics warnings"
	fi
	admin_run
}

# The admin domain for real: its qcow2 (cache=none), its cdrom and its
# bridge, with the tiny blk guest as <kernel>; by --domain and by the
# domxml-to-argv line, each must write sector 1 of the qcow2.
admin_run() {
	local how rc line
	if [ ! -e /dev/kvm ] || ! netns; then
		skip "admin domain run: needs /dev/kvm and root (network namespace)"
		return
	fi
	sed -e "s|<boot dev='hd'/>|<kernel>$GUESTS/blk.elf</kernel>|" \
	    -e "s|/var/lib/libvirt/images|$tmp|g" "$D/admin.xml" >"$tmp/admin-run.xml"
	head -c 64K /dev/urandom >"$tmp/debian-12.iso"
	line=$("$SQUEEZE" domxml-to-argv "$tmp/admin-run.xml" 2>/dev/null)
	for how in domain line; do
		rm -f "$tmp/admin1.qcow2"
		"$SQUEEZE" img create -f qcow2 "$tmp/admin1.qcow2" 1M >/dev/null
		if [ $how = domain ]; then
			nsx timeout 60 "$SQUEEZE" run --domain "$tmp/admin-run.xml" \
				</dev/null >"$tmp/admin.out" 2>"$tmp/admin.err"
		else
			# shellcheck disable=SC2086
			eval "nsx timeout 60 ${line/squeeze/\"\$SQUEEZE\"}" \
				</dev/null >"$tmp/admin.out" 2>"$tmp/admin.err"
		fi
		rc=$?
		qemu-img convert -f qcow2 -O raw "$tmp/admin1.qcow2" "$tmp/admin1.raw"
		if [ $rc -ne 33 ] || ! grep -q '^blk: OK' <(tr -d '\r' <"$tmp/admin.out"); then
			fail "admin run ($how): status $rc: $(tail -n 2 "$tmp/admin.out" "$tmp/admin.err" | tr '\n' ' ')"
		elif [ "$(dd if="$tmp/admin1.raw" bs=512 skip=1 count=1 2>/dev/null)" != \
		       "$(for i in $(seq 32); do printf 'squeeze-blk-ok 1'; done)" ]; then
			fail "admin run ($how): sector 1 of the qcow2 lacks the pattern"
		elif ! qemu-img check "$tmp/admin1.qcow2" >/dev/null 2>&1; then
			fail "admin run ($how): qemu-img check fails"
		elif ip -n "$NS" link show admin1-0 >/dev/null 2>&1; then
			fail "admin run ($how): tap admin1-0 left behind"
		else
			pass "admin run ($how): blk guest wrote the qcow2 (status 33), qemu-img check clean, tap gone"
		fi
	done
}

# A live q35 guest's `virsh dumpxml`, changed as docs/domain-xml.md says:
# a <kernel>, and the default network's bridge instead of the network.
virsh_dumpxml() {
	local rc out
	out=$("$SQUEEZE" domxml-to-argv "$D/dumpxml.xml" 2>"$tmp/dump.err")
	rc=$?
	if [ $rc -eq 2 ] && [ "$(wc -l <"$tmp/dump.err")" -eq 1 ] &&
	   grep -q "<interface type='network'>: libvirt's networks need libvirtd" "$tmp/dump.err"; then
		pass "virsh dumpxml as it is: refused at its network interface"
	else
		fail "virsh dumpxml as it is: status $rc: $(cat "$tmp/dump.err")"
	fi
	sed -e "s|<boot dev='hd'/>|<kernel>/boot/vmlinuz</kernel><initrd>/boot/initrd.img</initrd><cmdline>console=ttyS0 root=/dev/vda1</cmdline>|" \
	    -e "s|<interface type='network'>|<interface type='bridge'>|" \
	    -e "s|<source network='default'.*/>|<source bridge='virbr0'/>|" \
		"$D/dumpxml.xml" >"$tmp/dump.xml"
	out=$("$SQUEEZE" domxml-to-argv "$tmp/dump.xml" 2>"$tmp/dump.err")
	rc=$?
	if [ $rc -eq 0 ] && [ "$out" = "squeeze run --name deb12 --memory 2G --cpus 2 --kernel /boot/vmlinuz --initrd /boot/initrd.img --cmdline 'console=ttyS0 root=/dev/vda1' --disk /var/lib/libvirt/images/deb12.qcow2,format=qcow2 --net bridge=virbr0,mac=52:54:00:4e:2a:11 --console pty --on-reboot restart" ] &&
	   ! grep -qv '^squeeze: warning: ' "$tmp/dump.err"; then
		pass "virsh dumpxml with a <kernel> and its bridge: runs, $(wc -l <"$tmp/dump.err") warnings"
	else
		fail "virsh dumpxml changed: status $rc: '$out' $(grep -v '^squeeze: warning' "$tmp/dump.err")"
	fi
}

# The worked example in docs/domain-xml.md is what squeeze prints.
doc_example() {
	local out
	out=$(cd "$ROOT" && "$SQUEEZE" domxml-to-argv docs/examples/web1.xml 2>&1)
	if [ -n "$out" ] && [ "$(echo "$out" | while IFS= read -r l; do
			grep -qxF -- "$l" "$ROOT/docs/domain-xml.md" || echo missing; done)" = "" ]; then
		pass "docs/domain-xml.md shows exactly what domxml-to-argv prints for its example"
	else
		fail "docs/domain-xml.md's example is out of date: $out"
	fi
}

# hostile NAME FILE MESSAGE: exit 2, one line with MESSAGE, within 5 s,
# nothing created, and no file opened but FILE and the shared libraries.
hostile() {
	local name=$1 file=$2 msg=$3 rc t0 t1 opened
	rm -f "$tmp/witness"
	t0=$(date +%s%N)
	if command -v strace >/dev/null; then
		timeout 5 strace -f -qq -o "$tmp/trace" \
			-e trace=open,openat,openat2,creat,execve \
			"$SQUEEZE" run --domain "$file" --console "file=$tmp/witness" \
			</dev/null >/dev/null 2>"$tmp/h.err"
	else
		timeout 5 "$SQUEEZE" run --domain "$file" --console "file=$tmp/witness" \
			</dev/null >/dev/null 2>"$tmp/h.err"
		: >"$tmp/trace"
	fi
	rc=$?
	t1=$(date +%s%N)
	opened=$(grep -o 'open[a-z0-9]*([^"]*"[^"]*"' "$tmp/trace" |
		 sed 's/.*"\(.*\)"/\1/' | grep -v -x -F "$file" |
		 grep -v -E '^(/etc/ld\.so\.cache|(/usr)?/lib(64|/x86_64-linux-gnu)?/[^/]*\.so[.0-9]*)$')
	if [ $rc -ne 2 ]; then
		fail "hostile $name: status $rc: $(head -c 300 "$tmp/h.err")"
	elif [ "$(wc -l <"$tmp/h.err")" -ne 1 ] || ! grep -qF -- "$msg" "$tmp/h.err"; then
		fail "hostile $name: stderr: $(head -c 300 "$tmp/h.err")"
	elif [ -e "$tmp/witness" ]; then
		fail "hostile $name: the console file was created"
	elif [ -n "$opened" ]; then
		fail "hostile $name: opened $(echo "$opened" | tr '\n' ' ')"
	else
		pass "hostile $name: $(cat "$tmp/h.err") ($(((t1 - t0) / 1000000)) ms)"
	fi
}

hostile_inputs() {
	local h=$tmp/hostile
	mkdir -p "$h"
	{
		echo '<?xml version="1.0"?>'
		echo '<!DOCTYPE lolz ['
		echo ' <!ENTITY lol "lol">'
		for i in 2 3 4 5 6 7 8 9; do
			printf ' <!ENTITY lol%d "' $i
			for _ in $(seq 10); do printf '&lol%s;' "$( [ $i = 2 ] || echo $((i - 1)))"; done
			echo '">'
		done
		echo ']>'
		echo '<domain type="kvm"><name>&lol9;</name></domain>'
	} >"$h/laughs.xml"
	hostile "billion laughs" "$h/laughs.xml" "laughs.xml:2: <!DOCTYPE>: refused"
	printf '<?xml version="1.0"?>\n<!DOCTYPE domain [\n <!ENTITY xxe SYSTEM "file:///etc/passwd">\n]>\n<domain type="kvm"><name>&xxe;</name></domain>\n' \
		>"$h/xxe.xml"
	hostile "external entity /etc/passwd" "$h/xxe.xml" "xxe.xml:2: <!DOCTYPE>: refused"
	printf '<!DOCTYPE domain [<!ENTITY %% p SYSTEM "/etc/passwd"> %%p;]>\n<domain/>\n' \
		>"$h/param.xml"
	hostile "parameter entity /etc/passwd" "$h/param.xml" "param.xml:1: <!DOCTYPE>: refused"
	printf '<!DOCTYPE domain SYSTEM "/etc/passwd">\n<domain/>\n' >"$h/dtd.xml"
	hostile "external DTD /etc/passwd" "$h/dtd.xml" "dtd.xml:1: <!DOCTYPE>: refused"
	printf '<domain type="kvm" xmlns:xi="http://www.w3.org/2001/XInclude">\n<name>x</name>\n<xi:include href="/etc/passwd" parse="text"/>\n</domain>\n' \
		>"$h/xinclude.xml"
	hostile "XInclude of /etc/passwd" "$h/xinclude.xml" "xinclude.xml:3: <xi:include>: not supported by squeeze"
	head -c 100M /dev/zero >"$h/big.xml"
	hostile "100 MB file" "$h/big.xml" "104857600 bytes, more than the 1024 KiB"
	printf '<domain type="kvm">\n<name>x</name>\n<memory>64\n</domain>\n' >"$h/malformed.xml"
	hostile "malformed XML" "$h/malformed.xml" "malformed.xml:5: not well-formed XML: Premature end of data"
	printf '<network>\n<name>default</name>\n</network>\n' >"$h/root.xml"
	hostile "wrong root element" "$h/root.xml" "root.xml:1: <network>: not a libvirt domain"
	printf '<domain type="kvm"><name>x</name>\n<memory unit="EiB">16</memory></domain>\n' >"$h/units.xml"
	hostile "memory unit overflow" "$h/units.xml" "units.xml:2: <memory>: 16 EiB does not fit in 64 bits"
	printf '<domain type="kvm"><name>x</name>\n<memory>18446744073709551616</memory></domain>\n' >"$h/units2.xml"
	hostile "memory number overflow" "$h/units2.xml" "units2.xml:2: <memory>: 18446744073709551616 does not fit in 64 bits"
	printf '<domain type="kvm"><name>x</name><memory>65536</memory>\n<vcpu>99999999999999999999</vcpu></domain>\n' >"$h/vcpu.xml"
	hostile "vcpu overflow" "$h/vcpu.xml" "vcpu.xml:2: <vcpu>: 99999999999999999999 does not fit in 64 bits"
	: >"$h/empty.xml"
	hostile "empty file" "$h/empty.xml" "not well-formed XML"
}

# Not a regular file: read up to the cap, then refused (here a pipe).
hostile_pipe() {
	local rc
	timeout 10 "$SQUEEZE" domxml-to-argv <(head -c 100M /dev/zero) \
		>/dev/null 2>"$tmp/pipe.err"
	rc=$?
	if [ $rc -eq 2 ] && grep -q "more than the 1024 KiB" "$tmp/pipe.err"; then
		pass "hostile 100 MB pipe: read up to the cap, refused: $(cat "$tmp/pipe.err")"
	else
		fail "hostile 100 MB pipe: status $rc: $(cat "$tmp/pipe.err")"
	fi
}

. "$(dirname "$0")/domxml_run.sh"
. "$(dirname "$0")/domxml_fs.sh"
. "$(dirname "$0")/domxml_backing.sh"

validate_examples
virt_install_domains
admin_domain
virsh_dumpxml
doc_example
hostile_inputs
hostile_pipe
restart_guest
pty_console
virt_install_fs
fs_domain
fs_refused
backing_domain
t_end
