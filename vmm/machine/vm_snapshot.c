// SPDX-License-Identifier: MIT
/*
 * Taking a snapshot of a running VM, and putting one's state into a fresh
 * VM (docs/snapshot.md).
 *
 * Taking: the vCPUs park (vcpu_gate), the devices quiesce (every request
 * completed or unseen, disks flushed), then the state is read into the
 * sections of the state file, guest RAM written sparse beside it. Both
 * files are written under temporary names and renamed into place, the
 * state file last: a directory with a "state" holds a whole snapshot, and
 * a restored clone that maps an older memory file keeps its own inode.
 *
 * Restoring: the vCPUs first (their LAPICs must be in place before any
 * device sends an interrupt), then the IOAPIC, the legacy devices, the
 * PCI host and the virtio devices (which start again and look at their
 * queues), the kvmclock last.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmm/base/clock.h"
#include "vmm/kvm/vcpu_state.h"
#include "vmm/machine/vm.h"
#include "vmm/machine/vm_virtio.h"
#include "vmm/snapshot/snap_mem.h"

static int save_vcpu(struct vm *vm, struct vcpu *v, struct snap_writer *w,
		     struct err *err)
{
	struct vcpu_state s;
	int ret;

	ret = vcpu_state_save(v, &vm->kvm, vm->msr_index, vm->nr_msrs, &s, err);
	if (!ret) {
		snap_add(w, SNAP_VCPU_CPUID, v->id, s.cpuid,
			 sizeof(*s.cpuid) +
				 s.cpuid->nent * sizeof(s.cpuid->entries[0]));
		snap_add(w, SNAP_VCPU_REGS, v->id, &s.regs, sizeof(s.regs));
		snap_add(w, SNAP_VCPU_SREGS, v->id, &s.sregs, sizeof(s.sregs));
		snap_add(w, SNAP_VCPU_MSRS, v->id, s.msrs,
			 sizeof(*s.msrs) +
				 s.msrs->nmsrs * sizeof(s.msrs->entries[0]));
		snap_add(w, SNAP_VCPU_XSAVE, v->id, s.xsave, s.xsave_size);
		snap_add(w, SNAP_VCPU_XCRS, v->id, &s.xcrs, sizeof(s.xcrs));
		snap_add(w, SNAP_VCPU_LAPIC, v->id, &s.lapic, sizeof(s.lapic));
		snap_add(w, SNAP_VCPU_EVENTS, v->id, &s.events,
			 sizeof(s.events));
		snap_add(w, SNAP_VCPU_DEBUGREGS, v->id, &s.debugregs,
			 sizeof(s.debugregs));
		snap_add(w, SNAP_VCPU_MP_STATE, v->id, &s.mp, sizeof(s.mp));
	}
	vcpu_state_free(&s);
	return ret;
}

static int save_machine(struct vm *vm, struct snap_writer *w, struct err *err)
{
	struct snap_machine *m = calloc(1, sizeof(*m));
	char *json = NULL;
	unsigned int i;
	int ret = -ENOMEM;

	if (!m)
		return err_host(err, ret, "out of memory");
	m->mem_size = vm->cfg->mem_size;
	m->cpus = vm->nr_vcpus;
	snprintf(m->name, sizeof(m->name), "%s",
		 vm->cfg->name ? vm->cfg->name : "");
	for (i = 0; i < vm->mem.nr; i++)
		m->region[i] = vm->mem.region[i];
	m->nr_regions = vm->mem.nr;
	ret = vm_virtio_describe(vm, m, err);
	if (!ret) {
		json = snap_machine_dump(m);
		if (json)
			snap_add(w, SNAP_MACHINE, 0, json, strlen(json));
		else
			ret = err_host(err, -ENOMEM, "out of memory");
	}
	free(json);
	free(m);
	return ret;
}

static void save_platform(struct vm *vm, struct snap_writer *w)
{
	struct ioapic_state io;
	struct serial_state ser;
	struct rtc_state rtc;
	struct pm_state pm;
	struct i8042_state kbd;

	ioapic_save(&vm->ioapic, &io);
	serial_save(&vm->serial, &ser);
	rtc_save(&vm->rtc, &rtc);
	pm_save(&vm->pm, &pm);
	i8042_save(&vm->i8042, &kbd);
	snap_add(w, SNAP_IOAPIC, 0, &io, sizeof(io));
	snap_add(w, SNAP_SERIAL, 0, &ser, sizeof(ser));
	snap_add(w, SNAP_RTC, 0, &rtc, sizeof(rtc));
	snap_add(w, SNAP_PM, 0, &pm, sizeof(pm));
	snap_add(w, SNAP_I8042, 0, &kbd, sizeof(kbd));
}

/* Every section, the devices quiesced and the vCPUs parked. */
static int collect(struct vm *vm, struct snap_writer *w, struct err *err)
{
	u64 clock;
	u32 i;
	int ret;

	if (!vm->msr_index) {
		ret = kvm_msr_list(&vm->kvm, &vm->msr_index, &vm->nr_msrs);
		if (ret)
			return err_host(err, ret, "KVM_GET_MSR_INDEX_LIST: %s",
					strerror(-ret));
	}
	ret = save_machine(vm, w, err);
	for (i = 0; i < vm->nr_vcpus && !ret; i++)
		ret = save_vcpu(vm, &vm->vcpus[i], w, err);
	if (ret)
		return ret;
	save_platform(vm, w);
	if (vm_virtio_save(vm, w))
		return err_host(err, -ENOMEM, "out of memory");
	ret = kvm_get_clock(&vm->kvm, &clock);
	if (ret)
		return err_host(err, ret, "KVM_GET_CLOCK: %s", strerror(-ret));
	snap_add(w, SNAP_CLOCK, 0, &clock, sizeof(clock));
	ret = snap_writer_finish(w, guest_mem_total(&vm->mem));
	return ret ? err_host(err, ret, "state file: %s", strerror(-ret)) : 0;
}

