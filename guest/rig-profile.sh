#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The rig's guest entry of make bench-profile (rig/bench-profile.sh): where
# the guest instructions of onlining go. Arguments from the host:
#   rig-profile.sh KERNEL SIZE FUNCS
# FUNCS: the functions to time, "+"-separated. Three operations, as make
# bench runs them (bench/host/bench.sh online and vmem): "online", daxctl
# reconfigure-device -m system-ram of a SIZE devdax namespace (align=1G);
# "offline", daxctl reconfigure-device -f -m devdax of it back; "vmem", the
# rig's virtio-mem device plugged to SIZE, onlined movable block by block
# (its driver's work function, virtio_mem_run_wq(), is the operation).
# Passes, each one cycle of the operations, first online and offline, then,
# with virtio_mem loaded (its onlining callback then takes every onlining;
# a CXL or pmem host has no virtio-mem), vmem:
#   -     nothing traced: the whole online and offline command (nstime); for
#         vmem the work function, traced alone
#   FUNC  one per function, traced alone (function_graph in a tracing
#         instance of its own, sleep-time off: its task's time on the CPU
#         in it): its inclusive time, with no traced callee's tracing
#         inside it; the virtio-mem work function is traced in a second
#         instance (sleep-time on, as make bench times it), every pass
#   +     every function at once: who calls whom (the nesting), not times
# A first cycle, not recorded, warms up (the first onlining differs).
# Records, one per line:
#   @prof kernel=K op=O pass=P func=F parent=Q calls=N usecs=U pages=N
# F "cmd" is the whole command (nstime); Q the nearest traced caller ("-":
# none), from guest/profile-lib.sh graph_calls. A function the kernel
# cannot trace (inlined, absent) gets "@prof-untraceable func=F".
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/profile-lib.sh"
rig_guest_only
KERNEL=$1 SIZE=$2 FUNCS=$(echo "$3" | tr '+' ' ')
WORK=virtio_mem_run_wq
TRACE_DIR=$TRACEFS/instances/memmap-profile
WORK_DIR=$TRACEFS/instances/memmap-profile-work
AUTO_ONLINE=/sys/devices/system/memory/auto_online_blocks
t0=$(date +%s)
progress() { echo "# [$(($(date +%s) - t0))s] $*" >&2; }
die() { echo "# rig-profile: $*" >&2; exit 1; }

load_pmem_stack
init_nfit_labels || die "could not initialise NFIT labels"
# guest/init traces memmap_init_zone_device() and turns its debug line on
# for the test suites: nothing of that here.
echo nop >"$TRACEFS/current_tracer"
[ ! -w "$DYNDBG" ] || echo 'func memmap_init_zone_device -p' >"$DYNDBG"
# Two tracing instances: the functions in TRACE_DIR with sleep-time off
# (a call's time is its task's time on the CPU in it), and the virtio-mem
# work function, the whole plug, in WORK_DIR as make bench times it
# (sleep-time on).
for d in "$TRACE_DIR" "$WORK_DIR"; do
	mkdir "$d" || die "cannot create $d"
	echo mono >"$d/trace_clock"
	echo 8192 >"$d/buffer_size_kb"
	echo 1 >"$d/options/funcgraph-tail"
	echo 1 >"$d/options/funcgraph-proc"
done
echo 0 >"$TRACE_DIR/options/sleep-time" || die "no sleep-time option in $TRACE_DIR"
for e in workqueue_execute_start workqueue_execute_end; do
	echo 1 >"$WORK_DIR/events/workqueue/$e/enable" || die "no workqueue event $e"
done

traceable() { grep -q "^$1\( \[[a-z0-9_]*\]\)\{0,1\}\$" "$TRACEFS/available_filter_functions"; }
funcs=
for f in $FUNCS; do
	if traceable "$f"; then funcs="$funcs $f"; else echo "@prof-untraceable kernel=$KERNEL func=$f"; fi
done

