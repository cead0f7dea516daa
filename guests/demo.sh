#!/usr/bin/env bash
# `make demo`. On hardware KVM: Debian's kernel with the test initramfs,
# to a shell on the console (leave the shell to power off). Where /dev/kvm
# emulates guest code (KVM's PVM flavour) a Linux userspace would take
# hours, so it says so and boots the tiny hello guest instead.
set -u
cd "$(dirname "$0")/.." || exit 1
. tests/integration/lib.sh

deb=build/debian
if hw_kvm && [ -f "$deb/vmlinuz" ] && [ -f "$deb/initramfs.cpio.gz" ]; then
	echo "demo: Debian $(cat "$deb/version") to a shell; type 'exit' to power off"
	exec ./squeeze run --kernel "$deb/vmlinuz" --initrd "$deb/initramfs.cpio.gz" \
		--memory 512M --cpus 2 --cmdline "console=ttyS0 quiet"
fi
if hw_kvm; then
	echo "demo: no Debian kernel in $deb (make guests fetches it); booting the hello guest"
else
	echo "demo: /dev/kvm here emulates guest instructions (no hardware KVM), too slow for Linux; booting the hello guest"
fi
./squeeze run --kernel build/guests/hello.elf --memory 128M
status=$?
# hello exits with 0 through port 0xf4, which squeeze reports as status 1.
if [ $status -eq 1 ]; then
	echo "demo: hello guest done (exit status 1 = guest wrote 0 to port 0xf4)"
	exit 0
fi
echo "demo: squeeze exited with status $status"
exit $status