/* @dir new (made here, *@made) or an empty directory. */
static int prepare_dir(const char *dir, bool *made, struct err *err)
{
	char probe[PATH_MAX + 16];
	struct stat st;

	*made = false;
	if (!mkdir(dir, 0700)) {
		*made = true;
		return 0;
	}
	if (errno != EEXIST)
		return err_input(err, -errno, "snapshot %s: %s", dir,
				 strerror(errno));
	snprintf(probe, sizeof(probe), "%s/%s", dir, SNAP_STATE_FILE);
	if (stat(dir, &st) || !S_ISDIR(st.st_mode) || !lstat(probe, &st))
		return err_input(
			err, -EEXIST,
			"snapshot %s: exists and is not an empty directory",
			dir);
	snprintf(probe, sizeof(probe), "%s/%s", dir, SNAP_MEMORY_FILE);
	if (!lstat(probe, &st))
		return err_input(err, -EEXIST,
				 "snapshot %s: already holds a memory file",
				 dir);
	return 0;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const u8 *p = buf;
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		p += n;
		len -= n;
	}
	return 0;
}

/* Both files under temporary names, then renamed: the state file last. */
static int write_files(struct vm *vm, int dirfd, const struct snap_writer *w,
		       u64 *data, struct err *err)
{
	int mfd = -1, sfd = -1, pagemap, ret;

	pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	mfd = openat(dirfd, "memory.tmp",
		     O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	sfd = openat(dirfd, "state.tmp",
		     O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (mfd < 0 || sfd < 0) {
		ret = err_host(err, -errno,
			       "snapshot: cannot create its files: %s",
			       strerror(errno));
		goto close;
	}
	ret = snap_mem_write(mfd, &vm->mem, pagemap, data, err);
	if (!ret && ((ret = write_all(sfd, w->buf, w->len)) ||
		     (fdatasync(sfd) && (ret = -errno))))
		err_host(err, ret, "snapshot: state file: %s", strerror(-ret));
	if (!ret && (renameat(dirfd, "memory.tmp", dirfd, SNAP_MEMORY_FILE) ||
		     renameat(dirfd, "state.tmp", dirfd, SNAP_STATE_FILE) ||
		     fsync(dirfd)))
		ret = err_host(err, -errno, "snapshot: rename: %s",
			       strerror(errno));
close:
	if (ret) {
		unlinkat(dirfd, "memory.tmp", 0);
		unlinkat(dirfd, "state.tmp", 0);
	}
	if (mfd >= 0)
		close(mfd);
	if (sfd >= 0)
		close(sfd);
	if (pagemap >= 0)
		close(pagemap);
	return ret;
}

/* Where a snapshot's time goes, in ns from its start. */
struct snap_times {
	u64 t0, paused, quiesced, collected;
};

static json_t *result_of(const char *dir, const struct vm *vm,
			 const struct snap_writer *w, u64 data,
			 const struct snap_times *t, bool resumed)
{
	u64 now = clock_ns();

	return json_pack(
		"{s:s, s:I, s:I, s:I, s:f, s:{s:f, s:f, s:f, s:f}, s:b}", "dir",
		dir, "memory_bytes", (json_int_t)guest_mem_total(&vm->mem),
		"memory_data_bytes", (json_int_t)data, "state_bytes",
		(json_int_t)w->len, "ms", (now - t->t0) / 1e6, "phases_ms",
		"pause", (t->paused - t->t0) / 1e6, "quiesce",
		(t->quiesced - t->paused) / 1e6, "state",
		(t->collected - t->quiesced) / 1e6, "files",
		(now - t->collected) / 1e6, "resumed", resumed);
}

/* Pause, quiesce, collect and write; the VM stays paused. */
static int take(struct vm *vm, const char *dir, json_t **result, u64 t0,
		bool resume, struct err *err)
{
	struct snap_times t = { .t0 = t0 };
	struct snap_writer w;
	u64 data = 0;
	int dirfd, ret;

	if (vm_pause(vm))
		return err_host(err, -EINTR, "snapshot: the VM is stopping");
	t.paused = clock_ns();
	if (!vm->frozen) {
		ret = vm_virtio_quiesce(vm, true, err);
		if (ret)
			return ret;
		vm->frozen = true;
	}
	t.quiesced = clock_ns();
	snap_writer_init(&w);
	ret = collect(vm, &w, err);
	t.collected = clock_ns();
	if (!ret) {
		dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dirfd < 0) {
			ret = err_host(err, -errno, "snapshot %s: %s", dir,
				       strerror(errno));
		} else {
			ret = write_files(vm, dirfd, &w, &data, err);
			close(dirfd);
		}
	}
	if (!ret)
		*result = result_of(dir, vm, &w, data, &t, resume);
	snap_writer_free(&w);
	return ret;
}

int vm_snapshot(struct vm *vm, const char *dir, bool resume, json_t **result,
		struct err *err)
{
	u64 t0 = clock_ns();
	bool made;
	int ret;

	*result = NULL;
	ret = vm_virtio_snapshot_check(vm, err);
	if (!ret)
		ret = prepare_dir(dir, &made, err);
	if (ret)
		return ret;
	ret = take(vm, dir, result, t0, resume, err);
	if (ret && made)
		rmdir(dir);
	/* Asked to run on: it does, whether the snapshot worked or not. */
	if (resume)
		vm_resume(vm);
	return ret;
}
