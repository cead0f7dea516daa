# squeeze img: libFuzzer targets over the qcow2 check walker and the vmdk
# reader (clang, ASan + UBSan). They live apart from build/fuzz/ because
# their seeds are images qemu-img makes: tests/integration/suite_img.sh
# makes those and runs both targets for 20 s, at once.

IMG_FUZZ_CHECK := $(BUILD)/fuzz-img/fuzz_qcow2_check
IMG_FUZZ_VMDK  := $(BUILD)/fuzz-img/fuzz_vmdk
# The block layer without its asynchronous engine (aio, io_uring).
IMG_FUZZ_SRC := $(filter-out devices/block/qcow2/alloc.c \
		devices/block/qcow2/disk.c,\
		$(wildcard devices/block/qcow2/*.c)) \
	$(filter-out devices/block/vmdk/disk.c,$(wildcard devices/block/vmdk/*.c)) \
	devices/block/file_status.c devices/block/disk.c \
	devices/block/lock.c devices/block/names.c \
	vmm/base/log.c vmm/base/err.c vmm/base/file.c vmm/base/fileio.c \
	vmm/base/iov.c
IMG_FUZZ_FLAGS := -std=gnu11 -O1 -g $(WARN) -D_GNU_SOURCE -I. \
	-fsanitize=fuzzer,address,undefined

$(BUILD)/fuzz-img/fuzz_%: tests/fuzz/fuzz_%.c $(IMG_FUZZ_SRC) \
			  tests/fuzz/fuzz_disk_stubs.c
	@mkdir -p $(dir $@)
	clang $(IMG_FUZZ_FLAGS) -o $@ $< $(IMG_FUZZ_SRC) \
		tests/fuzz/fuzz_disk_stubs.c -lz

.PHONY: img-fuzz
img-fuzz: $(IMG_FUZZ_CHECK) $(IMG_FUZZ_VMDK)
