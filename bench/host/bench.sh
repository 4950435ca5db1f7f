#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The host bench: bind one configuration, rebind it R times, and print one
# "@bind" record per bind with memmap_init_zone_device()'s duration from
# function-graph ftrace (identical in base and patched kernels).
#
#   bench/host/bench.sh CONFIG[+CONFIG...] [REBINDS] [SIZE] [REGION]   (10, 16G, none)
#   bench/host/bench.sh --help
#
# On a host booted with the kernel under test, as root, from the top of the
# checkout (README.md, "Benchmark your own host", has the base-vs-patched
# procedure); regionN is a region whose namespaces you agree to lose
# (ndctl list -R):
#
#   BENCH_DESTROY=regionN BENCH_KERNEL=base bench/host/bench.sh fsdax-dev 30 100G regionN >base.raw
#
# It destroys every namespace of the regions it uses, and of no other:
# REGION for fsdax-dev, fsdax-mem, devdax-2m and online, VREGION (no
# default) for virtio-fsdax-dev. BENCH_DESTROY must name each of them
# ("regionN", "regionN regionM"); only regionN names are taken (not "all",
# not a bare number), or it refuses before it changes anything. Before it
# destroys anything it prints each namespace it will destroy (name, mode,
# size, device), and it refuses, whatever BENCH_DESTROY says, a region with
# a namespace in use: mounted, held, swap, open or mapped by a process, or
# onlined as System RAM.
#
# It checks its prerequisites first (root, tracefs, the kernel options, ndctl,
# daxctl, nstime, test_hmm, the drivers: each missing one is named with its
# fix), then sets up what it needs and puts back what it changed, also when
# it is interrupted (INT, TERM, HUP) or fails: it loads the drivers it binds
# (modprobe), times in a tracing instance of its own (tracefs
# instances/memmap-bench, function_graph filtered to the timed functions,
# removed at the end: the top-level tracer is left alone), turns on the
# pr_debug line of memmap_init_zone_device() where the kernel has dynamic
# debug (and off again if it was off), and puts back memremap.memmap_threads
# and auto_online_blocks; a device it left online as System RAM goes back
# to devdax, a device it left unbound is bound again, test_hmm is unloaded,
# and the namespaces it created are destroyed (as at its normal end). With
# BENCH_THREADS, it also counts the threads of each bind in a second
# instance of its own (instances/memmap-bench-chunks, the function tracer on
# memmap_init_zone_device and memmap_init_zone_device_chunk, removed at the
# end). Anything it cannot put back it names on stderr, and exits non-zero.
#
# Environment:
#   BENCH_DESTROY  the regions whose namespaces it may destroy (required)
#   BENCH_KERNEL   the records' kernel label (default: uname -r); report.py's
#                  ratios compare every row with the rows labelled "base"
#   BENCH_POLICY   the policy label of records whose device has no
#                  memmap_streaming attribute (default "-"); a device that
#                  has one is labelled with the value it read at its bind
#   BENCH_ACCEL    the records' accel label (default: host)
#   BENCH_THREADS  values of memremap.memmap_threads (below)
#   VREGION        the virtio-pmem region of virtio-fsdax-dev
#   ONLINE_SIZE    the size of "online" (default 8G, or SIZE if less)
#   BENCH_TEST_KILL_AT  a test hook (make check): at "traced" (tracing set
#                  up), "unbound" (a device unbound, before its bind) or
#                  "online" (a device online as System RAM) it sends itself
#                  SIGTERM, as an operator's kill would
#
# Records on stdout (progress on stderr):
#   @bind config=C kernel=K policy=P accel=A bind=N pages=P usecs=U path=X
#         threads=T used=N
# P (policy): the device's own memmap_streaming (pfnX.Y or dax-bus daxX.Y),
# read right before its bind: udev's site policy or a write of the
# operator's, not the module default. U: the function-graph duration
# (summed over the calls of one bind). pages=: from sysfs (the nd pfn or dax
# device's size) or /proc/iomem (test_hmm's "hmm_dmirror" ranges), not from
# the kernel log. X comes from the kernel's pr_debug line,
# "memmap_init_zone_device initialised N pages in ..., PATH path"
# (guest/lib.sh: log_path), "-" where the kernel has no dynamic debug or
# logs no path (the base); where it logs a page count that differs from
# pages=, a "# warning:" line says so and the record takes the kernel's.
# With BENCH_THREADS="1 0" (values of memremap.memmap_threads: 1 serial, 0
# automatic, N at most N), each rebind of the nd and dax configurations is
# done once per value, alternating, and its record says the value (T) and
# the threads its last memmap_init_zone_device() call used (N: the distinct
# tasks that ran its memmap_init_zone_device_chunk() calls, from a function
# trace, guest/lib.sh memmap_init_chunks; 0 on the slow path; "-" where the
# kernel has no traceable chunk function); the first value holds for
# everything else.  Without BENCH_THREADS, both are "-".
# CONFIG: fsdax-dev fsdax-mem devdax-2m virtio-fsdax-dev private online vmem
# "online" is not a bind: a devdax of ONLINE_SIZE, align=1G, onlined with
# "daxctl reconfigure-device -m system-ram" and taken back, REBINDS+1 times;
# per onlining, config=online-memmap records the traced memmap_init_range()
# calls summed, config=online-cmd the whole command (timed by nstime, built
# from bench/host/nstime.c), and config=offline-cmd the whole command that
# takes it back, "daxctl reconfigure-device -f -m devdax" (offlining, hot
# remove, and device_dax's bind with its memmap_init_zone_device()). "vmem"
# plugs the rig's virtio-mem device instead (see bench_vmem), and so runs
# only there.
case "${1:-}" in
-h | --help) awk 'NR > 2 { if (!/^#/) exit; sub(/^# ?/, ""); print }' "$0"; exit 0 ;;
esac
# Shared with the rig's guest scripts: the tracing and sysfs helpers.
. "$(dirname "$0")/../../guest/lib.sh"

