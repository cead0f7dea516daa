#!/usr/bin/env bash
# Snapshot benchmark (not a test; issue 14). The tiny counter guest with
# 256 MiB of RAM waits for a console line (wait=1), then prints
# "counter: go" and exits at once (limit=0, status 131). Measured, in the
# same run, alternating:
#   snapshot   RUNS snapshots of it (squeeze ctl snapshot --resume): the
#              VMM's own time for each (pause, quiesce, state, files) and
#              the ctl client's wall time
#   restore    RUNS `squeeze restore` of one snapshot, and RUNS cold boots
#              of the same guest: wall time (fork to exit), time to the
#              first guest instruction (--stats: exec to vCPU 0 entering
#              KVM_RUN), time to the guest's first output line (its stdin
#              holds the line it waits for), peak RSS
#   rate       LOOPS restores (and cold boots) back to back on one core
#              (taskset -c 0), per s; the median of ROUNDS loops
# Then the cold-start benchmark itself (tests/bench/bench_boot.sh, make
# bench-boot) and the load average: other work on the machine shows in
# every number.
#
#   tests/bench/bench_snapshot.sh      RUNS=21 LOOPS=50 ROUNDS=5 by default
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh

RUNS=${RUNS:-21}
LOOPS=${LOOPS:-50}
ROUNDS=${ROUNDS:-5}
GUEST=build/guests/counter.elf
GARGS="wait=1 limit=0 tick=1"
BT=build/bench/boottime
out=$(mktemp -d /tmp/bench-snap.XXXXXX)
vm=
trap '[ -n "$vm" ] && kill "$vm" 2>/dev/null; rm -rf "$out"' EXIT

if [ ! -e /dev/kvm ]; then
	echo "bench-snapshot: SKIPPED: no /dev/kvm"
	exit 0
fi
for f in ./squeeze "$GUEST" "$BT"; do
	[ -f "$f" ] || { echo "bench-snapshot: $f missing (make bench-snapshot builds it)"; exit 1; }
done

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
# The --stats rows before "first KVM_RUN": exec to vCPU 0 entering it, ms.
to_first_insn() {
	awk '/^squeeze stats: start-up/ { t = 1; s = 0; next }
	     t && /first KVM_RUN/ { print s; t = 0; next }
	     t { s += $NF }' "$1"
}

# The VM the snapshots are taken of, idle in its wait for a line.
./squeeze run --kernel "$GUEST" --memory 256M --cmdline "$GARGS" \
	--control "$out/ctl" --console file="$out/con" </dev/null 2>"$out/vm.err" &
vm=$!
for _ in $(seq 1 100); do
	grep -q 'waiting for a line' "$out/con" 2>/dev/null && break
	sleep 0.1
done
grep -q 'waiting for a line' "$out/con" ||
	{ echo "bench-snapshot: the guest did not start: $(cat "$out/vm.err")"; exit 1; }

for ((i = 0; i < RUNS; i++)); do
	t0=$(date +%s%N)
	./squeeze ctl "$out/ctl" snapshot "$out/snap$i" --resume >"$out/snap$i.json" ||
		{ echo "bench-snapshot: snapshot failed: $(cat "$out/snap$i.json")"; exit 1; }
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000)) >>"$out/snap.client"
	python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); p = d["phases_ms"]
print(d["ms"], p["pause"], p["quiesce"], p["state"], p["files"], d["memory_data_bytes"], d["state_bytes"])' \
		"$out/snap$i.json" >>"$out/snap.vmm"
	[ "$i" -gt 0 ] && rm -rf "$out/snap$i"
done
./squeeze ctl "$out/ctl" poweroff >/dev/null
wait "$vm"
vm=
SNAP=$out/snap0

# The two ways to the same guest state, into the array c: a restore, and
# a cold boot.
cmd() {
	if [ "$1" = restore ]; then
		c=(./squeeze restore "$SNAP")
	else
		c=(./squeeze run --kernel "$GUEST" --memory 256M --cmdline "$GARGS")
	fi
}
ORDER=(restore cold-boot)
for ((i = 0; i < RUNS; i++)); do
	for v in "${ORDER[@]}"; do
		cmd "$v"
		$BT -i -f -s 131 -- "${c[@]}" >>"$out/$v.runs"
		$BT -i -s 131 -e "$out/$v.stats$i" -- "${c[@]}" --stats >/dev/null
		to_first_insn "$out/$v.stats$i" >>"$out/$v.insn"
	done
