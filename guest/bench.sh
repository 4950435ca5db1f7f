#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Bench runner: bind one configuration, rebind it R times, and print one
# "@bind" record per bind with memmap_init_zone_device()'s duration from
# function-graph ftrace (identical in base and patched kernels).
#
# In the rig's guest it runs as "bench.sh CONFIG[+CONFIG...] REBINDS SIZE";
# on a real host booted with the kernel under test, as root:
#
#   BENCH_DESTROY=1 guest/bench.sh fsdax-dev 30 100G region0
#
# It destroys every namespace of the region it is given (set BENCH_DESTROY=1
# to agree; the rig's guest does), and needs ndctl, daxctl, tracefs and, for
# "private", the test_hmm module. Records on stdout:
#   @bind config=C kernel=K policy=P accel=A bind=N pages=P usecs=U path=X
#         threads=T used=N
# With BENCH_THREADS="1 2" (values of mm_init.memmap_threads), each rebind
# of the nd and dax configurations is done once per value, alternating, and
# its record says the value (T) and the threads memmap_init_zone_device()
# reports it used (N); the first value holds for everything else.  Without
# BENCH_THREADS, both are "-".
# CONFIG: fsdax-dev fsdax-mem devdax-2m virtio-fsdax-dev private online vmem
# "online" is not a bind: a devdax of ONLINE_SIZE (default 8G, or SIZE if
# less), align=1G, onlined with "daxctl reconfigure-device -m system-ram"
# and taken back, REBINDS+1 times; per onlining, config=online-memmap
# records the traced memmap_init_range() calls summed, config=online-cmd
# the whole command (nstime, from the rig's image). "vmem" plugs the
# rig's virtio-mem device instead (see bench_vmem), and so runs only there.
. "$(dirname "$0")/lib.sh"

configs=$(echo "${1:-}" | tr '+' ' ')
REBINDS=${2:-10}
SIZE=${3:-16G}
REGION=${4:-region0}
VREGION=${VREGION:-region1}
KERNEL=${BENCH_KERNEL:-$(uname -r)}
POLICY=${BENCH_POLICY:--}
ACCEL=${BENCH_ACCEL:-host}
THREADS_KNOB=/sys/module/mm_init/parameters/memmap_threads
T=-
[ "${SIZE%G}" -ge 8 ] 2>/dev/null && ONLINE_SIZE=${ONLINE_SIZE:-8G} || ONLINE_SIZE=${ONLINE_SIZE:-$SIZE}
t0=$(date +%s)

[ -n "$configs" ] || { echo "usage: bench.sh CONFIG[+CONFIG...] [REBINDS] [SIZE] [REGION]" >&2; exit 2; }
[ "$BENCH_DESTROY" = 1 ] || { echo "bench.sh destroys the namespaces of $REGION and $VREGION: set BENCH_DESTROY=1 to agree" >&2; exit 2; }
[ -w "$TRACEFS/set_ftrace_filter" ] || { echo "bench.sh needs tracefs with the function-graph tracer (CONFIG_FUNCTION_GRAPH_TRACER)" >&2; exit 2; }
[ -z "$BENCH_THREADS" ] || [ -w $THREADS_KNOB ] || { echo "BENCH_THREADS: no $THREADS_KNOB in this kernel" >&2; exit 2; }

progress() { echo "# [$(($(date +%s) - t0))s] $*" >&2; }
sum_us() { awk '{ s += $1 } END { if (NR) printf "%.1f", s }'; }

# record CONFIG BIND PAGES: one @bind line for the last traced call(s).
# Several calls (test_hmm maps one chunk per device) are summed.
record() {
	local us
	us=$(memmap_init_durations | sum_us)
	[ -n "$us" ] || { echo "# no memmap_init_zone_device() call traced for $1 bind $2" >&2; return 1; }
	echo "@bind config=$1 kernel=$KERNEL policy=$POLICY accel=$ACCEL bind=$2 pages=$3 usecs=$us path=$(last_path) threads=$T used=$(last_threads)"
}

