# Helpers for the snapshot and control suites (sourced after lib.sh,
# whose wait_for FILE BRE [TENTHS] they use).
# Every VM they start is recorded in $VMS and killed by snap_cleanup.
VMS=()

snap_cleanup() {
	local p
	for p in "${VMS[@]}"; do kill_vm "$p"; done
	wait 2>/dev/null
}

# kill_vm PID: SIGKILL squeeze itself (PID is the timeout wrapping it).
kill_vm() {
	kill -9 $(pgrep -P "$1") "$1" 2>/dev/null
}

# wait_gone PATH [TENTHS]: until PATH does not exist.
wait_gone() {
	local i
	for i in $(seq 1 "${2:-50}"); do
		[ -e "$1" ] || return 0
		sleep 0.1
	done
	return 1
}

# start_vm OUT ARGS...: squeeze run ARGS in the background, console and
# stderr to OUT(.err); $VM is its pid (also recorded for the cleanup).
start_vm() {
	local out=$1
	shift
	timeout -k 5 120 "$SQUEEZE" run "$@" >"$out" 2>"$out.err" </dev/null &
	VM=$!
	VMS+=("$VM")
}

# start_fed OUT IN ARGS...: squeeze ARGS (run ... or restore ...) with
# --console stdio, stdin from the FIFO IN (made here). $IN_FD is a
# descriptor open on it for writing the guest's input: it keeps squeeze's
# stdin from seeing EOF, too.
start_fed() {
	local out=$1 in=$2
	shift 2
	rm -f "$in"
	mkfifo "$in"
	exec {IN_FD}<>"$in"
	timeout -k 5 120 "$SQUEEZE" "$@" --console stdio \
		<"$in" >"$out" 2>"$out.err" &
	VM=$!
	VMS+=("$VM")
}

# start_restore OUT IN ARGS...: start_fed OUT IN restore ARGS.
start_restore() {
	local out=$1 in=$2
	shift 2
	start_fed "$out" "$in" restore "$@"
}

# reap PID: its exit status.
reap() {
	wait "$1"
}

# running PID: PID exists and has not exited (a zombie has).
running() {
	[ -e "/proc/$1" ] && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null
}

# reap_within PID TENTHS: its exit status; or, when it still runs after
# TENTHS tenths of a second, 124 after killing it.
reap_within() {
	local i
	for i in $(seq 1 "$2"); do
		running "$1" || break
		sleep 0.1
	done
	if running "$1"; then
		kill_vm "$1"
		wait "$1" 2>/dev/null
		return 124
	fi
	wait "$1"
}

# ctl SOCKET ARGS...: squeeze ctl, its JSON result on stdout.
ctl() {
	"$SQUEEZE" ctl "$@"
}

# json_get JSON PYEXPR: evaluate PYEXPR on the parsed object d.
json_get() {
	python3 -c 'import json, sys; d = json.loads(sys.argv[1]); print(eval(sys.argv[2]))' "$1" "$2"
}

# The device named $2 in the stats JSON $1, field $3.
dev_stat() {
	json_get "$1" "[x for x in d['devices'] if x['name'] == '$2'][0]['$3']"
}

# A snapshot can cut a console line in two: the original printed its
# start, the clone prints the rest. last_line CON: the original's last
# whole line; first_line CON OUT: the clone's first line, made whole.
last_line() {
	if [ -n "$(tail -c 1 "$1")" ]; then
		tail -n 2 "$1" | head -n 1
	else
		tail -n 1 "$1"
	fi
}

first_line() {
	if [ -n "$(tail -c 1 "$1")" ]; then
		printf '%s%s\n' "$(tail -n 1 "$1")" "$(head -n 1 "$2")"
	else
		head -n 1 "$2"
	fi
}
