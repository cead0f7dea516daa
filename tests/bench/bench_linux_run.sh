#!/usr/bin/env bash
# The measuring half of `make bench-linux` (tests/bench/bench_linux.sh runs
# it inside the outer guest, or here on hardware KVM; as root). The same
# Debian guest (build/debian: cloud kernel, test initramfs, 512 MiB, 2
# vCPUs, "console=ttyS0 quiet") under squeeze and under QEMU with KVM
# (QEMU_MACHINE, default microvm with PCIe, whose firmware is the
# smallest; BENCH_QEMU_MACHINE=q35 uses -M q35 -kernel), alternating, RUNS
# (default 3) times each:
#   boot  launch to the /init banner on the console
#   blk   guests/scenarios/blk.sh (8 MiB vda, 64 MiB vdb), launch to exit
#   net   guests/scenarios/net.sh on a bridge in a namespace of its own
#         (ping, 64 MiB each way), launch to exit; and as the guest timed
#         them, the 64 MiB host to guest (net-h2g) and back (net-g2h)
#   exec  `squeeze exec -- true` (the host's / over virtio-fs), launch to
#         exit; QEMU does the same the way vng-style tools do: virtiofsd
#         serving /, vhost-user-fs-pci on shared memory, and
#         guests/scenarios/hostroot.sh (mount it, chroot, run true)
#         in the test initramfs, which loads all its modules, where
#         squeeze exec loads only the ones it needs
# CASES (default "boot blk net exec") picks cases.
# Each run must succeed (scenario exit 0, checksums equal), else the run
# is reported and left out. Prints one line per run, then the table of
# medians with the squeeze/QEMU ratio, titled with BENCH_NOTE if set.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root" || exit 1
RUNS=${RUNS:-3}
CASES=${CASES:-boot blk net exec}
MACHINE=${BENCH_QEMU_MACHINE:-microvm}
DEB=build/debian
KERNEL=(--kernel "$DEB/vmlinuz" --initrd "$DEB/initramfs.cpio.gz")
work=$(mktemp -d /tmp/bench-linux.XXXXXX)
NS=sqz-blnx-$$
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	ip netns del "$NS" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

ip netns add "$NS" && ip netns exec "$NS" sh -c 'ip link set lo up &&
	ip link add br0 type bridge && ip addr add 10.99.0.1/24 dev br0 &&
	ip link set br0 up && ip tuntap add tapq0 mode tap &&
	ip link set tapq0 master br0 && ip link set tapq0 up' ||
	{ echo "bench-linux: namespace setup failed"; exit 1; }

# qemu_cmd CON: QEMU's command line for the guest, into the array QCMD.
qemu_cmd() {
	QCMD=(qemu-system-x86_64 -accel kvm -cpu host -nodefaults
	      -no-user-config -display none -no-reboot -m 512M -smp 2)
	case $MACHINE in
	microvm) QCMD+=(-M microvm,pcie=on,rtc=on) ;;
	*)	QCMD+=(-M "$MACHINE") ;;
	esac
	QCMD+=(-serial "file:$1" -kernel "$DEB/vmlinuz"
	       -initrd "$DEB/initramfs.cpio.gz")
}

# disks DIR: fresh vda (8 MiB random, read only) and vdb (64 MiB).
disks() {
	head -c 8M /dev/urandom >"$1/vda.raw"
	rm -f "$1/vdb.raw"
	truncate -s 64M "$1/vdb.raw"
}

# virtiofsd_root DIR: serve the host's / on DIR/fs.sock, as squeeze
# exec's root share is served; sets $vfs.
virtiofsd_root() {
	/usr/lib/qemu/virtiofsd --socket-path="$1/fs.sock" -o source=/ \
		-o sandbox=chroot -o log_level=err >/dev/null 2>&1 &
	vfs=$!
	pids+=("$vfs")
	for _ in $(seq 1 100); do [ -S "$1/fs.sock" ] && break; sleep 0.05; done
}

# launch VMM CASE DIR: start the guest in the background; sets $vm.
launch() {
	local vmm=$1 c=$2 d=$3 scn cmd=() dev=()
	case $c in
	boot) scn=info ;;
	exec) scn=hostroot ;;
	*) scn=$c ;;
	esac
	local line="console=ttyS0 quiet squeeze.scenario=$scn"
	if [ "$vmm" = squeeze ]; then
		cmd=(./squeeze run "${KERNEL[@]}" --memory 512M --cpus 2
		     --cmdline "$line" --console "file=$d/con")
		[ "$c" = blk ] && cmd+=(--disk "$d/vda.raw,readonly=on"
			--disk "$d/vdb.raw,serial=squeeze-vdb")
		[ "$c" = net ] && cmd+=(--net "bridge=br0,mac=02:00:00:99:00:02,tap=sqzb$$")
		[ "$c" = exec ] && cmd=(./squeeze exec --kernel "$DEB/vmlinuz"
			--modules "$DEB/root/lib/modules/$(cat "$DEB/version")"
			--memory 512M --cpus 2 -- true)
	else
		qemu_cmd "$d/con"
		cmd=("${QCMD[@]}" -append "$line")
		[ "$c" = blk ] && dev=(
			-drive "file=$d/vda.raw,format=raw,if=none,id=d0,readonly=on"
			-device virtio-blk-pci,drive=d0,disable-legacy=on
			-drive "file=$d/vdb.raw,format=raw,if=none,id=d1"
			-device virtio-blk-pci,drive=d1,disable-legacy=on,serial=squeeze-vdb)
		[ "$c" = net ] && dev=(
			-netdev tap,id=n0,ifname=tapq0,script=no,downscript=no
			-device virtio-net-pci,netdev=n0,mac=02:00:00:99:00:02,disable-legacy=on)
		# shellcheck disable=SC2054 # the commas belong to QEMU options
		[ "$c" = exec ] && virtiofsd_root "$d" && dev=(
			-object memory-backend-memfd,id=mem,size=512M,share=on
			-machine memory-backend=mem
			-chardev socket,id=c0,path="$d/fs.sock"
			-device vhost-user-fs-pci,chardev=c0,tag=hostroot)
		cmd+=("${dev[@]}")
	fi
	: >"$d/con"
	if [ "$c" = net ]; then
		ip netns exec "$NS" timeout 300 "${cmd[@]}" </dev/null >"$d/err" 2>&1 &
	else
		timeout 300 "${cmd[@]}" </dev/null >"$d/err" 2>&1 &
	fi
	vm=$!
}

