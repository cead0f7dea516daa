# Open vSwitch for tests: a private ovsdb-server and ovs-vswitchd in a
# network namespace of their own, database, sockets, pid and log files in
# a directory of their own (OVS_RUNDIR), so that nothing of the host's OVS
# is touched. Source it; set OVS_NS (a unique namespace name) and OVS_DIR.
#   ovs_start DATAPATH BRIDGE...  the namespace (unless it exists), the
#                    daemons and the bridges, each up and of datapath_type
#                    DATAPATH: netdev (userspace) or system (the kernel's
#                    openvswitch module); returns non-zero on failure
#   ovsx CMD...      CMD in the namespace, with OVS_RUNDIR set
#   ovs_ports BRIDGE its ports on one line
#   ovs_stop         stops the daemons (bounded) and deletes the namespace
ovsx() { ip netns exec "$OVS_NS" env OVS_RUNDIR="$OVS_DIR" "$@"; }

ovs_stop() {
	local f pid i
	for f in "$OVS_DIR"/vswitchd.pid "$OVS_DIR"/ovsdb.pid; do
		[ -f "$f" ] || continue
		pid=$(cat "$f")
		rm -f "$f"
		kill "$pid" 2>/dev/null || continue
		for i in $(seq 1 50); do	# bounded: 5 s
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
	done
	ip netns del "$OVS_NS" 2>/dev/null
}

ovs_start() {
	local dp=$1 br add=()
	shift
	for br in "$@"; do
		add+=(-- add-br "$br" -- set bridge "$br" datapath_type="$dp")
	done
	mkdir -p "$OVS_DIR" || return 1
	[ -e "/run/netns/$OVS_NS" ] || ip netns add "$OVS_NS" || return 1
	ovsx sh -c 'echo 1 >/proc/sys/net/ipv6/conf/all/disable_ipv6;
		echo 1 >/proc/sys/net/ipv6/conf/default/disable_ipv6'
	ovsx ovsdb-tool create "$OVS_DIR/conf.db" \
		/usr/share/openvswitch/vswitch.ovsschema &&
	ovsx ovsdb-server "$OVS_DIR/conf.db" --remote=punix:"$OVS_DIR/db.sock" \
		--pidfile="$OVS_DIR/ovsdb.pid" --detach \
		--log-file="$OVS_DIR/ovsdb.log" 2>/dev/null &&
	ovsx ovs-vsctl --timeout=10 --no-wait init &&
	ovsx ovs-vswitchd --pidfile="$OVS_DIR/vswitchd.pid" --detach \
		--log-file="$OVS_DIR/vswitchd.log" 2>/dev/null &&
	ovsx ovs-vsctl --timeout=10 "${add[@]:1}" &&
	ovsx ip link set lo up || return 1
	for br in "$@"; do
		ovsx ip link set "$br" up || return 1
	done
}

ovs_ports() { ovsx ovs-vsctl --timeout=10 list-ports "$1" | tr '\n' ' '; }