configs=$(echo "${1:-}" | tr '+' ' ')
REBINDS=${2:-10}
SIZE=${3:-16G}
REGION=${4:-}
VREGION=${VREGION:-}
KERNEL=${BENCH_KERNEL:-$(uname -r)}
POLICY=${BENCH_POLICY:--}
P=$POLICY
ACCEL=${BENCH_ACCEL:-host}
THREADS_KNOB=/sys/module/memremap/parameters/memmap_threads
AUTO_ONLINE=/sys/devices/system/memory/auto_online_blocks
TRACE_DIR=$TRACEFS/instances/memmap-bench
CHUNK_TRACE=$TRACEFS/instances/memmap-bench-chunks
T=-
[ "${SIZE%G}" -ge 8 ] 2>/dev/null && ONLINE_SIZE=${ONLINE_SIZE:-8G} || ONLINE_SIZE=${ONLINE_SIZE:-$SIZE}
t0=$(date +%s)

refuse() { echo "bench.sh: $*" >&2; exit 2; }
[ -n "$configs" ] || refuse "usage: BENCH_DESTROY=regionN... bench/host/bench.sh CONFIG[+CONFIG...] [REBINDS] [SIZE] [REGION] (--help)"
case "$REBINDS" in '' | *[!0-9]*) refuse "REBINDS '$REBINDS' is not a number" ;; esac
echo "$SIZE" | grep -qE '^[1-9][0-9]*[MG]$' || refuse "SIZE '$SIZE': want MiB or GiB, e.g. 16G"
# is_region NAME: regionN, nothing else: ndctl takes "all" (every region)
# and a bare number too, which are not a region the operator named.
is_region() { echo "$1" | grep -qE '^region[0-9]+$'; }
[ -z "$REGION" ] || is_region "$REGION" || refuse "REGION '$REGION' is not a region name: want regionN (ndctl list -R)"

# The regions the configurations use: the only ones it may change.
regions=
for c in $configs; do
	case "$c" in
	fsdax-dev | fsdax-mem | devdax-2m | online)
		[ -n "$REGION" ] || refuse "$c needs REGION, the last argument: the region (regionN, ndctl list -R) whose namespaces it destroys"
		r=$REGION ;;
	virtio-fsdax-dev)
		[ -n "$VREGION" ] || refuse "virtio-fsdax-dev needs VREGION=regionN, the virtio-pmem region whose namespace it reconfigures (ndctl list -R)"
		is_region "$VREGION" || refuse "VREGION '$VREGION' is not a region name: want regionN (ndctl list -R)"
		r=$VREGION ;;
	private | vmem) continue ;;
	*) refuse "unknown configuration '$c' (fsdax-dev fsdax-mem devdax-2m virtio-fsdax-dev private online vmem)" ;;
	esac
	case " $regions " in *" $r "*) ;; *) regions="${regions:+$regions }$r" ;; esac
