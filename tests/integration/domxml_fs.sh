# Domain XML with <filesystem>, sourced by suite_domxml.sh (its helpers:
# fill, to_argv, vi, hostile, $tmp, $D): virt-install's virtio-fs domains
# map to --fs; the tiny fs guest from fs.xml gets both its shares answered
# by the virtiofsd processes squeeze starts, which are gone afterwards; the
# filesystems squeeze cannot serve exit 2 with one line, nothing started.

# no_virtiofsd NAME DIR: no virtiofsd serving a directory under DIR
# (after up to 3 s: it goes when its socket closes).
no_virtiofsd() {
	local left
	if ! left=$(virtiofsds_gone "$2" 30); then
		fail "$1: virtiofsd left running: $left"
	else
		pass "$1: no virtiofsd left"
	fi
}

# virt-install --filesystem (and the shared memory libvirt wants with it).
virt_install_fs() {
	local x=$tmp/vf
	if ! command -v virt-install >/dev/null; then
		skip "virt-install filesystems: no virt-install (Debian virtinst)"
		return
	fi
	mkdir -p "$tmp/share" "$tmp/other"
	if ! vi --name vf1 --memory 256 --vcpus 1 --boot kernel=/srv/k \
		--disk none --network none \
		--memorybacking source.type=memfd,access.mode=shared \
		--filesystem "$tmp/share,hostshare,driver.type=virtiofs" \
		--filesystem "source.dir=$tmp/other,target.dir=ro,driver.type=virtiofs,readonly=on" \
		>"$x-1.xml"; then
		fail "virt-install vf1: $(tail -n 2 "$tmp/vi.err")"
		return
	fi
	to_argv "virt-install: two virtio-fs shares, one read-only, shared memory" "$x-1.xml" \
		"squeeze run --name vf1 --memory 256M --cpus 1 --kernel /srv/k --fs $tmp/share,tag=hostshare --fs $tmp/other,tag=ro,readonly=on --console pty --on-reboot restart"
	if command -v virt-xml-validate >/dev/null &&
	   ! virt-xml-validate "$x-1.xml" domain >/dev/null 2>&1; then
		fail "virt-install vf1: fails virt-xml-validate"
	fi
	# What squeeze cannot serve, as virt-install writes it (its 9p share
	# has accessmode='mapped' too: the driver is named first).
	vi --name vf2 --memory 64 --boot kernel=/srv/k --disk none --network none \
		--filesystem "$tmp/share,hostshare" >"$x-2.xml"
	hostile "virt-install 9p share (no driver.type)" "$x-2.xml" \
		"<filesystem type='mount'>: has no <driver type='virtiofs'/>: squeeze shares directories over virtio-fs only"
	vi --name vf3 --memory 64 --boot kernel=/srv/k --disk none --network none \
		--filesystem "$tmp/share,hostshare,driver.type=virtiofs,accessmode=mapped" \
		>"$x-3.xml"
	hostile "virt-install accessmode=mapped" "$x-3.xml" \
		"accessmode='mapped': virtiofsd runs in passthrough mode only"
	vi --name vf4 --memory 64 --boot kernel=/srv/k --disk none --network none \
		--filesystem "source.socket=$tmp/vfs.sock,target.dir=t,driver.type=virtiofs" \
		>"$x-4.xml"
	hostile "virt-install socket source" "$x-4.xml" \
		"for a back-end you started, give squeeze run --fs socket=PATH,tag=TAG"
	vi --name vf5 --memory 64 --boot kernel=/srv/k --disk none --network none \
		--filesystem "$tmp/share,hostshare,driver.type=virtiofs,binary.xattr=on" \
		>"$x-5.xml"
	hostile "virt-install virtiofsd options" "$x-5.xml" \
		"<binary>: xattr=: squeeze runs virtiofsd with its own options"
}

# fs.xml: the tiny fs guest, its two shares served for real.
fs_domain() {
	local out=$tmp/fs.out rc pid n threads
	if [ ! -e /dev/kvm ] || [ ! -f "$GUESTS/fs.elf" ]; then
		skip "virtio-fs from domain XML: needs /dev/kvm and build/guests/fs.elf"
		return
	elif [ ! -x /usr/lib/qemu/virtiofsd ] && [ ! -x /usr/libexec/virtiofsd ]; then
		skip "virtio-fs from domain XML: virtiofsd is not installed (qemu-system-common)"
		return
	fi
	mkdir -p "$tmp/share" "$tmp/other"
	fill "$D/fs.xml" "$tmp/fs.xml"
	timeout 30 "$SQUEEZE" run --domain "$tmp/fs.xml" </dev/null >"$out" 2>&1
	rc=$?
	if [ $rc = 161 ] && grep -q "^fs0: virtio-fs at .*tag 'hostshare'" <(tr -d '\r' <"$out") &&
	   grep -q "^fs1: virtio-fs at .*tag 'ro'" <(tr -d '\r' <"$out") &&
	   [ "$(tr -d '\r' <"$out" | grep -c '^fs[01]: FUSE_INIT ok')" = 2 ] &&
	   grep -qx "fs: OK: 2 device(s)" <(tr -d '\r' <"$out"); then
		pass "virtio-fs from domain XML: both tags seen, FUSE_INIT answered by virtiofsd on each (status 161)"
	else
		fail "virtio-fs from domain XML: status $rc: $(tr -d '\r' <"$out" | tail -n 4 | tr '\n' ' ')"
	fi
	no_virtiofsd "virtio-fs from domain XML, after power-off" "$tmp"
	# Held up: one virtiofsd per share while it runs, named threads.
	"$SQUEEZE" run --domain "$tmp/fs.xml" --cmdline hold=1 </dev/null \
		>"$out" 2>&1 &
	pid=$!
	bg=$pid
	if ! wait_for "$out" "fs: holding" 100; then
		fail "virtio-fs from domain XML, held: never held: $(tail -n 3 "$out" | tr '\n' ' ')"
	else
		threads=$(cat /proc/"$pid"/task/*/comm | grep -v -E '^(kvm|iou)-' |
			sort | tr '\n' ' ')
		if [ -n "$(virtiofsds "$tmp/share")" ] && [ -n "$(virtiofsds "$tmp/other")" ] &&
		   [ "$threads" = "dxfs:fs0 dxfs:fs1 dxfs:vcpu0 squeeze " ]; then
			pass "virtio-fs from domain XML, running: a virtiofsd for each share, threads $threads"
		else
			fail "virtio-fs from domain XML, running: virtiofsd $(virtiofsds "$tmp" | tr '\n' ' '), threads '$threads'"
		fi
	fi
	kill -TERM "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	bg=""
	no_virtiofsd "virtio-fs from domain XML, after SIGTERM" "$tmp"
}

# Refused shares start nothing: no virtiofsd, no console file.
fs_refused() {
	fill "$D/fs.xml" "$tmp/fs.xml"
	sed -e "s|<source dir='[^']*/other'/>|<source socket='$tmp/vfs.sock'/>|" \
		"$tmp/fs.xml" >"$tmp/fs-socket.xml"
	hostile "fs.xml with a socket source" "$tmp/fs-socket.xml" \
		"fs-socket.xml:26: <source>: squeeze starts virtiofsd itself"
	sed -e "0,/<driver type='virtiofs'\/>/s||<driver type='path'/>|" \
		"$tmp/fs.xml" >"$tmp/fs-9p.xml"
	hostile "fs.xml with a 9p driver" "$tmp/fs-9p.xml" \
		"fs-9p.xml:20: <driver type='path'>: squeeze shares directories over virtio-fs only"
	no_virtiofsd "refused shares" "$tmp"
}
