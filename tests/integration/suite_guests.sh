#!/usr/bin/env bash
# The guest images themselves, under QEMU (independent of squeeze): the
# tiny PVH guests on QEMU microvm / pc with KVM, and the Debian kernel with
# the test initramfs under TCG, where Linux reaches userspace in seconds.
# If these pass and a squeeze suite fails with the same image, the bug is
# in squeeze. One case runs on squeeze: blk moving the device's BARs,
# which no other suite does.
set -u
. "$(dirname "$0")/lib.sh"
t_begin guests

tmp=$(mktemp -d /tmp/suite-guests.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
DEB=$ROOT/build/debian

qemu_kvm() {
	timeout 30 qemu-system-x86_64 -accel kvm -cpu host,-arch-capabilities \
		-nodefaults -no-user-config -nographic -serial stdio -no-reboot \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 -m 128M "$@" \
		</dev/null 2>&1
}

# expect NAME STATUS OUTFILE LINE: the run ended with STATUS and printed LINE.
expect() {
	local name=$1 want=$2 got=$3 file=$4 line=$5
	if [ "$got" -ne "$want" ]; then
		fail "$name: exit status $got, expected $want: $(tail -n 2 "$file" | tr '\n' ' ')"
	elif ! grep -qxF "$line" <(tr -d '\r' <"$file"); then
		fail "$name: no line '$line' on the console"
	else
		pass "$name"
	fi
}

tiny_on_microvm() {
	local g=$GUESTS
	qemu_kvm -M microvm -kernel "$g/hello.elf" >"$tmp/hello"
	expect "hello on microvm" 1 $? "$tmp/hello" "Hello from a squeeze guest"
	qemu_kvm -M microvm -kernel "$g/exit.elf" -append "x=1 code=5" >"$tmp/exit5"
	expect "exit code=5 on microvm" 11 $? "$tmp/exit5" "exit guest: code 5"
	qemu_kvm -M microvm -kernel "$g/exit.elf" -append "code=0x2a" >"$tmp/exit42"
	expect "exit code=0x2a on microvm" 85 $? "$tmp/exit42" "exit guest: code 42"
	qemu_kvm -M microvm -kernel "$g/exit.elf" -append "code=12z" >"$tmp/exitbad"
	expect "exit bad code= on microvm" 67 $? "$tmp/exitbad" "exit guest: code 33"
	qemu_kvm -M microvm -kernel "$g/triple.elf" >"$tmp/triple"
	if [ $? -eq 0 ] && grep -q "triple guest: faulting" "$tmp/triple" &&
	   ! grep -q "still alive" "$tmp/triple"; then
		pass "triple faults on microvm"
	else
		fail "triple on microvm: $(tr '\n' ' ' <"$tmp/triple")"
	fi
}

# QEMU pc: SeaBIOS assigns the BARs; type 1 config access as on squeeze.
blk_on_pc() {
	local disk=$tmp/blk.img want got st
	head -c 16 /dev/urandom >"$disk"
	truncate -s 64K "$disk"
	want=$(od -An -t x1 -N 16 "$disk" | tr -s ' \n' ' ' | sed 's/ $//')
	qemu_kvm -M pc -kernel "$GUESTS/blk.elf" \
		-drive file="$disk",format=raw,if=none,id=d0 \
		-device virtio-blk-pci,drive=d0,disable-legacy=on >"$tmp/blk"
	st=$?
	expect "blk on pc: driver reports OK" 33 $st "$tmp/blk" "blk: OK"
	got=$(tr -d '\r' <"$tmp/blk" | sed -n 's/^blk: sector 0://p')
	if [ "$got" = "$want" ]; then
		pass "blk on pc: printed sector 0 matches the file"
	else
		fail "blk on pc: sector 0 printed '$got', file has '$want'"
	fi
	if cmp -s <(dd if="$disk" bs=512 skip=1 count=1 2>/dev/null) \
		  <(for _ in $(seq 32); do printf 'squeeze-blk-ok 1'; done); then
		pass "blk on pc: sector 1 of the file holds the pattern"
	else
		fail "blk on pc: sector 1 of the file lacks the pattern"
	fi
	blk_reassign "blk reassign=1 on pc" qemu_kvm -M pc -kernel "$GUESTS/blk.elf" \
		-append "reassign=1" -drive file="$disk",format=raw,if=none,id=d0 \
		-device virtio-blk-pci,drive=d0,disable-legacy=on
}

# blk_reassign NAME CMD...: the guest moved the BARs to 0xd0000000 and the
# device still works there.
blk_reassign() {
	local name=$1 st
	shift
	"$@" >"$tmp/reassign" 2>&1
	st=$?
	if ! grep -q "^blk: common config at 0xd0" <(tr -d '\r' <"$tmp/reassign"); then
		fail "$name: BARs not moved: $(grep -a '^blk:' "$tmp/reassign" | tr '\n' ' ')"
	else
		expect "$name" 33 $st "$tmp/reassign" "blk: OK"
	fi
}

linux_tcg() {
	timeout 120 qemu-system-x86_64 -M pc -accel tcg -cpu max -smp 2 -m 256M \
		-nodefaults -no-user-config -nographic -serial stdio -no-reboot \
		-kernel "$DEB/vmlinuz" -initrd "$DEB/initramfs.cpio.gz" "$@" \
		</dev/null 2>&1 | tr -d '\r'
}

initramfs_under_tcg() {
	local disk=$tmp/linux.img
	truncate -s 1M "$disk"
	linux_tcg -append "console=ttyS0 quiet squeeze.scenario=info" \
		-drive file="$disk",format=raw,if=none,id=d0 \
		-device virtio-blk-pci,drive=d0,disable-legacy=on >"$tmp/info"
	if grep -qE 'squeeze guest: kernel [^ ]+, 2 CPUs, MemTotal [0-9]+ kB$' "$tmp/info"; then
		pass "initramfs: banner"
	else
		fail "initramfs: no banner: $(tail -n 3 "$tmp/info" | tr '\n' ' ')"
	fi
	if grep -q "insmod .* failed" "$tmp/info"; then
		fail "initramfs: $(grep -m1 'insmod .* failed' "$tmp/info")"
	else
		pass "initramfs: every module loaded"
	fi
	if grep -qx "info: block vda 2048 sectors" "$tmp/info" &&
	   grep -qx "squeeze scenario info: exit 0" "$tmp/info" &&
	   grep -q "reboot: Power down" "$tmp/info"; then
		pass "initramfs: scenario sees virtio-blk, powers off"
	else
		fail "initramfs: scenario info: $(grep -E '^(info|squeeze)' "$tmp/info" | tr '\n' ' ')"
	fi
	linux_tcg -append 'console=ttyS0 quiet -- sh -c "echo cmd-ran; exit 3"' \
		>"$tmp/cmd"
	if grep -qx "cmd-ran" "$tmp/cmd" &&
	   grep -qx "squeeze guest: command exit 3" "$tmp/cmd"; then
		pass "initramfs: runs the command after --"
	else
		fail "initramfs: command after --: $(tail -n 3 "$tmp/cmd" | tr '\n' ' ')"
	fi
	linux_tcg -append "console=ttyS0 quiet squeeze.scenario=nosuch" >"$tmp/nosuch"
	if grep -qx "squeeze scenario nosuch: not found" "$tmp/nosuch"; then
		pass "initramfs: unknown scenario reported"
	else
		fail "initramfs: unknown scenario: $(tail -n 3 "$tmp/nosuch" | tr '\n' ' ')"
	fi
}

if ! command -v qemu-system-x86_64 >/dev/null; then
	skip "tiny guests and initramfs under QEMU: qemu-system-x86_64 not installed"
elif [ ! -f "$GUESTS/hello.elf" ] || [ ! -f "$GUESTS/blk.elf" ]; then
	skip "tiny guests under QEMU: build/guests/*.elf missing (make guests)"
elif [ ! -e /dev/kvm ]; then
	skip "tiny guests under QEMU: no /dev/kvm"
else
	tiny_on_microvm
	blk_on_pc
fi

# The one guest path no other suite runs on squeeze: BARs the guest moves.
if [ ! -x "$SQUEEZE" ] || [ ! -f "$GUESTS/blk.elf" ] || [ ! -e /dev/kvm ]; then
	skip "blk reassign=1 on squeeze: needs ./squeeze, build/guests/blk.elf and /dev/kvm"
else
	truncate -s 64K "$tmp/sq.img"
	blk_reassign "blk reassign=1 on squeeze" timeout 30 "$SQUEEZE" run \
		--kernel "$GUESTS/blk.elf" --memory 32M --cmdline "reassign=1" \
		--disk "$tmp/sq.img"
fi

# The fs scenario on QEMU's own vhost-user devices and the same daemons
# squeeze drives (virtiofsd, qemu-storage-daemon): the oracle for
# guests/scenarios/fs.sh and the virtiofs modules in the initramfs.
fs_scenario_under_tcg() {
	local w=$tmp/fs share=$tmp/fs/share vfs qsd got
	mkdir -p "$share" "$w/files"
	head -c 3M /dev/urandom >"$share/input.bin"
	head -c 2M /dev/urandom >"$w/files/data.bin"
	mkfs.ext4 -q -d "$w/files" "$w/vub.img" 32M >/dev/null 2>&1
	/usr/lib/qemu/virtiofsd --socket-path="$w/fs.sock" -o source="$share" \
		-o log_level=err >/dev/null 2>&1 &
	vfs=$!
	qemu-storage-daemon --blockdev "driver=file,node-name=f0,filename=$w/vub.img" \
		--export "type=vhost-user-blk,id=e0,node-name=f0,addr.type=unix,addr.path=$w/blk.sock,writable=off" \
		>/dev/null 2>&1 &
	qsd=$!
	for _ in $(seq 100); do
		[ -S "$w/fs.sock" ] && [ -S "$w/blk.sock" ] && break
		sleep 0.1
	done
	# shellcheck disable=SC2054 # the commas belong to QEMU options
	linux_tcg -object memory-backend-memfd,id=mem,size=256M,share=on \
		-numa node,memdev=mem \
		-chardev socket,id=c0,path="$w/fs.sock" \
		-device vhost-user-fs-pci,chardev=c0,tag=hostshare \
		-chardev socket,id=c1,path="$w/blk.sock" \
		-device vhost-user-blk-pci,chardev=c1,num-queues=1 \
		-append "console=ttyS0 quiet squeeze.scenario=fs" >"$w/con"
	kill "$vfs" "$qsd" 2>/dev/null
	wait "$vfs" "$qsd" 2>/dev/null
	got=$(sed -n 's/^fs: input sha256 //p' "$w/con")
	if grep -qx "squeeze scenario fs: exit 0" "$w/con" &&
	   [ "$got" = "$(sha256sum "$share/input.bin" | cut -d' ' -f1)" ] &&
	   [ "$(sed -n 's/^fs: output sha256 //p' "$w/con")" = \
	     "$(sha256sum "$share/output.bin" 2>/dev/null | cut -d' ' -f1)" ] &&
	   [ "$(sed -n 's/^fs: vda data sha256 //p' "$w/con")" = \
	     "$(sha256sum "$w/files/data.bin" | cut -d' ' -f1)" ]; then
		pass "initramfs: fs scenario on QEMU's vhost-user-fs and -blk (hashes match the host's)"
	else
		fail "initramfs: fs scenario under QEMU: $(grep -E '^(fs|squeeze)' "$w/con" | tr '\n' ' ')"
	fi
}

if ! command -v qemu-system-x86_64 >/dev/null; then
	:
elif [ ! -f "$DEB/vmlinuz" ] || [ ! -f "$DEB/initramfs.cpio.gz" ]; then
	skip "initramfs under QEMU TCG: no Debian kernel/initramfs (make guests)"
else
	initramfs_under_tcg
	if [ -x /usr/lib/qemu/virtiofsd ] && command -v qemu-storage-daemon >/dev/null; then
		fs_scenario_under_tcg
	else
		skip "fs scenario under QEMU: needs /usr/lib/qemu/virtiofsd and qemu-storage-daemon"
	fi
fi
t_end
