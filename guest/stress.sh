#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Stress: BINDS memmap initialisations in one boot, cycling an fsdax map=dev
# and a devdax namespace through every way the series reaches them (nd_pmem
# and device_dax unbind/bind, ndctl disable/enable-namespace, daxctl
# reconfigure-device to system-ram and back), the device's policy set before
# each. Meanwhile one process writes auto, on, off and junk to every
# memmap_streaming knob and checks what it reads back, and another checks a
# third namespace's data through its DAX mapping, over and over. At the end:
# every operation succeeded, every namespace's data is intact, the
# verification of the check kernel found no mismatch, the kernel log has no
# warning or lockdep report, kmemleak suspects nothing, and free memory,
# unreclaimable slab and percpu memory are back within 32 MiB, 1 MiB and
# 256 KiB of where they were after the first round.
#
# Usage: stress.sh [BINDS [SIZE]]   (default 1000 256M)
# Expects rig/qemu-run.sh --nvdimm 8G and the check kernel. Destroys every
# namespace on region0.
. "$(dirname "$0")/lib.sh"
rig_guest_only

BINDS=${1:-1000}
SIZE=${2:-256M}
stop=/tmp/stress.stop
t0=$(date +%s)

# knob_writer: until $stop exists, every knob gets auto, on, off and junk,
# round after round (a tenth of a second apart: the binds need the vCPUs
# too); a read must give auto, on or off; junk must be refused.
knob_writer() {
	local writes=0 bad=0 k v r
	while [ ! -e $stop ]; do
		for k in $ND/devices/*/memmap_streaming $DAXBUS/devices/*/memmap_streaming; do
			[ -e "$k" ] || continue
			for v in auto on off junk; do
				# A knob may vanish while its device is re-created.
				if { echo $v >"$k"; } 2>/dev/null; then
					[ $v != junk ] || { bad=$((bad + 1)); echo "# junk accepted by $k"; }
				fi
				{ read -r r <"$k"; } 2>/dev/null || continue
				case "$r" in auto | on | off) ;; *) bad=$((bad + 1)); echo "# $k read '$r'" ;; esac
				writes=$((writes + 1))
			done
		done
		sleep 0.1
	done
	echo "$writes $bad" >/tmp/stress.knobs
}

# dax_reader DAX BYTES SEED: until $stop exists, check the pattern on
# /dev/DAX, twice a second.
dax_reader() {
	local reads=0 bad=0
	while [ ! -e $stop ]; do
		pattern_check "/dev/$1" "$2" "$3" || bad=$((bad + 1))
		reads=$((reads + 1))
		sleep 0.5
	done
	echo "$reads $bad" >/tmp/stress.reads
}

# devdax_ns ALIGN SIZE: create a devdax namespace, print its chardev.
devdax_ns() {
	ndctl create-namespace -r region0 -s "$2" -m devdax -a "$1" | json_field chardev
}

load_pmem_stack
leak_baseline
observe_memmap_init
check "fast-path verification switched on" sh -c "echo 1 >$VERIFY_CONTROL"
check "NFIT: labels initialised" init_nfit_labels
json=$(ndctl create-namespace -r region0 -s "$SIZE" -m fsdax -M dev)
ns=$(echo "$json" | json_field dev)
blk=$(echo "$json" | json_field blockdev)
pfn=$(pfn_of_blockdev "$blk")
dax=$(devdax_ns 1G 2G)
rdax=$(devdax_ns 2M "$SIZE")
check "created fsdax $ns ($blk), devdax $dax (align 1G) and $rdax (align 2M)" \
	test -n "$blk" -a -n "$dax" -a -n "$rdax"
write_patterns() {
	pattern_write "/dev/$blk" "$(blockdev_size "$blk")" 11 &&
		pattern_write "/dev/$dax" "$(daxdev_size "$dax")" 12 &&
		pattern_write "/dev/$rdax" "$(daxdev_size "$rdax")" 13
}
check "patterns written" write_patterns

# init_once N: the N-th initialisation, one of four ways; the device's policy
# is set to auto, on or off first.
init_once() {
	local p
	case $(($1 % 3)) in 0) p=auto ;; 1) p=on ;; 2) p=off ;; esac
	case $(($1 % 4)) in
	0) echo $p >"$ND/devices/$pfn/memmap_streaming" && rebind nd nd_pmem "$pfn" ;;
	1) echo $p >"$DAXBUS/devices/$dax/memmap_streaming" && rebind dax device_dax "$dax" ;;
	2) echo $p >"$ND/devices/$pfn/memmap_streaming" &&
		ndctl disable-namespace "$ns" >/dev/null 2>&1 && ndctl enable-namespace "$ns" >/dev/null 2>&1 ;;
	3) echo $p >"$DAXBUS/devices/$dax/memmap_streaming" &&
		daxctl reconfigure-device -m system-ram --no-online "$dax" >/dev/null 2>&1 &&
		daxctl reconfigure-device -m devdax "$dax" >/dev/null 2>&1 ;;
	esac
}

# One round first, so that what the first binds allocate for good (sysfs,
# caches) is in the baseline.
i=0 failed=0
while [ $i -lt 4 ]; do init_once $i || failed=$((failed + 1)); i=$((i + 1)); done
before=$(mem_snapshot)
mismatches0=$(cat "$VERIFY_TOTAL")
rm -f $stop
knob_writer &
writer=$!
dax_reader "$rdax" "$(daxdev_size "$rdax")" 13 &
reader=$!
i=0
while [ $i -lt "$BINDS" ]; do
	init_once $i || { failed=$((failed + 1)); log "bind $i ($((i % 4))) failed"; }
	i=$((i + 1))
	[ $((i % 100)) = 0 ] && log "[$(($(date +%s) - t0))s] $i of $BINDS binds, $failed failed"
done
touch $stop
wait $writer $reader
check "$BINDS binds, none failed ($failed)" test "$failed" = 0
read -r writes bad </tmp/stress.knobs
check "knob writer: $writes writes and reads, $bad wrong" test "$writes" -gt 0 -a "$bad" = 0
read -r reads bad </tmp/stress.reads
check "DAX reader: $reads passes over /dev/$rdax, $bad with wrong data" test "$reads" -gt 0 -a "$bad" = 0
check "data intact on /dev/$blk" pattern_check "/dev/$blk" "$(blockdev_size "$blk")" 11
check "data intact on /dev/$dax" pattern_check "/dev/$dax" "$(daxdev_size "$dax")" 12
check "verification: no mismatch in any bind" \
	test "$(cat "$VERIFY_TOTAL")" = "$mismatches0"
check "kernel log: no warning, BUG or lockdep report; no kmemleak suspect" no_kernel_reports
# MemFree moves by up to ~20 MiB from run to run whatever the number of
# binds (1,000 binds: -16 MiB once, -3.5 MiB another time; 4 failed binds
# in fault.sh: +5 MiB once, -18 MiB another), so it gets 32 MiB: a leak
# of a memmap per bind would still show many times over; slab and percpu
# memory are the tight checks.
check_resources "$before" 32768 1024 256
check "devices as they were: $dax is devdax, $pfn bound to nd_pmem" \
	test -e "/sys/bus/nd/drivers/nd_pmem/$pfn" -a -e "$DAXBUS/drivers/device_dax/$dax"
log "stress: $BINDS binds in $(($(date +%s) - t0))s"
ndctl destroy-namespace -f all -r region0 >/dev/null 2>&1
summary
