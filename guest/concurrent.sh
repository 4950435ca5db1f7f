#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Concurrent binds: four namespaces of four kinds (fsdax map=dev, fsdax
# map=mem, devdax align=2M, devdax align=4K) on one region, their memmaps
# written while the others' are, each with the automatic thread count
# (memremap.memmap_threads 0, on 2 vCPUs: the caller and a kworker each).
#
# Round 1: "ndctl disable-namespace all" and "ndctl enable-namespace all"
# on region0. ndctl enables them one after the other, so the memmaps may
# not overlap; the trace says (function graph of memmap_init_zone_device(),
# its calls' start and end). If they did not, round 2 unbinds the four
# devices (nd_pmem's pfn devices, device_dax's dax devices) and writes the
# four driver bind files at once, from four background shells released
# together, until two calls overlapped (at most TRIES times). Each round:
# every namespace bound again, four memmap_init_zone_device() calls, the
# verification of the check kernel compared four binds (four "verified"
# kernel lines) and found no mismatching struct page, the data written
# before intact; at the end no warning, BUG, lockdep report or kmemleak
# suspect.
#
# Usage: concurrent.sh [SIZE]   (default 1G; rig/qemu-run.sh --nvdimm 8G)
# Initialises the NFIT labels (init_nfit_labels); destroys only the four
# namespaces it created ("all" in round 1 re-enables every namespace of
# region0, which in the rig's guest are those four).
. "$(dirname "$0")/lib.sh"
rig_guest_only

SIZE=${1:-1G}
TRIES=3
SPANS=$TRACEFS/instances/memmap_spans
GO=/tmp/concurrent.go

# verified_lines: the verification's kernel lines so far, one per bind.
verified_lines() { dmesg | grep 'memmap_init_zone_device: verified [0-9]* pages'; }

# Each namespace: "NAMESPACE BUS DRIVER DEVICE /dev/NODE BYTES SEED".
NS=/tmp/concurrent.ns
: >$NS

# make_ns NAME ARGS...: create a namespace on region0, note it in $NS and
# write a pattern to it.
make_ns() {
	local name=$1 json ns node dev bus drv bytes seed
	shift
	if ! json=$(ndctl create-namespace -r region0 -s "$SIZE" "$@"); then
		fail "$name: ndctl create-namespace -r region0 -s $SIZE $*"
		return
	fi
	ns=$(echo "$json" | json_field dev)
	node=$(echo "$json" | json_field blockdev)
	if [ -n "$node" ]; then
		bus=nd drv=nd_pmem dev=$(pfn_of_blockdev "$node") bytes=$(blockdev_size "$node")
	else
		node=$(echo "$json" | json_field chardev)
		bus=dax drv=device_dax dev=$node bytes=$(daxdev_size "$node")
	fi
	seed=$(($(wc -l <$NS) + 21))
	echo "$ns $bus $drv $dev /dev/$node $bytes $seed" >>$NS
	check "$name: created $ns, $drv binds $dev (/dev/$node)" pattern_write "/dev/$node" "$bytes" "$seed"
}

# all_bound: every namespace's device is bound to its driver again.
all_bound() {
	local ns bus drv dev node bytes seed bad=0
	while read -r ns bus drv dev node bytes seed; do
		[ -e "/sys/bus/$bus/drivers/$drv/$dev" ] || { log "$dev ($ns) not bound to $drv"; bad=1; }
	done <$NS
	return $bad
}

data_intact() {
	local ns bus drv dev node bytes seed bad=0
	while read -r ns bus drv dev node bytes seed; do
		pattern_check "$node" "$bytes" "$seed" || { log "$node ($ns): data differs"; bad=1; }
	done <$NS
	return $bad
}

# round_start / round_end NAME: clear the traces, note the verification
# counts; then check what the round did.
round_start() {
	memmap_chunks_clear
	echo >"$SPANS/trace"
	v0=$(verified_lines | wc -l)
	m0=$(cat "$VERIFY_TOTAL")
}

