# squeeze's exec init (guests/exec-init/): a small static program that
# `squeeze exec` puts in the initramfs it generates, embedded into the
# squeeze binary itself (vmm/exec/init_blob.S). Included by the top
# Makefile.

EXEC_INIT	:= $(BUILD)/guests/exec-init
EXEC_INIT_SRC	:= $(wildcard guests/exec-init/*.c)
EXEC_INIT_CFLAGS := -std=gnu11 -Os $(WARN) -D_GNU_SOURCE -static \
		    -ffunction-sections -fdata-sections -Wl,--gc-sections -s

$(EXEC_INIT): $(EXEC_INIT_SRC) guests/exec-init/init.h | build-deps
	@mkdir -p $(dir $@)
	$(CC) $(EXEC_INIT_CFLAGS) -o $@ $(EXEC_INIT_SRC)

exec-init: $(EXEC_INIT)
.PHONY: exec-init

# The unit test runs the init itself.
$(BUILD)/tests/unit/test_exec_init $(BUILD)/tests/unit-san/test_exec_init: | $(EXEC_INIT)

$(EXEC_BLOB): vmm/exec/init_blob.S $(EXEC_INIT)
	@mkdir -p $(dir $@)
	$(CC) -c -DEXEC_INIT_PATH='"$(EXEC_INIT)"' $< -o $@
