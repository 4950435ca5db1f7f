#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# How much sooner a threaded bind ends when its helper cannot start, with
# padata's cancellation of helpers that have not started (series III's
# patch 1) than without: a 2-vCPU guest whose unbound workqueue cpumask
# holds CPU 1 only, with RT throttling and CPU 1's fair server off, where
# a SCHED_FIFO task spins for HOG_MS around each bind (rt-hog), so the
# helper that padata queues for a 1G fsdax map=dev namespace (2 threads:
# node 0's two CPUs) cannot start until it stops; the caller, a shell on
# CPU 0, writes every chunk itself. Each bind is timed (nstime: the write
# to nd_pmem's bind file) REBINDS times with the test-only
# padata.test_no_cancel at 0 (the series) and 1 (every helper waited for,
# as before the patch), alternating; the medians are printed, and the
# series' must be the shorter.
#
# Usage: cancel.sh [REBINDS]   (default 5) Expects rig/qemu-run.sh -c 2
# --nvdimm 2G and the check kernel; destroys only the namespace it creates.
. "$(dirname "$0")/lib.sh"
rig_guest_only

REBINDS=${1:-5}
HOG_MS=500
RT_RUNTIME=/proc/sys/kernel/sched_rt_runtime_us
FAIR=/sys/kernel/debug/sched/fair_server/cpu1/runtime
KNOB=/sys/module/padata/parameters/test_no_cancel
WQMASK=/sys/devices/virtual/workqueue/cpumask
DRV=/sys/bus/nd/drivers/nd_pmem

# median: the middle of the numbers on stdin (the lower one of two).
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# timed_bind: bind $pfn to nd_pmem; prints the nanoseconds it took.
timed_bind() {
	nstime sh -c "echo $pfn >$DRV/bind" 2>&1 >/dev/null | sed -n 's/^nstime ns=//p'
}

check "CPUs 0-1 online" test "$(cat /sys/devices/system/cpu/online)" = 0-1
check "test-only knob $KNOB" test -w $KNOB
load_pmem_stack
leak_baseline
check "NFIT: labels initialised" init_nfit_labels
json=$(ndctl create-namespace -r region0 -s 1G -m fsdax -M dev)
ns=$(echo "$json" | json_field dev)
blk=$(echo "$json" | json_field blockdev)
if [ -z "$blk" ]; then
	fail "ndctl create-namespace -r region0 -s 1G -m fsdax -M dev"
	summary
	exit
fi
pfn=$(pfn_of_blockdev "$blk")
pass "created fsdax map=dev $ns ($pfn)"

was=$(cat $WQMASK) rt=$(cat $RT_RUNTIME) fair=$(cat $FAIR 2>/dev/null)
check "this shell pinned to CPU 0" taskset -p 1 $$
check "workqueue cpumask set to CPU 1 only" sh -c "echo 2 >$WQMASK"
check "RT throttling off" sh -c "echo -1 >$RT_RUNTIME"
[ -z "$fair" ] || check "CPU 1's fair server off" sh -c "echo 0 >$FAIR"
: >/tmp/cancel-0
: >/tmp/cancel-1
i=0
while [ $i -lt "$REBINDS" ]; do
	i=$((i + 1))
	for m in 0 1; do
		echo $m >$KNOB
		echo "$pfn" >$DRV/unbind || fail "unbind $i, test_no_cancel=$m"
		rt-hog 1 $HOG_MS &
		usleep 50000
		timed_bind >>/tmp/cancel-$m || fail "bind $i, test_no_cancel=$m"
		wait
	done
done
echo 0 >$KNOB
[ -z "$fair" ] || check "CPU 1's fair server back to $fair" sh -c "echo $fair >$FAIR"
check "RT throttling back to $rt" sh -c "echo $rt >$RT_RUNTIME"
check "workqueue cpumask back to $was" sh -c "echo $was >$WQMASK"
with=$(median </tmp/cancel-0)
without=$(median </tmp/cancel-1)
log "binds with the cancellation (ns): $(xargs </tmp/cancel-0)"
log "binds waiting for every helper (ns): $(xargs </tmp/cancel-1)"
log "median bind: ${with} ns with the cancellation, ${without} ns without"
check "$REBINDS binds timed each way" test "$(wc -l </tmp/cancel-0)" = "$REBINDS" -a "$(wc -l </tmp/cancel-1)" = "$REBINDS"
check "the bind ends sooner with the cancellation (median $with < $without ns)" test "${with:-0}" -lt "${without:-0}"
check "kernel log: no warning, BUG or lockdep report; no kmemleak suspect" no_kernel_reports
check "destroyed $ns" ndctl destroy-namespace -f "$ns"
summary
