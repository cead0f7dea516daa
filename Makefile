# squeeze - a small, fast VMM on Linux KVM.
#
#   make          build ./squeeze
#   make test     install missing Debian packages (as root), run every test
#   make demo     build the default guest and boot it
#   make bench    every benchmark (bench-boot, bench-blk, bench-net, bench-fs,
#                 bench-exec, bench-linux, ...)
#   make format   format the C files as .clang-format says (format-check:
#                 only check; make test runs it)

CC	:= gcc
BUILD	:= build
WARN	:= -Wall -Wextra -Werror
# libxml2 (domain XML): its headers live in their own folder; the library
# is loaded at run time, only to read a domain (vmm/config/domxml_lib.c).
XML_CFLAGS := $(shell pkg-config --cflags libxml-2.0 2>/dev/null || \
		echo -I/usr/include/libxml2)
CFLAGS	:= -std=gnu11 -O2 -g $(WARN) -D_GNU_SOURCE -I. $(XML_CFLAGS) -MMD -MP
SAN	:= -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDLIBS	:= -luring -lz -lseccomp -ljansson -lpthread

# Debian packages: to build, and to run the tests and benchmarks.
BUILD_PKGS := gcc make pkg-config liburing-dev zlib1g-dev libxml2-dev \
	      libseccomp-dev libjansson-dev
TEST_PKGS  := libcriterion-dev qemu-system-x86 qemu-utils busybox-static \
	      cpio xz-utils lz4 iproute2 clang clang-format fio iperf3 \
	      hyperfine e2fsprogs tmux python3 openvswitch-switch \
	      virtinst libvirt-clients strace kmod libnbd-bin fuse3

SRC	:= $(shell find vmm devices virtio firmware -name "*.c" | sort)
LIB_SRC	:= $(filter-out vmm/main.c,$(SRC))
OBJ	:= $(SRC:%.c=$(BUILD)/obj/%.o)
# squeeze's exec init, carried inside the binary (guests/exec-init.mk).
EXEC_BLOB := $(BUILD)/obj/vmm/exec/init_blob.o
LIB	:= $(BUILD)/libsqueeze.a
LIB_SAN	:= $(BUILD)/libsqueeze-san.a

UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/unit/%)
UNIT_SAN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/unit-san/%)
# The unit tests' fixtures (tests/unit/lib), plain and sanitized.
UNIT_LIB_SRC := $(wildcard tests/unit/lib/*.c)
UNIT_LIB := $(BUILD)/libunit.a
UNIT_LIB_SAN := $(BUILD)/libunit-san.a

# The in-process virtio driver (tests/driver/lib) and the scenarios on it.
DRV_LIB_SRC := $(wildcard tests/driver/lib/*.c)
DRV_LIB_OBJ := $(DRV_LIB_SRC:%.c=$(BUILD)/obj/%.o)
# The same as an archive, for benchmarks: only the members they use are
# linked, not the Criterion fixtures that live beside them.
DRV_LIB_A := $(BUILD)/libdriver.a
DRV_SRC	:= $(wildcard tests/driver/test_*.c)
DRV_BIN	:= $(DRV_SRC:tests/driver/%.c=$(BUILD)/tests/driver/%)

.SECONDARY:
.PHONY: all deps build-deps test demo bench unit driver guests clean format \
	format-check
all: squeeze

# squeeze itself is linked statically, as a position-independent executable
# (ASLR stays): no dynamic loader at start-up and no shared libraries'
# pages in its resident set (measured here: peak RSS 1.2 MiB against 2.1,
# see tests/bench/bench_boot.sh). The libraries' .a files come with the
# same -dev packages. libxml2 is still dlopen()ed for --domain (glibc's
# static dlopen loads the system's libc.so.6 beside ours, hence the
# linker's warning; the build and the run must see the same glibc, as on
# one Debian release). Tests and benchmarks link dynamically.
squeeze: $(OBJ) $(EXEC_BLOB) | build-deps
	$(CC) -static-pie -o $@ $(OBJ) $(EXEC_BLOB) $(LDLIBS)

# The test build: squeeze with the debug-only test hooks (vm_confine.c's
# SQUEEZE_TEST_HOOK), used by tests/integration/suite_confine.sh only.
HOOKS_OBJ := $(filter-out $(BUILD)/obj/vmm/machine/vm_confine.o,$(OBJ)) \
	     $(BUILD)/hooks/vmm/machine/vm_confine.o
$(BUILD)/hooks/%.o: %.c | build-deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -DSQUEEZE_TEST_HOOKS -c $< -o $@
$(BUILD)/squeeze-hooks: $(HOOKS_OBJ) $(EXEC_BLOB)
	$(CC) -o $@ $(HOOKS_OBJ) $(EXEC_BLOB) $(LDLIBS)

# System call names for the seccomp report, from the C library's headers.
SYSCALL_NAMES := $(BUILD)/gen/syscall_names.h
$(SYSCALL_NAMES): | build-deps
	@mkdir -p $(dir $@)
	echo '#include <sys/syscall.h>' | $(CC) -E -dM -x c - | \
		awk '$$2 ~ /^__NR_/ && $$3 ~ /^[0-9]+$$/ { \
			printf "\t[%s] = \"%s\",\n", $$3, substr($$2, 6) }' >$@
$(BUILD)/obj/vmm/sandbox/seccomp.o $(BUILD)/san/vmm/sandbox/seccomp.o: \
	$(SYSCALL_NAMES)
CFLAGS += -I$(BUILD)/gen

$(BUILD)/obj/%.o: %.c | build-deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/san/%.o: %.c | build-deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -O1 $(SAN) -c $< -o $@

$(LIB): $(LIB_SRC:%.c=$(BUILD)/obj/%.o) $(EXEC_BLOB)
	@rm -f $@
	ar rcs $@ $^

$(LIB_SAN): $(LIB_SRC:%.c=$(BUILD)/san/%.o) $(EXEC_BLOB)
	@rm -f $@
	ar rcs $@ $^

$(DRV_LIB_A): $(DRV_LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(UNIT_LIB): $(UNIT_LIB_SRC:%.c=$(BUILD)/obj/%.o)
	@rm -f $@
	ar rcs $@ $^

$(UNIT_LIB_SAN): $(UNIT_LIB_SRC:%.c=$(BUILD)/san/%.o)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/tests/unit/%: $(BUILD)/obj/tests/unit/%.o $(UNIT_LIB) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) -o $@ $^ -lcriterion $(LDLIBS)

$(BUILD)/tests/unit-san/%: $(BUILD)/san/tests/unit/%.o $(UNIT_LIB_SAN) $(LIB_SAN)
	@mkdir -p $(dir $@)
	$(CC) $(SAN) -o $@ $^ -lcriterion $(LDLIBS)

$(BUILD)/tests/driver/%: $(BUILD)/obj/tests/driver/%.o $(DRV_LIB_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) -o $@ $^ -lcriterion $(LDLIBS)

unit: $(UNIT_BIN) $(UNIT_SAN)
driver: $(DRV_BIN)

# Fragments owned by their folders: guests, integration tests, the
# full-Linux tier, benchmarks, fuzz targets.
-include $(wildcard guests/*.mk tests/fuzz/*.mk tests/integration/*.mk \
	  tests/linux/*.mk tests/bench/*.mk)

# Install what is missing (as root), or print the exact command.
define need_pkgs
	@missing=""; for p in $(1); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | \
			grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			echo "installing Debian packages:$$missing"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
				apt-get install -y -qq $$missing >/dev/null || exit 1; \
		else \
			echo "missing packages; run: sudo apt-get install -y$$missing"; \
			exit 1; \
		fi; \
	fi
endef

build-deps:
	$(call need_pkgs,$(BUILD_PKGS))

deps: build-deps
	$(call need_pkgs,$(TEST_PKGS))

# The benchmarks are built (not run) by `make test` so that they cannot rot.
BENCH_BINS := $(BUILD)/bench/boottime $(BUILD)/bench/blk_bench \
	      $(BUILD)/bench/net_bench $(BUILD)/bench/fs_bench \
	      $(BUILD)/bench/exec_bench

# The build on every CPU (with the fuzz targets the integration suites
# would otherwise make themselves, two suites at a time); then the
# full-Linux tier's outer guest (one apt-get download at a time); then
# every test.
JOBS ?= $(shell nproc)
test: deps
	$(MAKE) -j$(JOBS) all unit driver guests $(BENCH_BINS) \
		$(BUILD)/squeeze-hooks fuzz-bins img-fuzz $(QCOW2_FUZZ)
	$(MAKE) linux-tier
	tests/run-all.sh

# Rewrite every C file as .clang-format says; format-check only checks
# (tests/static/suite_static.sh runs it in make test).
format:
	find vmm devices virtio firmware tests guests -name '*.[ch]' | \
		xargs clang-format --style=file -i

format-check:
	tests/static/check-format.sh

clean:
	rm -rf $(BUILD) squeeze

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