now() { date +%s%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b - a) / 1e9 }'; }

# one VMM CASE RUN: prints "bench-linux: VMM CASE RUN SECONDS" or a failure.
one() {
	local vmm=$1 c=$2 r=$3 d=$work/$1-$2-$3 t0 t1 host="" ok=1
	mkdir -p "$d"
	[ "$c" = blk ] && disks "$d"
	if [ "$c" = net ]; then
		ip netns exec "$NS" python3 tests/linux/nethost.py 10.99.0.1 \
			$((64 << 20)) "$d" 2>"$d/host.err" &
		host=$!
		pids+=("$host")
		for _ in $(seq 1 600); do [ -e "$d/ready" ] && break; sleep 0.1; done
	fi
	t0=$(now)
	launch "$vmm" "$c" "$d"
	pids+=("$vm")
	if [ "$c" = boot ]; then
		while kill -0 "$vm" 2>/dev/null &&
		      ! grep -a -q '^squeeze guest: kernel' "$d/con"; do
			sleep 0.05
		done
		t1=$(now)
		wait "$vm"
		grep -a -q '^squeeze guest: kernel' "$d/con" || ok=0
	elif [ "$c" = exec ]; then
		wait "$vm" || [ "$vmm" = qemu ] || ok=0
		t1=$(now)
		[ "$vmm" = squeeze ] || tr -d '\r' <"$d/con" |
			grep -a -q -x "hostroot: true exit 0" || ok=0
	else
		wait "$vm"
		t1=$(now)
		tr -d '\r' <"$d/con" | grep -a -q -x "squeeze scenario $c: exit 0" || ok=0
	fi
	if [ -n "$host" ]; then
		wait "$host" || ok=0
		[ "$(cut -d' ' -f2 "$d/g2h" 2>/dev/null)" = \
		  "$(tr -d '\r' <"$d/con" | sed -n 's/^net: eth0 g2h sha256 //p')" ] || ok=0
		[ "$(cat "$d/h2g" 2>/dev/null)" = "$(tr -d '\r' <"$d/con" |
		  sed -n 's/^net: eth0 h2g \([0-9]*\) bytes sha256 \([0-9a-f]*\) in .*/\1 \2/p')" ] || ok=0
	fi
	if [ "$ok" = 1 ]; then
		echo "bench-linux: $vmm $c $r $(secs "$t0" "$t1")"
		[ "$c" = net ] && tr -d '\r' <"$d/con" | sed -n \
			-e "s/^net: eth0 h2g .* in \([0-9.]*\) s$/bench-linux: $vmm net-h2g $r \1/p" \
			-e "s/^net: eth0 g2h sent in \([0-9.]*\) s$/bench-linux: $vmm net-g2h $r \1/p"
	else
		echo "bench-linux: $vmm $c $r FAILED: $(tr -d '\r' <"$d/con" | tail -n 3 | tr '\n' '|') $(tail -n 2 "$d/err" | tr '\n' '|')"
	fi
	rm -rf "$d"
}

echo "bench-linux: $(uname -r), $(nproc) CPUs; QEMU -M $MACHINE; $RUNS runs"
for r in $(seq 1 "$RUNS"); do
	for c in $CASES; do
		echo "linux-step: start bench-$c-$r 600"
		one squeeze "$c" "$r"
		one qemu "$c" "$r"
		echo "linux-step: end bench-$c-$r"
	done
done | tee "$work/results"

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'; }
echo
echo "Medians of $RUNS runs, seconds${BENCH_NOTE:+; $BENCH_NOTE}:"
printf '%-8s %12s %12s %14s\n' case "squeeze" "QEMU" "squeeze/QEMU"
for c in boot blk net net-h2g net-g2h exec; do
	s=$(awk -v c=$c '$2 == "squeeze" && $3 == c && $5 ~ /^[0-9.]+$/ { print $5 }' "$work/results" | median)
	q=$(awk -v c=$c '$2 == "qemu" && $3 == c && $5 ~ /^[0-9.]+$/ { print $5 }' "$work/results" | median)
	[ -z "$s$q" ] && continue # a case not run (CASES)
	ratio=$(awk -v s="${s:-0}" -v q="${q:-0}" 'BEGIN { if (s > 0 && q > 0) printf "%.2f", s / q; else print "-" }')
	printf '%-8s %12s %12s %14s\n' "$c" "${s:--}" "${q:--}" "$ratio"
done
