# The full-Linux tier (tests/linux): the outer guest it nests in where
# /dev/kvm cannot run Linux at speed. Debian's generic kernel (fetched
# with apt-get download, like the guest's cloud kernel) and a busybox
# initramfs with its modules, in modules.dep order (guests/moddeps.sh),
# under build/linux/outer. Included by the top Makefile.

LINUX_OUTER	:= $(BUILD)/linux/outer
# What the outer guest needs: virtio and 9p for the host's root, overlay
# over it, kvm_amd for /dev/kvm, bridge, tun and openvswitch for the net
# scenario. Their dependencies are found by guests/moddeps.sh.
OUTER_MODULES	:= virtio_pci 9pnet_virtio 9p overlay kvm_amd bridge tun \
		   openvswitch

# Refetch by removing $(LINUX_OUTER)/.stamp.
$(LINUX_OUTER)/.stamp:
	guests/fetch-kernel.sh $(LINUX_OUTER) linux-image-amd64

$(LINUX_OUTER)/initramfs.cpio.gz: $(LINUX_OUTER)/.stamp guests/mkinitramfs.sh \
				  guests/moddeps.sh tests/linux/outer-init
	guests/mkinitramfs.sh -n -i tests/linux/outer-init \
		-m "$(OUTER_MODULES)" $(LINUX_OUTER) $@

linux-outer: $(LINUX_OUTER)/initramfs.cpio.gz

# `make test` builds it; without Debian's archive the tier skips instead.
linux-tier:
	@$(MAKE) --no-print-directory linux-outer || \
		echo "linux-tier: outer guest not built; tests/linux will skip"

# Only the full-Linux tier, e.g. after changing a scenario.
test-linux: squeeze linux-tier
	tests/linux/suite_linux.sh

.PHONY: linux-outer linux-tier test-linux