last_threads() {
	local t
	t=$(memmap_init_threads | tail -n1)
	[ "$T" = - ] || [ -z "$t" ] && t=-
	echo "$t"
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

last_pages() { memmap_init_pages "$(memmap_init_count)"; }

destroy_all() {
	ndctl destroy-namespace -f all -r "$REGION" >/dev/null 2>&1
	ndctl destroy-namespace -f all -r "$VREGION" >/dev/null 2>&1
	true
}

# rebinds CONFIG BUS DRIVER DEVICE
rebinds() {
	local i=1
	while [ $i -le "$REBINDS" ]; do
		each_threads rebind_one "$@" $i || return 1
		i=$((i + 1))
	done
}

rebind_one() { # CONFIG BUS DRIVER DEVICE I
	progress "$1: rebind $5 of $REBINDS${BENCH_THREADS:+, memmap_threads $T}"
	echo "$4" >"/sys/bus/$2/drivers/$3/unbind" && echo "$4" >"/sys/bus/$2/drivers/$3/bind" ||
		{ echo "# $1: rebind of $4 failed" >&2; return 1; }
	record "$1" "$5" "$(memmap_init_pages "$(memmap_init_count)")"
}

bench_fsdax() { # CONFIG MAP CREATE-ARGS...
	local c=$1 map=$2 json blk
	shift 2
	memmap_init_durations >/dev/null
	progress "$c: first bind (ndctl create-namespace $* -m fsdax -M $map)"
	json=$(ndctl create-namespace "$@" -m fsdax -M "$map") || { echo "# $c: create-namespace failed" >&2; return 1; }
	blk=$(echo "$json" | json_field blockdev)
	record "$c" 0 "$(last_pages)" || return 1
	rebinds "$c" nd nd_pmem "$(pfn_of_blockdev "$blk")"
}

bench_devdax() {
	local json dax
	memmap_init_durations >/dev/null
	progress "devdax-2m: first bind (ndctl create-namespace -m devdax -a 2M -s $SIZE)"
	json=$(ndctl create-namespace -r "$REGION" -s "$SIZE" -m devdax -a 2M) || { echo "# devdax-2m: create-namespace failed" >&2; return 1; }
	dax=$(echo "$json" | json_field chardev)
	record devdax-2m 0 "$(last_pages)" || return 1
	rebinds devdax-2m dax device_dax "$dax"
}

bench_private() {
	local i=0 before pages
	rmmod test_hmm 2>/dev/null
	memmap_init_durations >/dev/null
	while [ $i -le "$REBINDS" ]; do
		progress "private: load $i of $REBINDS of test_hmm"
		before=$(memmap_init_count)
		modprobe test_hmm || { echo "# private: modprobe test_hmm failed" >&2; return 1; }
		pages=0
		while [ "$before" -lt "$(memmap_init_count)" ]; do
			before=$((before + 1))
			pages=$((pages + $(memmap_init_pages $before)))
		done
		record private $i $pages || return 1
		rmmod test_hmm
		i=$((i + 1))
	done
}

# vmem: the rig's virtio-mem device (rig/qemu-run.sh --virtio-mem), plugged
# to ONLINE_SIZE and unplugged, REBINDS+1 times, each block onlined movable
# as it is added; per plug, vmem-memmap sums the traced memmap_init_range()
# calls and vmem-plug the virtio_mem driver's work function (plug and
# online; not the host's side of the resize).
bench_vmem() {
	local auto=/sys/devices/system/memory/auto_online_blocks was rc
	vmem_present ||
		{ echo "# vmem: no virtio-mem device (the rig's qemu-run.sh --virtio-mem)" >&2; return 1; }
	was=$(cat $auto)
	echo online_movable >$auto
	printf 'memmap_init_range\nvirtio_mem_run_wq\n' >>"$TRACEFS/set_ftrace_filter"
	vmem_plugs
	rc=$?
	echo memmap_init_zone_device >"$TRACEFS/set_ftrace_filter"
	echo "$was" >$auto
	return $rc
}

# vmem_settled: every traced call of the virtio_mem work function that
# opened a block ("FUNC() {": it called a traced function, or has not
# returned yet) has closed it.
vmem_settled() {
	[ "$(grep -cE ' virtio_mem_run_wq( \[virtio_mem\])?\(\) \{' "$TRACEFS/trace")" = \
		"$(grep -cE '} /\* virtio_mem_run_wq( \[virtio_mem\])? \*/' "$TRACEFS/trace")" ]
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
		echo >"$TRACEFS/trace"
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
	echo memmap_init_range >>"$TRACEFS/set_ftrace_filter"
	while [ $i -le "$REBINDS" ]; do
		progress "online: $i of $REBINDS (daxctl reconfigure-device -m system-ram $dax)"
		echo >"$TRACEFS/trace"
		out=$(nstime daxctl reconfigure-device -m system-ram "$dax" 2>&1 >/dev/null) ||
			{ echo "# online: daxctl reconfigure-device -m system-ram $dax failed: $out" >&2; return 1; }
		us=$(traced_durations memmap_init_range | sum_us)
		[ -n "$us" ] || { echo "# online: no memmap_init_range() call traced" >&2; return 1; }
		echo "@bind config=online-memmap kernel=$KERNEL policy=$POLICY accel=$ACCEL bind=$i pages=$pages usecs=$us path=-"
		us=$(echo "$out" | sed -n 's/^nstime ns=\([0-9]*\)$/\1/p')
		echo "@bind config=online-cmd kernel=$KERNEL policy=$POLICY accel=$ACCEL bind=$i pages=$pages usecs=$((us / 1000)).$((us % 1000 / 100)) path=-"
		daxctl reconfigure-device -f -m devdax "$dax" >/dev/null 2>&1 ||
			{ echo "# online: daxctl reconfigure-device -f -m devdax $dax failed" >&2; return 1; }
		i=$((i + 1))
	done
	echo memmap_init_zone_device >"$TRACEFS/set_ftrace_filter"
}

echo "@meta guest_kernel=$(uname -r)"
echo "@meta guest_cmdline=$(cat /proc/cmdline)"
rc=0
for c in $configs; do
	destroy_all
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
destroy_all
progress "done"
exit $rc