done
for r in $(echo "$BENCH_DESTROY" | tr ',' ' '); do
	is_region "$r" ||
		refuse "BENCH_DESTROY names '$r', which is not a region name: name each region whose namespaces it may destroy as regionN (not all, not a number): BENCH_DESTROY=\"$regions\""
done
for r in $regions; do
	case " $(echo "$BENCH_DESTROY" | tr ',' ' ') " in
	*" $r "*) ;;
	*) refuse "this run destroys every namespace of $regions; BENCH_DESTROY='$BENCH_DESTROY' does not name $r: set BENCH_DESTROY=\"$regions\" to agree" ;;
	esac
done

# --- prerequisites: all checked before anything changes ----------------------

missing=0
need() { echo "bench.sh: missing $1: $2" >&2; missing=1; }
traceable() { grep -q "^$1\( \[[a-z0-9_]*\]\)\{0,1\}\$" "$TRACEFS/available_filter_functions"; }
# driver BUS NAME MODULE CONFIG: the driver is there, loaded if need be.
driver() {
	[ -d "/sys/bus/$1/drivers/$2" ] || modprobe "$3" 2>/dev/null
	[ -d "/sys/bus/$1/drivers/$2" ] || need "the $2 driver" "modprobe $3 (a kernel with $4)"
}
tool() { command -v "$1" >/dev/null || need "$1" "$2"; }

[ "$(id -u)" = 0 ] || refuse "run it as root: it creates namespaces, binds drivers and traces the kernel"
if [ ! -e "$TRACEFS/available_tracers" ]; then
	need "tracefs at $TRACEFS" "mount -t tracefs nodev $TRACEFS (a kernel with CONFIG_FTRACE=y)"
else
	grep -qw function_graph "$TRACEFS/available_tracers" ||
		need "the function_graph tracer" "a kernel with CONFIG_FUNCTION_GRAPH_TRACER=y"
	if [ ! -e "$TRACEFS/available_filter_functions" ]; then
		need "ftrace's function filter" "a kernel with CONFIG_DYNAMIC_FTRACE=y"
	else
		traceable memmap_init_zone_device ||
			need "a traceable memmap_init_zone_device()" "a kernel with CONFIG_ZONE_DEVICE=y"
	fi
	[ ! -e "$TRACE_DIR" ] ||
		need "the tracing instance $TRACE_DIR for itself" "another bench.sh runs, or a killed one left it: rmdir $TRACE_DIR"
