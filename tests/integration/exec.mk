# squeeze exec: the Debian kernel's package ships no modules.dep (its
# postinst runs depmod); make it for the unpacked tree, as the package
# would, so that `squeeze exec --modules` and the tests can resolve
# modules through it.
EXEC_DEPMOD := $(DEBIAN)/.depmod

$(EXEC_DEPMOD): $(DEBIAN_STAMP)
	depmod -b $(DEBIAN)/root $$(cat $(DEBIAN)/version)
	touch $@

debian: $(EXEC_DEPMOD)

# The exec initramfs written to a file, for the QEMU cross-check in
# tests/integration/suite_exec.sh.
EXEC_INITRAMFS_TOOL := $(BUILD)/tests/exec-initramfs

$(EXEC_INITRAMFS_TOOL): $(BUILD)/obj/tests/integration/exec_initramfs.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) -o $@ $^ $(LDLIBS)

guests: $(EXEC_INITRAMFS_TOOL)
