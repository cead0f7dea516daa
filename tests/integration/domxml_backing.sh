# Domain XML with a <backingStore> chain, sourced by suite_domxml.sh (its
# helpers: fill, to_argv, $tmp, $D): a qcow2 overlay made by qemu-img on a
# raw base in another directory, named by its absolute path. Without the
# chain in the domain, squeeze refuses to follow that name; with it,
# domxml-to-argv shows backing-dir= and the tiny blk guest reads the base
# through the overlay and writes the overlay only. A chain that is not the
# image's own exits 2 with one line, nothing created or written.

backing_domain() {
	local out=$tmp/backing.out con=$tmp/backing.con rc base_sum top_sum want
	if ! command -v qemu-img >/dev/null; then
		skip "<backingStore>: no qemu-img (Debian qemu-utils)"
		return
	fi
	mkdir -p "$tmp/base"
	head -c 64K /dev/urandom >"$tmp/base/base.raw"
	head -c 64K /dev/urandom >"$tmp/base/other.raw"
	rm -f "$tmp/top.qcow2"
	qemu-img create -q -f qcow2 -b "$tmp/base/base.raw" -F raw "$tmp/top.qcow2" 1M
	base_sum=$(sha256sum <"$tmp/base/base.raw")
	fill "$D/backing.xml" "$tmp/backing.xml"
	to_argv "<backingStore>: the chain's directory as backing-dir=" "$tmp/backing.xml" \
		"squeeze run --name dxbacking --memory 32M --cpus 1 --kernel $GUESTS/blk.elf --disk $tmp/top.qcow2,format=qcow2,backing-dir=$(realpath "$tmp/base") --console file=$con"

	# The chain the domain names is not the image's: refused, untouched.
	top_sum=$(sha256sum <"$tmp/top.qcow2")
	sed "s|/base/base.raw'|/base/other.raw'|" "$tmp/backing.xml" >"$tmp/backing-other.xml"
	expect_exit2 10 "<backingStore> naming another file than the image records" \
		"backing-other.xml:19: <backingStore type='file'>: $tmp/top.qcow2 records backing file $tmp/base/base.raw, not $tmp/base/other.raw" \
		"$SQUEEZE" run --domain "$tmp/backing-other.xml"
	sed "s|<format type='raw'/>|<format type='qcow2'/>|" "$tmp/backing.xml" >"$tmp/backing-fmt.xml"
	expect_exit2 10 "<backingStore> with another format than the image records" \
		"<format type='qcow2'>, but $tmp/top.qcow2 records $tmp/base/base.raw as raw" \
		"$SQUEEZE" run --domain "$tmp/backing-fmt.xml"
	if [ -e "$con" ] || [ "$(sha256sum <"$tmp/top.qcow2")" != "$top_sum" ]; then
		fail "<backingStore> refused: the console file was created or the image changed"
	fi

	if [ ! -e /dev/kvm ] || [ ! -f "$GUESTS/blk.elf" ]; then
		skip "<backingStore> runs: needs /dev/kvm and build/guests/blk.elf"
		return
	fi
	# Without the chain in the domain, --disk's rule stands.
	sed '/<backingStore type/,/<\/backingStore>/d' "$tmp/backing.xml" >"$tmp/backing-none.xml"
	expect_exit2 20 "no <backingStore>: the absolute backing name is refused" \
		"backing file name '$tmp/base/base.raw' is an absolute path; follow it with --disk ...,backing-dir=DIR" \
		"$SQUEEZE" run --domain "$tmp/backing-none.xml"
	rm -f "$con"
	timeout 60 "$SQUEEZE" run --domain "$tmp/backing.xml" </dev/null >"$out" 2>&1
	rc=$?
	want=$(hex16 "$tmp/base/base.raw")
	qemu-img convert -f qcow2 -O raw "$tmp/top.qcow2" "$tmp/top.raw"
	if [ $rc -ne 33 ] || ! grep -qx 'blk: OK' <(tr -d '\r' <"$con"); then
		fail "<backingStore> run: status $rc: $(tail -n 2 "$con" "$out" | tr '\n' ' ')"
	elif [ "$(tr -d '\r' <"$con" | sed -n 's/^blk: sector 0: //p')" != "$want" ]; then
		fail "<backingStore> run: sector 0 is not the base's ($want)"
	elif [ "$(dd if="$tmp/top.raw" bs=512 skip=1 count=1 2>/dev/null)" != \
	       "$(for _ in $(seq 32); do printf 'squeeze-blk-ok 1'; done)" ]; then
		fail "<backingStore> run: sector 1 of the overlay lacks the pattern"
	elif ! qemu-img check -q "$tmp/top.qcow2"; then
		fail "<backingStore> run: qemu-img check of the overlay fails"
	elif [ "$(sha256sum <"$tmp/base/base.raw")" != "$base_sum" ]; then
		fail "<backingStore> run: the base changed"
	else
		pass "<backingStore> run: the guest read the base through the overlay and wrote the overlay (status 33), qemu-img check clean, base unchanged"
	fi
}