fi
for c in $configs; do
	case "$c" in
	fsdax-* | virtio-fsdax-dev)
		tool ndctl "install ndctl (Debian: apt-get install ndctl)"
		driver nd nd_pmem nd_pmem CONFIG_BLK_DEV_PMEM ;;
	devdax-2m | online)
		tool ndctl "install ndctl (Debian: apt-get install ndctl)"
		driver nd dax_pmem dax_pmem CONFIG_DEV_DAX_PMEM
		driver dax device_dax device_dax CONFIG_DEV_DAX ;;
	esac
	case "$c" in
	online)
		tool daxctl "install daxctl (Debian: apt-get install daxctl)"
		tool nstime "build it from the checkout: gcc -O2 -o /usr/local/bin/nstime bench/host/nstime.c"
		driver dax kmem kmem "CONFIG_DEV_DAX_KMEM and CONFIG_MEMORY_HOTPLUG"
		[ ! -e "$TRACEFS/available_filter_functions" ] || traceable memmap_init_range ||
			need "a traceable memmap_init_range()" "a kernel with CONFIG_MEMORY_HOTPLUG=y" ;;
	private)
		[ ! -d /sys/module/test_hmm ] ||
			need "an unloaded test_hmm" "rmmod test_hmm (bench.sh loads and unloads it itself)"
		modinfo -F filename test_hmm 2>/dev/null | grep -q '\.ko' ||
			need "the test_hmm module" "a kernel with CONFIG_TEST_HMM=m (and CONFIG_DEVICE_PRIVATE=y)" ;;
	vmem)
		# virtio_mem is loaded when vmem runs: its onlining callback would
		# take online's too (a CXL or pmem host has no virtio-mem).
		grep -qsx 0x0018 /sys/bus/virtio/devices/*/device ||
			need "a virtio-mem device" "vmem runs only in the rig's guest (rig/qemu-run.sh --virtio-mem SIZE)" ;;
	esac
done
if [ -n "$BENCH_THREADS" ]; then
	[ -w $THREADS_KNOB ] ||
		need "$THREADS_KNOB" "BENCH_THREADS needs a kernel with the series' memremap.memmap_threads"
	for t in $BENCH_THREADS; do
		case "$t" in *[!0-9]*) need "a BENCH_THREADS value of 0 or more, not '$t'" "BENCH_THREADS=\"1 0\"" ;; esac
	done
	[ ! -e "$CHUNK_TRACE" ] ||
		need "the tracing instance $CHUNK_TRACE for itself" "another bench.sh runs, or a killed one left it: rmdir $CHUNK_TRACE"
fi
# to_bytes 16G|512M
to_bytes() { case "$1" in *G) echo $((${1%G} << 30)) ;; *M) echo $((${1%M} << 20)) ;; esac; }
if command -v ndctl >/dev/null; then
	for r in $regions; do
		json=$(ndctl list -R -r "$r" 2>/dev/null)
		if [ -z "$json" ]; then
			need "the region $r" "ndctl list -R lists the regions there are (no pmem driver, e.g. nfit, loaded?)"
		elif [ "$r" = "$REGION" ] && [ "$(echo "$json" | json_field size)" -lt "$(to_bytes "$SIZE")" ]; then
			need "room for $SIZE in $r" "its size is $(echo "$json" | json_field size) bytes: give a smaller SIZE"
		fi
	done
fi
[ "$missing" = 0 ] || exit 2

# What it will destroy, and nothing in use: a namespace mounted, held,
# swapped on, open, mapped or onlined is refused whatever BENCH_DESTROY says.
busy=0
for r in $regions; do
	list=$(region_namespaces "$r")
	if [ -z "$list" ]; then
		echo "bench.sh: $r holds no namespace: nothing there to destroy" >&2
		continue
	fi
	echo "$list" | while read -r ns mode bytes devs; do
		[ "$devs" = - ] && devs='no device node' || devs=/dev/$(echo "$devs" | sed 's|,|, /dev/|g')
		echo "bench.sh: will destroy $ns in $r: $mode, $((bytes >> 20)) MiB, $devs" >&2
	done
	for d in $(echo "$list" | cut -d' ' -f4 | tr ',' ' '); do
		[ "$d" != - ] || continue
		why=$(dev_users "$d")
		[ -n "$why" ] || continue
		echo "$why" | sed "s/^/bench.sh: $r is in use: /" >&2
		busy=1
	done
done
[ "$busy" = 0 ] || refuse "refusing to destroy a namespace in use, whatever BENCH_DESTROY says: unmount, close or offline it first, or give another region"

# --- set up, and put back at the end ----------------------------------------

DDCTL='' dd_was_off='' threads_was='' auto_was='' instance='' chunks=''
# What restore puts back: a dax device left online as System RAM, a device
# left unbound ("BUS DRIVER DEVICE"), test_hmm left loaded, the namespaces
# it created (once it destroyed or created any).
onlined='' unbound='' hmm_loaded='' changed_regions=''
for f in /proc/dynamic_debug/control "$DYNDBG"; do
	[ -w "$f" ] && { DDCTL=$f; break; }
done
# said WHAT: restore could not put WHAT back; the run fails.
said() { echo "bench.sh: could not put back $*" >&2; restore_failed=1; }
# shellcheck disable=SC2317 # run by the EXIT trap
restore() {
	local rc=$? bus drv dev
	restore_failed=0
	trap - EXIT
	trap '' INT TERM HUP
	if [ -n "$onlined" ] && [ "$(basename "$(readlink "$DAXBUS/devices/$onlined/driver" 2>/dev/null)")" = kmem ]; then
		echo "bench.sh: putting $onlined back to devdax (it was online as System RAM)" >&2
		daxctl reconfigure-device -f -m devdax "$onlined" >/dev/null 2>&1 ||
			said "$onlined to devdax: it is still online as System RAM (daxctl offline-memory $onlined; daxctl reconfigure-device -m devdax $onlined)"
	fi
	if [ -n "$unbound" ]; then
		# shellcheck disable=SC2086 # three words
		set -- $unbound
		bus=$1 drv=$2 dev=$3
		if [ ! -e "/sys/bus/$bus/devices/$dev/driver" ]; then
			echo "bench.sh: binding $dev to $drv again" >&2
			echo "$dev" >"/sys/bus/$bus/drivers/$drv/bind" ||
				said "$dev's $drv driver: it is unbound (echo $dev > /sys/bus/$bus/drivers/$drv/bind)"
		fi
	fi
	if [ -n "$hmm_loaded" ] && [ -d /sys/module/test_hmm ]; then
		rmmod test_hmm || said "test_hmm unloaded (rmmod test_hmm)"
	fi
	if [ -n "$changed_regions" ] && [ "$rc" != 0 ]; then
		echo "bench.sh: destroying the namespaces it created in $changed_regions" >&2
		destroy_used || restore_failed=1
	fi
	if [ -n "$instance" ]; then
		echo nop >"$TRACE_DIR/current_tracer"
		rmdir "$TRACE_DIR" || said "the tracing instance: rmdir $TRACE_DIR"
	fi
	[ -z "$chunks" ] || memmap_chunks_remove || said "the tracing instance: rmdir $CHUNK_TRACE"
	[ -z "$dd_was_off" ] || echo 'func memmap_init_zone_device -p' >"$DDCTL" ||
		said "dynamic debug: echo 'func memmap_init_zone_device -p' > $DDCTL"
	[ -z "$threads_was" ] || echo "$threads_was" >"$THREADS_KNOB" ||
		said "memmap_threads: echo $threads_was > $THREADS_KNOB"
	[ -z "$auto_was" ] || echo "$auto_was" >"$AUTO_ONLINE" ||
		said "auto_online_blocks: echo $auto_was > $AUTO_ONLINE"
	[ "$rc" = 0 ] || echo "bench.sh: stopped (exit $rc); $([ "$restore_failed" = 0 ] && echo 'put back what it changed' || echo 'see above what it could not put back')" >&2
	[ "$restore_failed" = 0 ] || [ "$rc" != 0 ] || rc=1
	exit "$rc"
}
trap restore EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
# kill_point NAME: the test hook (BENCH_TEST_KILL_AT, see the header).
kill_point() {
	[ "${BENCH_TEST_KILL_AT:-}" = "$1" ] || return 0
	echo "bench.sh: test hook BENCH_TEST_KILL_AT=$1: sending itself SIGTERM" >&2
	kill -TERM $$
	# The trap runs once this builtin returns; never go on.
	sleep 5
	exit 143
}
[ -z "$BENCH_THREADS" ] || threads_was=$(cat $THREADS_KNOB)
mkdir "$TRACE_DIR" || refuse "could not create the tracing instance $TRACE_DIR"
instance=1
grep -qw function_graph "$TRACE_DIR/available_tracers" ||
	refuse "this kernel runs function_graph only at the top level of tracefs, not in an instance (Linux 6.9 and later do)"
{
	echo mono >"$TRACE_DIR/trace_clock" &&
		echo memmap_init_zone_device >"$TRACE_DIR/set_ftrace_filter" &&
		echo function_graph >"$TRACE_DIR/current_tracer" &&
		echo 1 >"$TRACE_DIR/options/funcgraph-tail" &&
		echo >"$TRACE_DIR/trace"
} || refuse "could not set up function_graph in $TRACE_DIR"
# The threads of each bind, where the kernel has the chunk function.
if [ -n "$BENCH_THREADS" ]; then
	if traceable memmap_init_zone_device_chunk; then
		chunks=1
		memmap_chunks_setup || refuse "could not set up the function tracer in $CHUNK_TRACE"
	else
		echo "# bench.sh: no traceable memmap_init_zone_device_chunk(): used= will be '-'" >&2
	fi
fi
if [ -n "$DDCTL" ]; then
	awk '$2 ~ /[]]memmap_init_zone_device$/ && $3 ~ /p/ { on = 1 } END { exit !on }' "$DDCTL" || dd_was_off=1
	echo 'func memmap_init_zone_device +p' >"$DDCTL"
else
	echo "# bench.sh: no dynamic debug (CONFIG_DYNAMIC_DEBUG): path= will be '-'" >&2
fi
kill_point traced

progress() { echo "# [$(($(date +%s) - t0))s] $*" >&2; }
sum_us() { awk '{ s += $1 } END { if (NR) printf "%.1f", s }'; }

# record CONFIG BIND PAGES: one @bind line for the traced call(s) since the
# last record. Several calls (test_hmm maps one chunk per device) are
# summed; with dynamic debug, the kernel logged one line for each. used=:
# the threads of the last call (memmap_init_threads, since the last record).
record() {
	local durs us logged='' logged_pages path='' used=''
	durs=$(memmap_init_durations)
	us=$(echo "$durs" | sum_us)
	if [ -z "$durs" ] || [ -z "$us" ]; then
		echo "# no memmap_init_zone_device() call traced for $1 bind $2" >&2
		return 1
	fi
	[ -z "$DDCTL" ] || logged=$(memmap_init_logged "$(echo "$durs" | grep -c .)")
	if [ -n "$logged" ]; then
		logged_pages=$(echo "$logged" | sed 's/.*initialised \([0-9]*\) pages.*/\1/' | awk '{ n += $1 } END { print n }')
		if [ "$logged_pages" != "$3" ]; then
			echo "# warning: $1 bind $2: $3 pages computed, the kernel logged $logged_pages; recording $logged_pages" >&2
			set -- "$1" "$2" "$logged_pages"
		fi
		path=$(echo "$logged" | tail -n1 | log_path)
	fi
	if [ -n "$chunks" ]; then
		[ "$T" = - ] || used=$(memmap_init_threads | tail -n1)
		memmap_chunks_clear
	fi
	echo "@bind config=$1 kernel=$KERNEL policy=$P accel=$ACCEL bind=$2 pages=$3 usecs=$us path=${path:--} threads=$T used=${used:--}"
}

