#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Serial memmaps where the automatic thread count has one CPU to give: a
# 2-vCPU guest whose CPU 1 may not take the helpers, with
# memremap.memmap_threads at its default (0, automatic: the online
# housekeeping CPUs of the node that are also in the unbound workqueue
# cpumask, capped by the sections and by 8). One 1G fsdax map=dev
# namespace is created and rebound REBINDS times: each rebind must run
# memmap_init_zone_device_chunk() exactly once, from the task that called
# memmap_init_zone_device() (a bind given 2 threads runs one call per chunk,
# several, whoever runs them), take the template path and pass the
# verification.
#
# Usage: serial.sh MODE [SIZE]   (SIZE default 1G)
#   isolcpus    booted with isolcpus=domain,1: /sys/devices/system/cpu/isolated
#               must read 1 and the workqueue cpumask CPU 0 only (isolcpus
#               takes CPU 1 out of it); a rebind stays serial after CPU 1
#               is written back into that cpumask (isolated CPUs never
#               count)
#   wq-cpumask  booted with workqueue.unbound_cpus=0: the workqueue cpumask
#               must read CPU 0 only; then the positive control: with both
#               CPUs written into it, a rebind runs in 2 threads (within
#               TRIES rebinds), with 1 (CPU 0) written, serial again; the
#               boot value is put back
# Expects rig/qemu-run.sh -c 2 --nvdimm SIZE+ and the check kernel, whose
# NFIT labels it initialises (init_nfit_labels, as the other suites), then
# creates its namespace on region0 and destroys only that one.
. "$(dirname "$0")/lib.sh"
rig_guest_only

MODE=${1:-}
SIZE=${2:-1G}
REBINDS=3
TRIES=5
KNOB=/sys/module/memremap/parameters/memmap_threads
WQMASK=/sys/devices/virtual/workqueue/cpumask
ISOLATED=/sys/devices/system/cpu/isolated

# hexmask: the cpumask on stdin ("%*pb": hex, comma-separated 32-bit
# words) without commas and leading zeros: "1" is CPU 0 only, "3" CPUs 0-1.
hexmask() { tr -d ',\n' | sed 's/^0*//'; }

# serial_rebind DESC: rebind $pfn; exactly one chunk, run by the caller.
serial_rebind() {
	local c
	memmap_chunks_clear
	rebind nd nd_pmem "$pfn" || { fail "$1: rebind $pfn"; return; }
	c=$(memmap_init_chunks | xargs)
	check "$1: one chunk, run by the caller (tasks chunks own: '$c', want '1 1 1')" test "$c" = "1 1 1"
	check_template "$1"
}

# threaded_rebind DESC: rebind $pfn until its chunks ran in 2 tasks, at
# most TRIES times; each rebind must run more than one chunk.
threaded_rebind() {
	local i=0 c seen=''
	while [ $i -lt $TRIES ]; do
		i=$((i + 1))
		memmap_chunks_clear
		rebind nd nd_pmem "$pfn" || { fail "$1: rebind $i of $pfn"; return; }
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
	check "isolcpus=domain,1 took CPU 1 out of $WQMASK ('$(cat $WQMASK)')" \
		test "$(hexmask <$WQMASK)" = 1
	;;
wq-cpumask)
	check "booted with workqueue.unbound_cpus=0: $WQMASK reads '$(cat $WQMASK)', CPU 0 only" \
		test "$(hexmask <$WQMASK)" = 1
	;;
*)
	echo "usage: serial.sh isolcpus|wq-cpumask [SIZE]" >&2
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
json=$(ndctl create-namespace -r region0 -s "$SIZE" -m fsdax -M dev)
ns=$(echo "$json" | json_field dev)
blk=$(echo "$json" | json_field blockdev)
if [ -z "$blk" ]; then
	fail "ndctl create-namespace -r region0 -s $SIZE -m fsdax -M dev"
	summary
	exit
fi
pass "created fsdax map=dev $ns ($blk) of $SIZE"
pfn=$(pfn_of_blockdev "$blk")

i=0
while [ $i -lt $REBINDS ]; do
	i=$((i + 1))
	serial_rebind "$MODE: rebind $i of $REBINDS"
done

was=$(hexmask <$WQMASK)
if [ "$MODE" = isolcpus ]; then
	# The workqueue takes isolated CPUs back on purpose when they are
	# written into its cpumask; padata still leaves CPU 1 out of the count,
	# so the rebind stays serial.
	if set_wqmask 3; then
		pass "isolcpus: workqueue cpumask set to CPUs 0-1"
		serial_rebind "isolcpus, CPU 1 written into the workqueue cpumask"
	else
		fail "isolcpus: workqueue cpumask set to CPUs 0-1 (reads $(cat $WQMASK))"
	fi
else
	# Positive control: the same guest and rebind use 2 threads once CPU 1
	# is in the workqueue cpumask, and one when it is taken out again at
	# run time.
	if set_wqmask 3; then
		pass "wq-cpumask: workqueue cpumask set to CPUs 0-1"
		threaded_rebind "wq-cpumask, CPUs 0-1"
	else
		fail "wq-cpumask: workqueue cpumask set to CPUs 0-1 (reads $(cat $WQMASK))"
	fi
	if set_wqmask 1; then
		pass "wq-cpumask: workqueue cpumask set to CPU 0 at run time"
		serial_rebind "wq-cpumask, CPU 0 written at run time"
	else
		fail "wq-cpumask: workqueue cpumask set to CPU 0 at run time (reads $(cat $WQMASK))"
	fi
fi
check "workqueue cpumask back to $was" set_wqmask "$was"
check "kernel log: no warning, BUG or lockdep report; no kmemleak suspect" no_kernel_reports
check "destroyed $ns" ndctl destroy-namespace -f "$ns"
summary