done
for ((i = 0; i < ROUNDS; i++)); do
	for v in "${ORDER[@]}"; do
		cmd "$v"
		taskset -c 0 $BT -l "$LOOPS" -i -s 131 -- "${c[@]}" >>"$out/$v.loop"
	done
done

declare -A WALL INSN LINE RSS RATE BAD
for v in "${ORDER[@]}"; do
	WALL[$v]=$(cut -d' ' -f1 "$out/$v.runs" | median)
	RSS[$v]=$(cut -d' ' -f2 "$out/$v.runs" | median)
	LINE[$v]=$(cut -d' ' -f4 "$out/$v.runs" | median)
	INSN[$v]=$(median <"$out/$v.insn")
	RATE[$v]=$(awk -v n="$LOOPS" '{ printf "%.1f\n", n * 1e6 / $1 }' "$out/$v.loop" | median)
	BAD[$v]=$(cat "$out/$v.runs" "$out/$v.loop" | awk '{ s += $3 } END { print s + 0 }')
done

echo
echo "snapshot: $GUEST, 256 MiB, idle; median of $RUNS snapshots (squeeze ctl snapshot --resume)"
echo "machine: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min) at the end"
for k in 1 2 3 4 5; do
	name=$(echo "total pause quiesce state files" | cut -d' ' -f$k)
	printf "  %-34s %10.3f ms\n" "VMM: $name" "$(cut -d' ' -f$k "$out/snap.vmm" | median)"
done
printf "  %-34s %10.3f ms\n" "ctl client, fork to exit" "$(median <"$out/snap.client" | awk '{ print $1 / 1000 }')"
printf "  %-34s %10d bytes of 268435456\n" "memory file data" "$(cut -d' ' -f6 "$out/snap.vmm" | median)"
printf "  %-34s %10d bytes\n" "state file" "$(cut -d' ' -f7 "$out/snap.vmm" | median)"
echo
echo "restore against a cold boot of the same guest: median of $RUNS; rate: median of $ROUNDS loops of $LOOPS on CPU 0"
printf "%-12s %9s %13s %13s %14s %10s %5s\n" "" "wall ms" "1st insn ms" "1st line ms" "peak RSS MiB" "per s" bad
for v in "${ORDER[@]}"; do
	awk -v v="$v" -v w="${WALL[$v]}" -v i="${INSN[$v]}" -v l="${LINE[$v]}" \
	    -v r="${RSS[$v]}" -v n="${RATE[$v]}" -v b="${BAD[$v]}" \
	    'BEGIN { printf "%-12s %9.2f %13.3f %13.2f %14.2f %10s %5d\n",
		v, w / 1000, i, l / 1000, r / 1024, n, b }'
done
awk -v i="${INSN[restore]}" -v n="${RATE[restore]}" -v rw="${WALL[restore]}" \
    -v cw="${WALL[cold-boot]}" -v rl="${LINE[restore]}" -v cl="${LINE[cold-boot]}" \
    'BEGIN { printf "goals: restore to first instruction <= 5 ms %s, >= 150 restores/s %s, restore faster than a cold boot: wall %s, first line %s\n",
	(i <= 5 ? "met" : "MISSED"), (n >= 150 ? "met" : "MISSED"),
	(rw < cw ? "yes" : "NO"), (rl < cl ? "yes" : "NO") }'
echo
echo "restore's start-up breakdown (--stats), median of $RUNS, ms"
cat "$out"/restore.stats* |
	awk '/^squeeze stats: start-up/ { t = 1; next } /^squeeze stats:/ { t = 0 } t' |
	sed 's/^  //; s/  *\([0-9.]*\)$/\t\1/' >"$out/steps"
cut -f1 "$out/steps" | awk '!seen[$0]++' | while IFS= read -r step; do
	awk -F '\t' -v k="$step" '$1 == k { print $2 }' "$out/steps" |
		median | awk -v k="$step" '{ printf "  %-40s %8.3f\n", k, $1 }'
done

echo
echo "--- the cold-start benchmark (make bench-boot), in the same run ---"
RUNS=$RUNS LOOPS=$LOOPS ROUNDS=$ROUNDS tests/bench/bench_boot.sh