# each_threads CMD...: CMD once per BENCH_THREADS value, the knob set to
# it and T naming it; once without BENCH_THREADS.
each_threads() {
	local t
	for t in ${BENCH_THREADS:--}; do
		set_threads "$t" && "$@" || return 1
	done
	set_threads "${BENCH_THREADS%% *}"
}

set_threads() {
	T=${1:--}
	[ "$T" = - ] || echo "$T" >$THREADS_KNOB
}

# destroy_used: the namespaces of the regions this run uses (and may
# destroy: BENCH_DESTROY named each), none of any other; a region that
# still holds one afterwards is named, with ndctl's words, and fails.
destroy_used() {
	local r out left rc=0
	for r in $regions; do
		case " $changed_regions " in *" $r "*) ;; *) changed_regions="${changed_regions:+$changed_regions }$r" ;; esac
		out=$(ndctl destroy-namespace -f all -r "$r" 2>&1)
		left=$(not_destroyed "$r" | tr '\n' ' ')
		[ -n "$left" ] || continue
		echo "bench.sh: could not destroy ${left% } in $r: $(echo "$out" | tail -n3 | tr '\n' ' ')(in use? ndctl list -N -r $r)" >&2
		rc=1
	done
	return $rc
}

# policy_of DIR: the memmap_streaming the device at DIR reads now, the value
# its next bind uses; BENCH_POLICY (default "-") where it has none.
policy_of() {
	cat "$1/memmap_streaming" 2>/dev/null || echo "$POLICY"
}

