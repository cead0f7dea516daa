# qcow2: the disk-level harness used by suite_qcow2.sh (the fuzz target it
# also runs is in tests/fuzz/fuzz.mk).

QCOW2_HARNESS := $(BUILD)/tests/qcow2/qcow2_harness

$(QCOW2_HARNESS): $(BUILD)/obj/tests/integration/qcow2_harness.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) -o $@ $^ $(LDLIBS)

.PHONY: qcow2-tools
qcow2-tools: $(QCOW2_HARNESS) $(QCOW2_FUZZ)
unit: $(QCOW2_HARNESS)
