#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Serial memmaps where the automatic thread count has one thread to give:
# a 2-vCPU guest, memremap.memmap_threads at its default (0, automatic:
# at most 8, one per section's worth of struct pages written, one per
# online CPU of the node not isolated from scheduling domains). Each rebind
# named serial must run memmap_init_zone_device_chunk() exactly once, from
# the task that called memmap_init_zone_device() (a bind given 2 threads
# runs one call per chunk, several, whoever runs them), take the template
# path and pass the verification.
#
# Usage: serial.sh MODE
#   isolcpus  booted with isolcpus=domain,1: /sys/devices/system/cpu/isolated
#             must read 1; a 1G fsdax map=dev namespace is rebound
#             REBINDS times, serial, also after CPU 1 is written back into
#             the workqueue cpumask (isolated CPUs never count)
#   dedup     a devdax map=mem namespace of 2G aligned to 1G: its
#             deduplicated vmemmap writes 128 struct pages per GiB, under a
#             section's worth, so REBINDS rebinds are serial although it
#             has two compound pages (counted by pfns, two threads); the
#             positive control, a devdax map=mem namespace aligned to 2M in
#             the rest of the region (over four sections' worth), runs its
#             chunks in 2 tasks within TRIES rebinds
# Expects rig/qemu-run.sh -c 2 --nvdimm 2G (isolcpus) or 4G (dedup) and
# the check kernel, whose NFIT labels it initialises (init_nfit_labels, as
# the other suites), then creates its namespaces on region0 and destroys
# only those.
. "$(dirname "$0")/lib.sh"
rig_guest_only

MODE=${1:-}
REBINDS=3
TRIES=20	# a kworker starved by a loaded host may miss a few rebinds
KNOB=/sys/module/memremap/parameters/memmap_threads
WQMASK=/sys/devices/virtual/workqueue/cpumask
ISOLATED=/sys/devices/system/cpu/isolated

# hexmask: the cpumask on stdin ("%*pb": hex, comma-separated 32-bit
# words) without commas and leading zeros: "1" is CPU 0 only, "3" CPUs 0-1.
hexmask() { tr -d ',\n' | sed 's/^0*//'; }

# serial_rebind DESC: rebind $dev; exactly one chunk, run by the caller.
serial_rebind() {
	local c
	memmap_chunks_clear
	rebind $bus $drv "$dev" || { fail "$1: rebind $dev"; return; }
	c=$(memmap_init_chunks | xargs)
	check "$1: one chunk, run by the caller (tasks chunks own: '$c', want '1 1 1')" test "$c" = "1 1 1"
	check_template "$1"
}

# threaded_rebind DESC: rebind $dev until its chunks ran in 2 tasks, at
# most TRIES times; each rebind must run more than one chunk.
threaded_rebind() {
	local i=0 c seen=''
	while [ $i -lt $TRIES ]; do
		i=$((i + 1))
		memmap_chunks_clear
		rebind $bus $drv "$dev" || { fail "$1: rebind $i of $dev"; return; }
		c=$(memmap_init_chunks | xargs)
		seen="${seen:+$seen; }$c"
		case "$c" in
		"2 "*) break ;;
		esac
	done
	log "$1: tasks chunks own per rebind: $seen"
	check "$1: a rebind ran its chunks in 2 tasks within $i rebinds" test "${c%% *}" = 2
	check "$1: no rebind ran a single chunk ($seen)" sh -c "! echo '$seen' | grep -qE '(^|; )[0-9]+ 1 '"
	check_template "$1"
}

check_template() {
	# shellcheck disable=SC2254
	case "$(last_path)" in
	template*) pass "$1: took the $(last_path) path" ;;
	*) fail "$1: took the '$(last_path)' path, expected template*" ;;
	esac
	check "$1: verification found 0 mismatching pages" test "$(cat "$VERIFY_RESULT")" = 0
}

# set_wqmask HEX: write the workqueue cpumask; it must read HEX back.
set_wqmask() { echo "$1" >$WQMASK && [ "$(hexmask <$WQMASK)" = "$1" ]; }

case "$MODE" in
isolcpus)
	check "booted with isolcpus=domain,1: $ISOLATED reads '$(cat $ISOLATED)', want 1" \
		test "$(cat $ISOLATED)" = 1
	;;
dedup) ;;
*)
	echo "usage: serial.sh isolcpus|dedup" >&2
	exit 2
	;;
esac
check "CPUs 0-1 online" test "$(cat /sys/devices/system/cpu/online)" = 0-1
check "$KNOB is 0 (automatic), the default" test "$(cat $KNOB)" = 0
load_pmem_stack
leak_baseline
check "chunk trace: function tracer on memmap_init_zone_device(_chunk) in $CHUNK_TRACE" memmap_chunks_setup
check "fast-path verification switched on" sh -c "echo 1 >$VERIFY_CONTROL"
check "NFIT: labels initialised" init_nfit_labels
# make_ns DESC ARGS...: create a namespace on region0 with ARGS; sets $ns
# and the $bus, $drv and $dev whose rebind writes its memmap.
make_ns() {
	local desc=$1 json blk
	shift
	if ! json=$(ndctl create-namespace -r region0 "$@"); then
		fail "$desc: ndctl create-namespace -r region0 $*"
		return 1
	fi
	ns=$(echo "$json" | json_field dev)
	blk=$(echo "$json" | json_field blockdev)
	if [ -n "$blk" ]; then
		bus=nd drv=nd_pmem dev=$(pfn_of_blockdev "$blk")
	else
		bus=dax drv=device_dax dev=$(echo "$json" | json_field chardev)
	fi
	created="$created $ns"
	pass "$desc: created $ns, $drv binds $dev"
}

created=''
if [ "$MODE" = isolcpus ]; then
	make_ns "fsdax map=dev 1G" -s 1G -m fsdax -M dev || { summary; exit; }
	i=0
	while [ $i -lt $REBINDS ]; do
		i=$((i + 1))
		serial_rebind "isolcpus: rebind $i of $REBINDS"
	done
	# The workqueue takes isolated CPUs back on purpose when they are
	# written into its cpumask; padata still leaves CPU 1 out of the count,
	# so the rebind stays serial.
	was=$(hexmask <$WQMASK)
	if set_wqmask 3; then
		pass "isolcpus: workqueue cpumask set to CPUs 0-1"
		serial_rebind "isolcpus, CPU 1 written into the workqueue cpumask"
	else
		fail "isolcpus: workqueue cpumask set to CPUs 0-1 (reads $(cat $WQMASK))"
	fi
	check "workqueue cpumask back to $was" set_wqmask "$was"
else
	if make_ns "devdax map=mem align=1G of 2G" -s 3G -m devdax -M mem -a 1G; then
		check "dedup: $dev is 2G (two 1G compound pages)" test "$(daxdev_size "$dev")" = $((2 << 30))
		i=0
		while [ $i -lt $REBINDS ]; do
			i=$((i + 1))
			serial_rebind "dedup, align=1G: rebind $i of $REBINDS"
		done
	fi
	make_ns "devdax map=mem align=2M, the rest of region0" -m devdax -M mem -a 2M &&
		threaded_rebind "dedup, align=2M"
fi
check "kernel log: no warning, BUG or lockdep report; no kmemleak suspect" no_kernel_reports
for n in $created; do
	check "destroyed $n" ndctl destroy-namespace -f "$n"
done
summary