# rebinds CONFIG BUS DRIVER DEVICE PAGES
rebinds() {
	local i=1
	while [ $i -le "$REBINDS" ]; do
		each_threads rebind_one "$@" $i || return 1
		i=$((i + 1))
	done
}

rebind_one() { # CONFIG BUS DRIVER DEVICE PAGES I
	progress "$1: rebind $6 of $REBINDS${BENCH_THREADS:+, memmap_threads $T}$([ "$T" = 0 ] && echo ' (automatic)')"
	P=$(policy_of "/sys/bus/$2/devices/$4")
	unbound="$2 $3 $4"
	echo "$4" >"/sys/bus/$2/drivers/$3/unbind" || { echo "# $1: unbind of $4 failed" >&2; return 1; }
	kill_point unbound
	echo "$4" >"/sys/bus/$2/drivers/$3/bind" || { echo "# $1: bind of $4 failed" >&2; return 1; }
	unbound=
	record "$1" "$6" "$5"
}

bench_fsdax() { # CONFIG MAP CREATE-ARGS...
	local c=$1 map=$2 json pfn pages
	shift 2
	memmap_init_durations >/dev/null
	progress "$c: first bind (ndctl create-namespace $* -m fsdax -M $map)"
	json=$(ndctl create-namespace "$@" -m fsdax -M "$map") || { echo "# $c: create-namespace failed" >&2; return 1; }
	pfn=$(pfn_of_blockdev "$(echo "$json" | json_field blockdev)")
	pages=$(nd_pfn_pages "$pfn" "$(echo "$json" | json_field dev)" "$map")
	# The seed that became pfn kept the value its bind used.
	P=$(policy_of "$ND/devices/$pfn")
	record "$c" 0 "$pages" || return 1
	rebinds "$c" nd nd_pmem "$pfn" "$pages"
}

