# libFuzzer targets (clang, ASan + UBSan) over the guest- and file-facing
# parsers: the virtqueue chain walker, virtio-blk requests, virtio-net
# headers, the virtio-pci accessors and the kernel loaders. `make test`
# runs each for 30 s (tests/integration/suite_fuzz.sh, all at once);
# `make fuzz` for FUZZ_SECONDS (default 600) each.

FUZZ_NAMES   := virtqueue blk_req net_hdr virtio_pci kernel
FUZZ_BINS    := $(FUZZ_NAMES:%=$(BUILD)/fuzz/fuzz_%)
FUZZ_CFLAGS  := -std=gnu11 -O1 -g -D_GNU_SOURCE -I. -I$(BUILD)/gen \
		-fno-omit-frame-pointer -fsanitize=address,undefined
FUZZ_LIB     := $(BUILD)/fuzz/libsqueeze-fuzz.a
# Only the layers the targets reach: compiling all of squeeze again under
# ASan would cost make test minutes for nothing.
FUZZ_LIB_SRC := $(filter vmm/base/% vmm/core/% virtio/core/% virtio/pci/% \
		  devices/pci/% firmware/boot/% virtio/blk/blk_req.c \
		  virtio/net/net_hdr.c,$(LIB_SRC)) \
		tests/unit/lib/synth_kernel.c
FUZZ_LIB_OBJ := $(FUZZ_LIB_SRC:%.c=$(BUILD)/fuzz/obj/%.o)
FUZZ_SECONDS ?= 600

$(BUILD)/fuzz/obj/%.o: %.c | build-deps
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ_LIB): $(FUZZ_LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIB) tests/fuzz/fuzz_seed.h
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) $(WARN) -fsanitize=fuzzer -o $@ $< $(FUZZ_LIB) $(LDLIBS)

.PHONY: fuzz fuzz-bins
fuzz-bins: $(FUZZ_BINS)
fuzz: deps fuzz-bins
	tests/fuzz/run.sh $(FUZZ_SECONDS)

# The qcow2 engine's target: it opens whole image files, so it links the
# engine itself (without its async disk glue: aio, io_uring) rather than
# the library above. suite_qcow2.sh builds and runs it briefly on images
# qemu-img made. Not in build/fuzz/: tests/fuzz/run.sh runs every
# build/fuzz/fuzz_* with FUZZ_SEED_DIR, which this one does not know (it
# fuzzed there without end, until suite_fuzz's 900 s were up).
QCOW2_FUZZ   := $(BUILD)/fuzz-qcow2/fuzz_qcow2
QCOW2_ENGINE := $(filter-out devices/block/qcow2/alloc.c \
		devices/block/qcow2/disk.c,$(wildcard devices/block/qcow2/*.c)) \
		vmm/base/log.c vmm/base/err.c vmm/base/file.c vmm/base/fileio.c \
		devices/block/lock.c devices/block/file_status.c devices/block/names.c

$(QCOW2_FUZZ): tests/fuzz/fuzz_qcow2.c $(QCOW2_ENGINE) devices/block/qcow2/qcow2.h
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) $(WARN) -fsanitize=fuzzer \
		-o $@ tests/fuzz/fuzz_qcow2.c $(QCOW2_ENGINE) -lz
