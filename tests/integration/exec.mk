# squeeze exec: the Debian kernel's package ships no modules.dep (its
# postinst runs depmod); make it for the unpacked tree, as the package
# would, so that `squeeze exec --modules` and the tests can resolve
# modules through it.
EXEC_DEPMOD := $(DEBIAN)/.depmod

$(EXEC_DEPMOD): $(DEBIAN_STAMP)
	depmod -b $(DEBIAN)/root $$(cat $(DEBIAN)/version)
	touch $@

debian: $(EXEC_DEPMOD)
