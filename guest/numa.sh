#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The threads of a memmap run on the node of its memory: a two-node guest
# (rig/qemu-run.sh --two-nodes -c 3: vCPU 0 on node 0, vCPUs 1-2 and the
# NVDIMM on node 1), memremap.memmap_threads at its default (0, automatic:
# node 1's 2 CPUs), an fsdax map=dev namespace rebound until a kworker took
# a chunk.  Every chunk that a kworker wrote
# (function trace of memmap_init_zone_device_chunk: task and CPU) ran on a
# node 1 CPU, although the caller, the shell that writes "bind", runs on
# CPU 0 of node 0, where a workqueue without node binding would put them;
# then padata's KUnit test, whose job bound to node 1 must run its helper
# there.
#
# Usage: numa.sh [SIZE]   (default 1G) Destroys every namespace on region0.
. "$(dirname "$0")/lib.sh"
rig_guest_only

SIZE=${1:-1G}
TRIES=5
CHUNKS=/tmp/chunks

# kworker_chunks: "TASK CPU" of each chunk a kworker wrote in the last rebind.
kworker_chunks() {
	sed -n 's/^ *\(kworker[^ ]*\) *\[0*\([0-9][0-9]*\)\].*memmap_init_zone_device_chunk.*/\1 \2/p' $CHUNKS
}

off_node1() {
	kworker_chunks | while read -r task cpu; do
		[ -e "/sys/devices/system/node/node1/cpu$cpu" ] || echo "$task on CPU $cpu"
	done
}

load_pmem_stack
leak_baseline
check "two nodes, node 1 with CPUs $(cat /sys/devices/system/node/node1/cpulist 2>/dev/null)" \
	test -e /sys/devices/system/node/node1/cpu1
check "NFIT: labels initialised" init_nfit_labels
check "region0 is on node 1" test "$(cat "$ND/devices/region0/numa_node")" = 1
echo 1 >"$VERIFY_CONTROL"
blk=$(ndctl create-namespace -r region0 -s "$SIZE" -m fsdax -M dev | json_field blockdev)
pfn=$(pfn_of_blockdev "$blk")
check "created fsdax map=dev $pfn ($blk)" test -n "$blk"

check "this shell pinned to CPU 0" taskset -p 1 $$
echo memmap_init_zone_device_chunk >"$TRACEFS/set_ftrace_filter"
echo function >"$TRACEFS/current_tracer"
i=0
while [ $i -lt $TRIES ]; do
	i=$((i + 1))
	echo >"$TRACEFS/trace"
	rebind nd nd_pmem "$pfn" || break
	cp "$TRACEFS/trace" $CHUNKS
	[ -n "$(kworker_chunks)" ] && break
done
echo nop >"$TRACEFS/current_tracer"
log "rebind $i: $(grep -c memmap_init_zone_device_chunk $CHUNKS) chunks traced, $(kworker_chunks | wc -l) by a kworker"
check "a kworker wrote chunks within $TRIES rebinds" test -n "$(kworker_chunks)"
check "every kworker chunk ran on node 1$(off_node1 | head -n3 | sed 's/^/; not: /' | xargs)" \
	test -z "$(off_node1)"
check "verification found 0 mismatching pages" test "$(cat "$VERIFY_RESULT")" = 0
# padata's own test of a job bound to a node: node 0 has one CPU and is
# skipped; on node 1 a helper must take a chunk, on node 1.
kunit padata_kunit
check "kernel log: no warning, BUG or lockdep report; no kmemleak suspect" no_kernel_reports
ndctl destroy-namespace -f all -r region0 >/dev/null 2>&1
summary
