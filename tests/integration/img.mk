# squeeze img: libFuzzer targets over the qcow2 check walker and the vmdk
# reader (clang; run briefly by tests/integration/suite_img.sh, which
# seeds them with images qemu-img makes).

IMG_FUZZ_CHECK := $(BUILD)/tests/img/fuzz_qcow2_check
IMG_FUZZ_VMDK  := $(BUILD)/tests/img/fuzz_vmdk
# The block layer without its asynchronous engine (aio, io_uring).
IMG_FUZZ_SRC := $(wildcard devices/block/qcow2/check*.c) \
	devices/block/qcow2/header.c devices/block/qcow2/map.c \
	devices/block/qcow2/refcount.c devices/block/qcow2/cache.c \
	devices/block/qcow2/read.c devices/block/qcow2/flush.c \
	devices/block/qcow2/backing.c devices/block/qcow2/open.c \
	devices/block/qcow2/write.c devices/block/qcow2/status.c \
	$(filter-out devices/block/vmdk/disk.c,$(wildcard devices/block/vmdk/*.c)) \
	devices/block/file_status.c devices/block/disk.c \
	vmm/base/log.c vmm/base/err.c vmm/base/fileio.c
IMG_FUZZ_FLAGS := -std=gnu11 -O1 -g $(WARN) -D_GNU_SOURCE -I. \
	-fsanitize=fuzzer,address,undefined

$(BUILD)/tests/img/fuzz_%: tests/fuzz/fuzz_%.c $(IMG_FUZZ_SRC) \
			    tests/fuzz/fuzz_disk_stubs.c
	@mkdir -p $(dir $@)
	clang $(IMG_FUZZ_FLAGS) -o $@ $< $(IMG_FUZZ_SRC) \
		tests/fuzz/fuzz_disk_stubs.c -lz

.PHONY: img-fuzz
img-fuzz: $(IMG_FUZZ_CHECK) $(IMG_FUZZ_VMDK)
