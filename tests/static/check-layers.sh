#!/usr/bin/env bash
# The layering rule, checked: a lower layer never includes a higher one,
# and only the composition root knows the command line.
#
#   tests/static/check-layers.sh [ROOT]
#
# Every .c and .h under vmm/ devices/ virtio/ firmware/ of ROOT (default:
# this repository) sits in a folder of the table below, and each of its
# #include "..." lines names a file by its path from the root, in its own
# folder or in one the table lets that folder include. Prints one line per
# violation and exits 1 if there is any. The picture of these layers is in
# docs/architecture.md; a new folder needs a row here first.
set -u
ROOT=${1:-$(cd "$(dirname "$0")/../.." && pwd)}

# folder: the folders it may include besides itself (lowest layer first).
declare -A MAY=(
	[vmm/base]=""
	[vmm/core]="vmm/base"
	[vmm/sandbox]="vmm/base vmm/core"
	[firmware/boot]="vmm/base vmm/core"
	[firmware/acpi]="vmm/base vmm/core"
	[devices/legacy]="vmm/base vmm/core"
	[devices/pci]="vmm/base vmm/core"
	[devices/block]="vmm/base vmm/core"
	[devices/block/qcow2]="vmm/base vmm/core devices/block"
	[devices/block/vmdk]="vmm/base vmm/core devices/block"
	[devices/net]="vmm/base vmm/core"
	[devices/fs]="vmm/base vmm/core"
	[virtio/core]="vmm/base vmm/core"
	[virtio/pci]="vmm/base vmm/core devices/pci virtio/core"
	[virtio/vhost_user]="vmm/base vmm/core virtio/core"
	[virtio/blk]="vmm/base vmm/core virtio/core virtio/vhost_user
		      devices/block"
	[virtio/net]="vmm/base vmm/core virtio/core devices/net"
	[virtio/fs]="vmm/base vmm/core virtio/core virtio/vhost_user devices/fs"
	[virtio/console]="vmm/base vmm/core virtio/core"
	[vmm/kvm]="vmm/base vmm/core firmware/boot"
	# The control socket: requests and replies, no VM in sight.
	[vmm/control]="vmm/base vmm/core"
	[vmm/img/nbd]="vmm/base vmm/core devices/block"
	[vmm/img]="vmm/base vmm/core vmm/sandbox devices/block devices/block/qcow2
		   devices/block/vmdk vmm/img/nbd"
	[vmm/config]="vmm/base vmm/core firmware/acpi devices/block devices/net
		      devices/fs virtio/blk virtio/net virtio/fs virtio/console"
	# Snapshot files: what a restore reads, checked against the config.
	[vmm/snapshot]="vmm/base vmm/core vmm/config firmware/acpi devices/block"
	[vmm/machine]="vmm/base vmm/core vmm/sandbox vmm/kvm vmm/config vmm/control
		       vmm/snapshot firmware/boot
		       firmware/acpi devices/legacy devices/pci devices/block
		       devices/net devices/fs virtio/core virtio/pci
		       virtio/vhost_user virtio/blk virtio/net virtio/fs
		       virtio/console"
	# squeeze exec: a VM for one command, on top of vmm/machine.
	[vmm/exec]="vmm/base vmm/core vmm/config vmm/machine virtio/console"
	# The composition root (vmm/main.c) may include everything.
	[vmm]="vmm/base vmm/core vmm/sandbox vmm/kvm vmm/config vmm/machine vmm/img
	       vmm/control vmm/snapshot
	       firmware/boot firmware/acpi devices/legacy devices/pci
	       devices/block devices/block/qcow2 devices/net devices/fs
	       virtio/core virtio/pci virtio/vhost_user virtio/blk virtio/net
	       virtio/fs virtio/console vmm/exec"
)

# Headers the Makefile generates into build/gen (not a folder of ours).
GENERATED="syscall_names.h"

bad=0
violation() {
	echo "layering: $1"
	bad=$((bad + 1))
}

allowed() {
	local from=$1 to=$2 f
	[ "$from" = "$to" ] && return 0
	for f in ${MAY[$from]}; do
		[ "$f" = "$to" ] && return 0
	done
	return 1
}

check_file() {
	local file=$1 dir=${1%/*} n inc
	if [ -z "${MAY[$dir]+set}" ]; then
		violation "$file: folder $dir is not in the layer table (tests/static/check-layers.sh)"
		return
	fi
	if [ "$dir" = vmm ] && [ "$file" != vmm/main.c ]; then
		violation "$file: only main.c (the composition root) lives in vmm/ itself"
		return
	fi
	while IFS=: read -r n inc; do
		inc=${inc#*\"}
		inc=${inc%%\"*}
		if [[ " $GENERATED " == *" $inc "* ]]; then
			continue
		elif [ "${inc%/*}" = "$inc" ]; then
			violation "$file:$n: #include \"$inc\": name it by its path from the root"
		elif ! allowed "$dir" "${inc%/*}"; then
			violation "$file:$n: $dir may not include ${inc%/*} (#include \"$inc\")"
		fi
	done < <(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$ROOT/$file")
}

cd "$ROOT" || exit 2
nfiles=0
while read -r file; do
	check_file "$file"
	nfiles=$((nfiles + 1))
done < <(find vmm devices virtio firmware -name '*.[ch]' | sort)

if [ "$bad" -gt 0 ]; then
	echo "layering: $bad violation(s) in $nfiles files"
	exit 1
fi
echo "layering: $nfiles files, every include goes down the layers"
