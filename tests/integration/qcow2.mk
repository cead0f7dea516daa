# qcow2: the disk-level harness used by suite_qcow2.sh, and the libFuzzer
# target over the qcow2 engine (clang; run briefly by suite_qcow2.sh).

QCOW2_HARNESS := $(BUILD)/tests/qcow2/qcow2_harness
QCOW2_FUZZ    := $(BUILD)/tests/qcow2/fuzz_qcow2
QCOW2_ENGINE  := $(filter-out devices/block/qcow2/alloc.c devices/block/qcow2/iov.c devices/block/qcow2/disk.c,$(wildcard devices/block/qcow2/*.c)) devices/block/file_status.c devices/block/lock.c devices/block/names.c vmm/base/log.c vmm/base/err.c vmm/base/file.c vmm/base/fileio.c

$(QCOW2_HARNESS): $(BUILD)/obj/tests/integration/qcow2_harness.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) -o $@ $^ $(LDLIBS)

$(QCOW2_FUZZ): tests/unit/fuzz/fuzz_qcow2.c $(QCOW2_ENGINE) devices/block/qcow2/qcow2.h
	@mkdir -p $(dir $@)
	clang -std=gnu11 -O1 -g -D_GNU_SOURCE -I. -fsanitize=fuzzer,address,undefined \
		-o $@ tests/unit/fuzz/fuzz_qcow2.c $(QCOW2_ENGINE) -lz

.PHONY: qcow2-tools
qcow2-tools: $(QCOW2_HARNESS) $(QCOW2_FUZZ)
unit: $(QCOW2_HARNESS)