bench_devdax() {
	local json dax pages
	memmap_init_durations >/dev/null
	progress "devdax-2m: first bind (ndctl create-namespace -m devdax -a 2M -s $SIZE)"
	json=$(ndctl create-namespace -r "$REGION" -s "$SIZE" -m devdax -a 2M) || { echo "# devdax-2m: create-namespace failed" >&2; return 1; }
	dax=$(echo "$json" | json_field chardev)
	pages=$(($(daxdev_size "$dax") / 4096))
	# Bound as dax_pmem created it, before anyone could write its knob.
	P=$(policy_of "$DAXBUS/devices/$dax")
	record devdax-2m 0 "$pages" || return 1
	rebinds devdax-2m dax device_dax "$dax" "$pages"
}

bench_private() {
	local i=0
	memmap_init_durations >/dev/null
	while [ $i -le "$REBINDS" ]; do
		progress "private: load $i of $REBINDS of test_hmm"
		hmm_loaded=1
		modprobe test_hmm || { echo "# private: modprobe test_hmm failed" >&2; return 1; }
		P=$POLICY
		record private $i "$(iomem_pages hmm_dmirror)" || return 1
		rmmod test_hmm || { echo "# private: rmmod test_hmm failed" >&2; return 1; }
		hmm_loaded=
		i=$((i + 1))
	done
}

# vmem: the rig's virtio-mem device (rig/qemu-run.sh --virtio-mem), plugged
# to ONLINE_SIZE and unplugged, REBINDS+1 times, each block onlined movable
# as it is added; per plug, vmem-memmap sums the traced memmap_init_range()
# calls and vmem-plug the virtio_mem driver's work function (plug and
# online; not the host's side of the resize).
bench_vmem() {
	local rc
	vmem_present || { echo "# vmem: the virtio_mem driver did not bind" >&2; return 1; }
	auto_was=$(cat $AUTO_ONLINE)
	echo online_movable >$AUTO_ONLINE
	printf 'memmap_init_range\nvirtio_mem_run_wq\n' >>"$TRACE_DIR/set_ftrace_filter"
	vmem_plugs
	rc=$?
	echo memmap_init_zone_device >"$TRACE_DIR/set_ftrace_filter"
	echo "$auto_was" >$AUTO_ONLINE
	auto_was=
	return $rc
}

# vmem_settled: every traced call of the virtio_mem work function that
# opened a block ("FUNC() {": it called a traced function, or has not
# returned yet) has closed it.
vmem_settled() {
	[ "$(grep -cE ' virtio_mem_run_wq( \[virtio_mem\])?\(\) \{' "$TRACE_DIR/trace")" = \
		"$(grep -cE '} /\* virtio_mem_run_wq( \[virtio_mem\])? \*/' "$TRACE_DIR/trace")" ]
}

# vmem_resize_to BYTES KB: resize, wait until MemTotal is KB and the driver
# is done.
vmem_resize_to() {
	local n=0
	vmem_resize "$1"
	wait_memtotal "$2" || { echo "# vmem: MemTotal did not reach $2 kB" >&2; return 1; }
	until vmem_settled; do
		[ $n -lt 60 ] || { echo "# vmem: the work function did not return" >&2; return 1; }
		sleep 1
		n=$((n + 1))
	done
}

