#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Faults where the series' code has run: with the check kernel's
# fail_probes (a test-only patch), an nd_pmem probe of an fsdax map=dev
# namespace and a device_dax probe fail right after memremap_pages() wrote
# their memmap, which devres then tears down; with streaming on and off.
# The KUnit test fails the second range of two-range pgmaps (another
# test-only patch) for each memmap type, order and streaming flag.
# Each failed bind must report the error and leave the device unbound,
# keep the knob's value, and let the next bind work with the data intact.
# At the end: no kernel report, no kmemleak suspect, and free memory,
# unreclaimable slab and percpu memory within 32 MiB, 512 KiB and 64 KiB of
# where they were.
#
# Usage: fault.sh [SIZE]   (default 256M)
# Expects rig/qemu-run.sh --nvdimm 8G and the check kernel. Destroys every
# namespace on region0.
. "$(dirname "$0")/lib.sh"
rig_guest_only

SIZE=${1:-256M}
FAIL=/sys/kernel/debug/zone_device_memmap/fail_probes
injected=0

# fail_once NAME BUS DRIVER DEVICE KNOB POLICY DEV BYTES SEED
fail_once() {
	local drv=/sys/bus/$2/drivers/$3
	echo "$6" >"$5"
	echo "$4" >"$drv/unbind"
	echo 1 >$FAIL
	injected=$((injected + 1))
	check "$1, $6: the bind fails" sh -c "! echo $4 >$drv/bind"
	check "$1, $6: the fault was taken" test "$(cat $FAIL)" = 0
	check "$1, $6: $4 is left unbound" test ! -e "$drv/$4"
	check "$1, $6: memmap_streaming still $6" test "$(cat "$5")" = "$6"
	check "$1, $6: the next bind works" sh -c "echo $4 >$drv/bind"
	check "$1, $6: data intact" pattern_check "/dev/$7" "$8" "$9"
}

[ -w $FAIL ] || { fail "no $FAIL: not the check kernel"; summary; exit; }
load_pmem_stack
leak_baseline
check "NFIT: labels initialised" init_nfit_labels
blk=$(ndctl create-namespace -r region0 -s "$SIZE" -m fsdax -M dev | json_field blockdev)
pfn=$(pfn_of_blockdev "$blk")
dax=$(ndctl create-namespace -r region0 -s "$SIZE" -m devdax -a 2M | json_field chardev)
check "created fsdax $pfn ($blk) and devdax $dax" test -n "$blk" -a -n "$dax"
bbytes=$(blockdev_size "$blk") dbytes=$(daxdev_size "$dax")
write_patterns() { pattern_write "/dev/$blk" "$bbytes" 21 && pattern_write "/dev/$dax" "$dbytes" 22; }
check "patterns written" write_patterns
# One good bind each first: what a bind allocates for good is baseline.
rebind nd nd_pmem "$pfn" && rebind dax device_dax "$dax"
before=$(mem_snapshot)

for p in on off; do
	fail_once "nd_pmem $pfn" nd nd_pmem "$pfn" "$ND/devices/$pfn/memmap_streaming" $p "$blk" "$bbytes" 21
	fail_once "device_dax $dax" dax device_dax "$dax" "$DAXBUS/devices/$dax/memmap_streaming" $p "$dax" "$dbytes" 22
done

# No driver in this guest builds a multi-range pgmap: the KUnit test's
# two-range pgmaps fail their second range, once per memmap test parameter.
kunit zone_device_memmap_kunit
n=$(sed -n '/# Subtest: zdm_multi_range_fault/,/ok [0-9]* zdm_multi_range_fault/p' \
	/tmp/kunit-zone_device_memmap_kunit | grep -c '^        ok [0-9]* [^#]*$')
check "multi-range pgmap: $n second ranges failed and were torn down" test "$n" -gt 0
injected=$((injected + n))

check "kernel log: no warning, BUG or lockdep report; no kmemleak suspect" no_kernel_reports
log "$injected faults injected"
# MemFree moves by up to ~20 MiB from run to run: see guest/stress.sh.
check_resources "$before" 32768 512 64
ndctl destroy-namespace -f all -r region0 >/dev/null 2>&1
summary