round_end() {
	local calls v bad spans
	spans=$(memmap_init_spans "$SPANS/trace")
	calls=$(echo "$spans" | grep -c .)
	overlaps=$(echo "$spans" | spans_overlapping)
	echo "$spans" | sed "s/^/# $1: memmap_init_zone_device() from-to (s): /"
	log "$1: threads per call: $(memmap_init_threads | xargs) (calls that overlapped share their chunks)"
	check "$1: every namespace bound again" all_bound
	check "$1: 4 memmap_init_zone_device() calls traced ($calls)" test "$calls" = 4
	v=$(verified_lines | tail -n +$((v0 + 1)))
	bad=$(echo "$v" | grep -vc ' 0 mismatches')
	check "$1: the verification compared 4 binds ($(echo "$v" | grep -c .)), 0 mismatching pages ($bad with some)" \
		test "$(echo "$v" | grep -c ' 0 mismatches')" = 4 -a "$bad" = 0
	check "$1: total mismatches unchanged" test "$(cat "$VERIFY_TOTAL")" = "$m0"
	check "$1: data intact" data_intact
}

# bind_at_once: unbind the four devices, then write their bind files from
# four background shells released together.
bind_at_once() {
	local ns bus drv dev node bytes seed i=0
	rm -f $GO /tmp/concurrent.bind.*
	while read -r ns bus drv dev node bytes seed; do
		echo "$dev" >"/sys/bus/$bus/drivers/$drv/unbind" || log "unbind $dev failed"
	done <$NS
	round_start
	while read -r ns bus drv dev node bytes seed; do
		i=$((i + 1))
		(
			until [ -e $GO ]; do usleep 1000; done
			if echo "$dev" >"/sys/bus/$bus/drivers/$drv/bind"; then r=0; else r=1; fi
			echo $r >/tmp/concurrent.bind.$i
		) &
	done <$NS
	sleep 1
	touch $GO
	wait
	check "bind files: 4 writes, all succeeded" test "$(cat /tmp/concurrent.bind.* 2>/dev/null | grep -cx 0)" = 4
}

load_pmem_stack
leak_baseline
check "chunk trace: function tracer on memmap_init_zone_device(_chunk) in $CHUNK_TRACE" memmap_chunks_setup
check "span trace: function_graph on memmap_init_zone_device in $SPANS" memmap_spans_setup "$SPANS"
check "fast-path verification switched on" sh -c "echo 1 >$VERIFY_CONTROL"
check "memremap.memmap_threads is 0 (automatic), the default" \
	test "$(cat /sys/module/memremap/parameters/memmap_threads)" = 0
check "NFIT: labels initialised" init_nfit_labels
make_ns fsdax-dev -m fsdax -M dev
make_ns fsdax-mem -m fsdax -M mem
make_ns devdax-2m -m devdax -a 2M
make_ns devdax-4k -m devdax -a 4K
if [ "$(wc -l <$NS)" != 4 ]; then
	fail "4 namespaces created ($(wc -l <$NS))"
else
	round_start
	check "ndctl disable-namespace all -r region0" ndctl disable-namespace all -r region0
	check "ndctl enable-namespace all -r region0" ndctl enable-namespace all -r region0
	round_end "ndctl enable-namespace all"
	log "ndctl enable-namespace all: $overlaps calls began before an earlier one had ended"
	try=0
	while [ "$overlaps" = 0 ] && [ $try -lt $TRIES ]; do
		try=$((try + 1))
		bind_at_once
		round_end "bind files at once, try $try"
	done
	check "two memmap_init_zone_device() calls overlapped in time ($overlaps overlapping starts, round 2 tries: $try)" \
		test "$overlaps" -gt 0
fi
check "kernel log: no warning, BUG or lockdep report; no kmemleak suspect" no_kernel_reports
while read -r ns bus drv dev node bytes seed; do
	ndctl destroy-namespace -f "$ns" >/dev/null 2>&1 || fail "destroy $ns"
done <$NS
echo nop >"$SPANS/current_tracer"
rmdir "$SPANS"
summary