vmem_plugs() {
	local i=0 gib=${ONLINE_SIZE%G} pages total0 us
	pages=$((gib * 262144))
	total0=$(meminfo MemTotal)
	while [ $i -le "$REBINDS" ]; do
		progress "vmem: plug $i of $REBINDS ($ONLINE_SIZE)"
		echo >"$TRACE_DIR/trace"
		vmem_resize_to $((gib << 30)) $((total0 + (gib << 20))) || return 1
		us=$(traced_durations memmap_init_range | sum_us)
		[ -n "$us" ] || { echo "# vmem: no memmap_init_range() call traced" >&2; return 1; }
		echo "@bind config=vmem-memmap kernel=$KERNEL policy=$POLICY accel=$ACCEL bind=$i pages=$pages usecs=$us path=-"
		us=$(traced_durations virtio_mem_run_wq | sum_us)
		[ -n "$us" ] || { echo "# vmem: no virtio_mem_run_wq() call traced" >&2; return 1; }
		echo "@bind config=vmem-plug kernel=$KERNEL policy=$POLICY accel=$ACCEL bind=$i pages=$pages usecs=$us path=-"
		vmem_resize_to 0 "$total0" || return 1
		i=$((i + 1))
	done
}

bench_online() {
	local json dax pages i=0 out us
	progress "online: ndctl create-namespace -m devdax -a 1G -s $ONLINE_SIZE"
	json=$(ndctl create-namespace -r "$REGION" -s "$ONLINE_SIZE" -m devdax -a 1G) || { echo "# online: create-namespace failed" >&2; return 1; }
	dax=$(echo "$json" | json_field chardev)
	pages=$(($(daxdev_size "$dax") / 4096))
	echo memmap_init_range >>"$TRACE_DIR/set_ftrace_filter"
	while [ $i -le "$REBINDS" ]; do
		progress "online: $i of $REBINDS (daxctl reconfigure-device -m system-ram $dax)"
		echo >"$TRACE_DIR/trace"
		onlined=$dax
		out=$(nstime daxctl reconfigure-device -m system-ram "$dax" 2>&1 >/dev/null) ||
			{ echo "# online: daxctl reconfigure-device -m system-ram $dax failed: $out" >&2; return 1; }
		kill_point online
		us=$(traced_durations memmap_init_range | sum_us)
		[ -n "$us" ] || { echo "# online: no memmap_init_range() call traced" >&2; return 1; }
		echo "@bind config=online-memmap kernel=$KERNEL policy=$POLICY accel=$ACCEL bind=$i pages=$pages usecs=$us path=-"
		us=$(echo "$out" | sed -n 's/^nstime ns=\([0-9]*\)$/\1/p')
		echo "@bind config=online-cmd kernel=$KERNEL policy=$POLICY accel=$ACCEL bind=$i pages=$pages usecs=$((us / 1000)).$((us % 1000 / 100)) path=-"
		out=$(nstime daxctl reconfigure-device -f -m devdax "$dax" 2>&1 >/dev/null) ||
			{ echo "# online: daxctl reconfigure-device -f -m devdax $dax failed: $out" >&2; return 1; }
		onlined=
		us=$(echo "$out" | sed -n 's/^nstime ns=\([0-9]*\)$/\1/p')
		echo "@bind config=offline-cmd kernel=$KERNEL policy=$POLICY accel=$ACCEL bind=$i pages=$pages usecs=$((us / 1000)).$((us % 1000 / 100)) path=-"
		i=$((i + 1))
	done
	echo memmap_init_zone_device >"$TRACE_DIR/set_ftrace_filter"
}

where=guest	# make bench runs this in its guests; an operator, on a host
[ "$ACCEL" = host ] && where=host
echo "@meta ${where}_kernel=$(uname -r)"
echo "@meta ${where}_cmdline=$(cat /proc/cmdline)"
rc=0
for c in $configs; do
	destroy_used || { rc=1; continue; }
	set_threads "${BENCH_THREADS%% *}"
	case "$c" in
	fsdax-dev) bench_fsdax fsdax-dev dev -r "$REGION" -s "$SIZE" ;;
	fsdax-mem) bench_fsdax fsdax-mem mem -r "$REGION" -s "$SIZE" ;;
	devdax-2m) bench_devdax ;;
	virtio-fsdax-dev)
		ns=$(ndctl list -N -r "$VREGION" | json_field dev)
		[ -n "$ns" ] || ns=$(ndctl list -N -i -r "$VREGION" | json_field dev)
		bench_fsdax virtio-fsdax-dev dev -f -e "$ns" ;;
	private) bench_private ;;
	online) bench_online ;;
	vmem) bench_vmem ;;
	*) echo "# unknown configuration '$c'" >&2; false ;;
	esac || rc=1
done
destroy_used || rc=1
progress "done"
exit $rc