# trace_on DIR FUNC...: function_graph on these alone in DIR, an empty
# buffer; with no FUNC, nothing traced there.
trace_on() {
	local d=$1
	shift
	echo nop >"$d/current_tracer"
	echo >"$d/trace"
	[ $# -gt 0 ] || return 0
	printf '%s\n' "$@" >"$d/set_ftrace_filter" || die "cannot filter on $*"
	echo function_graph >"$d/current_tracer"
}

# report OP PASS DIR: the calls traced in DIR, summed per function and
# caller.
report() {
	local h
	h=$(sed -n 's/^# entries-in-buffer\/entries-written: \([0-9]*\)\/\([0-9]*\).*/\1 \2/p' "$3/trace")
	[ "${h% *}" = "${h#* }" ] || die "$1, pass $2: the trace buffer overran ($h)"
	graph_calls "$3/trace" | while read -r f p n us; do
		echo "@prof kernel=$KERNEL op=$1 pass=$2 func=$f parent=$p calls=$n usecs=$us pages=$pages"
	done
}

# daxctl_timed OP ARGS...: one daxctl command, timed, and its record.
daxctl_timed() {
	local op=$1 out ns
	shift
	out=$(nstime daxctl reconfigure-device "$@" "$dax" 2>&1 >/dev/null) ||
		die "daxctl reconfigure-device $* $dax failed: $out"
	ns=$(echo "$out" | sed -n 's/^nstime ns=\([0-9]*\)$/\1/p')
	printf '@prof kernel=%s op=%s pass=%s func=cmd parent=- calls=1 usecs=%d.%03d pages=%d\n' \
		"$KERNEL" "$op" "$pass" $((ns / 1000)) $((ns % 1000)) "$pages"
}

# work_done: every run of the work function has ended (the workqueue's
# events, which tracing_thresh does not hide as it hides function_graph's
# entries).
work_done() {
	[ "$(grep -c "workqueue_execute_start: .*function $WORK" "$WORK_DIR/trace")" = \
		"$(grep -c "workqueue_execute_end: .*function $WORK" "$WORK_DIR/trace")" ]
}

# vmem_to BYTES KB: resize the virtio-mem device, wait for MemTotal KB and
# the work function's return.
vmem_to() {
	local n=0
	vmem_resize "$1"
	wait_memtotal "$2" || die "MemTotal did not reach $2 kB"
	until work_done; do
		[ $n -lt 60 ] || die "$WORK() did not return"
		sleep 1
		n=$((n + 1))
	done
}

gib=${SIZE%G}
json=$(ndctl create-namespace -r region0 -s "$SIZE" -m devdax -a 1G) || die "create-namespace failed"
dax=$(echo "$json" | json_field chardev)
dax_pages=$(($(daxdev_size "$dax") / 4096))
total0=$(meminfo MemTotal)
auto_was=$(cat $AUTO_ONLINE)
echo "@meta profile_guest_kernel=$(uname -r)"
echo "@meta profile_online=$dax, $dax_pages pages; vmem $SIZE, $((gib * 262144)) pages"
# cycle PASS [FUNC...]: online and offline, or plug (OPS vmem), with FUNC
# traced, each recorded under PASS ("warm-up": not recorded). A pass of one function
# sets tracing_thresh to 1 us: function_graph then writes no entry event
# into the ring buffer inside the call, only its return after it.
cycle() {
	local p=$1 rec=: r
	shift
	[ "$p" != warm-up ] || rec=false
	progress "pass $p"
	case "$p" in -* | +* | warm-up) echo 0 ;; *) echo 1 ;; esac >"$TRACEFS/tracing_thresh"
	pass=$p pages=$dax_pages
	if [ "$OPS" = vmem ]; then
		vmem_cycle "$@"
		return
	fi
	trace_on "$TRACE_DIR" "$@"
	r=$(daxctl_timed online -m system-ram) || exit 1
	! $rec || echo "$r"
	[ $# = 0 ] || ! $rec || report online "$p" "$TRACE_DIR"
	trace_on "$TRACE_DIR" "$@"
	r=$(daxctl_timed offline -f -m devdax) || exit 1
	! $rec || echo "$r"
	[ $# = 0 ] || ! $rec || report offline "$p" "$TRACE_DIR"
}

vmem_cycle() {
	pages=$((gib * 262144))
	echo online_movable >$AUTO_ONLINE
	trace_on "$TRACE_DIR" "$@"
	trace_on "$WORK_DIR" $WORK
	vmem_to $((gib << 30)) $((total0 + (gib << 20)))
	! $rec || report vmem "$p" "$WORK_DIR"
	[ $# = 0 ] || ! $rec || report vmem "$p" "$TRACE_DIR"
	trace_on "$TRACE_DIR"
	trace_on "$WORK_DIR" $WORK
	vmem_to 0 "$total0"
	echo "$auto_was" >$AUTO_ONLINE
}

# The first onlining of the memory differs from the next (make bench
# times rebinds, bind >= 1): a cycle first that is not recorded.
for OPS in dax vmem; do
	if [ $OPS = vmem ]; then
		vmem_present || die "no virtio-mem device (rig/qemu-run.sh --virtio-mem)"
		traceable $WORK || die "$WORK() is not traceable"
	fi
	cycle warm-up
	cycle -
	for f in $funcs; do
		cycle "$f" "$f"
	done
	# shellcheck disable=SC2086 # one word each
	cycle + $funcs
done
echo 0 >"$TRACEFS/tracing_thresh"
for d in "$TRACE_DIR" "$WORK_DIR"; do
	echo nop >"$d/current_tracer"
	rmdir "$d"
done
ndctl destroy-namespace -f all -r region0 >/dev/null 2>&1
progress done
