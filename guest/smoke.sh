#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Smoke suite: bring persistent and device-private memory online every way
# the series touches, on the kernel as it stands (base or patched), and check
# that memmap_init_zone_device() ran for each bind and that data written to a
# namespace before a rebind or reconfiguration reads back identical after it.
#
# Expects (rig/qemu-run.sh --nvdimm 8G --virtio-pmem 2G --virtio-mem 2G): one
# labelled NFIT region (region0) with room for 3 x SIZE + 2 GiB of
# namespaces, one virtio-pmem region, and a virtio-mem device of 1 GiB or
# more (patched kind). Destroys every namespace on them.
#
# Usage: smoke.sh [NFIT_NS_SIZE [KIND]]   (default 1G, base)
# KIND says what the kernel is and so which path memmap_init_zone_device()
# must report (on its "memmap_init_zone_device initialised N pages in Mms,
# PATH path" line): base (reports none), patched (the template path, with or
# without streaming), kasan (the slow path: sanitizer builds never copy
# templates). The patched kinds also run the series' KUnit suites and the
# fast-path verification, which only the test-only patch adds
# (patches/test-only/): make check runs them on its check kernel (the series
# plus that patch) and on the KASAN build of it. The kasan kind binds
# legacy e820 pmem (memmap=X!Y) instead of NFIT and virtio-pmem: under KASAN
# and TCG, NVDIMM labels (ACPI methods) time out, and virtio-pmem does not
# probe with pci=noacpi, which the KASAN guest needs (see rig/check.sh).
# Every kind ends by checking the kernel log for warnings and reports, and
# for kmemleak's where the kernel has it.
. "$(dirname "$0")/lib.sh"
rig_guest_only

SIZE=${1:-1G}
KIND=${2:-base}
case "$KIND" in
base) EXPECT_PATH=- ;;
patched) EXPECT_PATH='template*' ;;
kasan) EXPECT_PATH=slow ;;
*) echo "smoke.sh: unknown kernel kind '$KIND' (base, patched, kasan)"; exit 2 ;;
esac
seed=1

# expect_inits BEFORE DESC [exact]: memmap_init_zone_device() logged since
# BEFORE, exactly once when "exact" is given, at least once otherwise.
expect_inits() {
	local now n pages
	now=$(memmap_init_count)
	n=$((now - $1))
	pages=$(memmap_init_pages "$now")
	if [ "$n" -lt 1 ] || { [ "$3" = exact ] && [ "$n" != 1 ]; }; then
		fail "$2: memmap_init_zone_device() ran $n times${3:+, expected exactly 1}"
	elif [ "${pages:-0}" -le 0 ]; then
		fail "$2: memmap_init_zone_device() initialised no pages"
	else
		pass "$2: memmap_init_zone_device() ran ($pages pages$(last_duration))"
	fi
	check_verify "$2"
	check_path "$2"
}

# check_path DESC: the path the kernel reported is the one KIND expects.
check_path() {
	local p
	[ "$EXPECT_PATH" = - ] && return 0
	p=$(last_path)
	# shellcheck disable=SC2254
	case "$p" in
	$EXPECT_PATH) pass "$1: took the $p path" ;;
	*) fail "$1: took the '$p' path, expected $EXPECT_PATH" ;;
	esac
}

# last_duration: ", N us" from the function-graph trace, when available.
last_duration() {
	local d
	d=$(memmap_init_durations | tail -n1)
	[ -n "$d" ] && echo ", $d us"
}

# check_verify DESC: with the patched kernel's debug verification on, the
# template fast path must have written exactly what the slow path writes.
check_verify() {
	[ -r "$VERIFY_RESULT" ] || return 0
	local m
	m=$(cat "$VERIFY_RESULT")
	if [ "$m" = 0 ]; then pass "$1: verification found 0 mismatching pages"; else fail "$1: verification found $m mismatching pages"; fi
}

# rebind_keeps_data NAME DEV BYTES BUS DRIVER DEVICE: write a pattern to
# /dev/DEV, unbind and bind DEVICE, check memmap init ran once and the
# pattern survived.
rebind_keeps_data() {
	local name=$1 dev=$2 bytes=$3 before
	check "$name: wrote a pattern to /dev/$dev" pattern_write "/dev/$dev" "$bytes" $seed
	before=$(memmap_init_count)
	check "$name: $5 unbind/bind $6" rebind "$4" "$5" "$6"
	expect_inits "$before" "$name: rebind" exact
	check "$name: data intact after rebind" pattern_check "/dev/$dev" "$bytes" $seed
}

# fsdax NAME MAP (-r REGION -s SIZE | -f -e NAMESPACE)
fsdax() {
	local name=$1 map=$2 before json blk pfn bytes
	shift 2
	seed=$((seed + 1))
	before=$(memmap_init_count)
	if ! json=$(ndctl create-namespace "$@" -m fsdax -M "$map"); then
		fail "$name: ndctl create-namespace $* -m fsdax -M $map"
		return
	fi
	blk=$(echo "$json" | json_field blockdev)
	pass "$name: created $(echo "$json" | json_field dev) as /dev/$blk"
	expect_inits "$before" "$name: create"
	pfn=$(pfn_of_blockdev "$blk")
	bytes=$(blockdev_size "$blk")
	rebind_keeps_data "$name" "$blk" "$bytes" nd nd_pmem "$pfn"
	before=$(memmap_init_count)
	check "$name: ndctl disable/enable-namespace" sh -c \
		"ndctl disable-namespace $(echo "$json" | json_field dev) && ndctl enable-namespace $(echo "$json" | json_field dev)"
	expect_inits "$before" "$name: re-enable" exact
	check "$name: data intact after re-enable" pattern_check "/dev/$blk" "$bytes" $seed
}

dax_mode() { daxctl list -d "$1" | json_field mode; }

# devdax NAME ALIGN CREATE-ARGS...: create, write, device_dax rebind, check.
# Sets $dax and $bytes for the steps that follow.
devdax() {
	local name=$1 align=$2 before json
	shift 2
	seed=$((seed + 1))
	before=$(memmap_init_count)
	if ! json=$(ndctl create-namespace "$@" -m devdax -a "$align"); then
		fail "$name: ndctl create-namespace $* -m devdax -a $align"
		return 1
	fi
	dax=$(echo "$json" | json_field chardev)
	pass "$name: created $(echo "$json" | json_field dev) as /dev/$dax"
	expect_inits "$before" "$name: create"
	bytes=$(daxdev_size "$dax")
	rebind_keeps_data "$name" "$dax" "$bytes" dax device_dax "$dax"
}

# daxctl_cycle NAME: $dax to system-ram and back, offline then online.
# daxctl 76 needs the range to start on a memory block (128M here): only an
# align=1G namespace guarantees that.
daxctl_cycle() {
	local name=$1 before
	# Without onlining, nothing may write the memory: the data must survive.
	check "$name: daxctl reconfigure-device -m system-ram --no-online" \
		daxctl reconfigure-device -m system-ram --no-online "$dax"
	check "$name: mode is system-ram" test "$(dax_mode "$dax")" = system-ram
	before=$(memmap_init_count)
	check "$name: daxctl reconfigure-device -m devdax" \
		daxctl reconfigure-device -m devdax "$dax"
	check "$name: mode is devdax" test "$(dax_mode "$dax")" = devdax
	expect_inits "$before" "$name: back to devdax" exact
	check "$name: data intact after system-ram and back" pattern_check "/dev/$dax" "$bytes" $seed

	# Online as system RAM (its contents are the kernel's then), and back:
	# the memmap in RAM, then in the hotplugged memory itself.
	online_cycle "$name"
	if [ "$(cat /sys/module/memory_hotplug/parameters/memmap_on_memory 2>/dev/null)" != Y ]; then
		fail "$name: boot with memory_hotplug.memmap_on_memory=1 (rig/check.sh does)"
	elif check "$name: memmap_on_memory set to 1" sh -c "echo 1 >$DAXBUS/devices/$dax/memmap_on_memory"; then
		online_cycle "$name, memmap_on_memory" on-memory
		check "$name: memmap_on_memory set back to 0" sh -c "echo 0 >$DAXBUS/devices/$dax/memmap_on_memory"
	fi
}

memtotal_bytes() { echo $(($(meminfo MemTotal) * 1024)); }

# online_cycle NAME [on-memory]: $dax online as system RAM and back to
# devdax. MemTotal tells where the memmap went: with on-memory it takes
# part of the new memory, otherwise all of it is added. The check kernel's
# verification must have compared every onlined struct page with the slow
# path (the vmemmap's own ones included), and found no difference.
online_cycle() {
	local name=$1 before total0 grew v0 m0 pages=$((bytes / 4096))
	total0=$(memtotal_bytes)
	v0=$(cat "$HOTPLUG_VERIFIED" 2>/dev/null)
	m0=$(cat "$HOTPLUG_MISMATCHES" 2>/dev/null)
	check "$name: daxctl reconfigure-device -m system-ram (online)" \
		daxctl reconfigure-device -m system-ram "$dax"
	check "$name: memory online" test "$(daxctl list -d "$dax" | json_field online_memblocks)" -gt 0
	grew=$(($(memtotal_bytes) - total0))
	if [ "$2" = on-memory ]; then
		check "$name: MemTotal grew by less than $bytes ($grew): the memmap is on the memory" \
			test "$grew" -gt 0 -a "$grew" -lt "$bytes"
	else
		check "$name: MemTotal grew by $bytes ($grew)" test "$grew" = "$bytes"
	fi
	if [ -n "$v0" ] && [ "$KIND" = kasan ]; then
		check "$name: the slow path wrote every struct page (verification on, no template write verified)" \
			test "$(cat "$VERIFY_CONTROL")" = 1 -a "$(cat "$HOTPLUG_VERIFIED")" = "$v0"
	elif [ -n "$v0" ]; then
		check "$name: the template path wrote all $pages struct pages ($(($(cat "$HOTPLUG_VERIFIED") - v0)) verified)" \
			test $(($(cat "$HOTPLUG_VERIFIED") - v0)) = "$pages"
		check "$name: verification found 0 mismatching hotplugged pages" \
			test "$(cat "$HOTPLUG_MISMATCHES")" = "$m0"
	fi
	before=$(memmap_init_count)
	check "$name: daxctl reconfigure-device -f -m devdax (offline first)" \
		daxctl reconfigure-device -f -m devdax "$dax"
	expect_inits "$before" "$name: online system-ram back to devdax" exact
}

# virtio_mem_cycle: plug 1 GiB of the virtio-mem device (rig/qemu-run.sh
# --virtio-mem), each memory block onlined movable as it is added, and
# unplug it. The check kernel's verification compares every hotplugged
# struct page with the slow path.
virtio_mem_cycle() {
	local auto=/sys/devices/system/memory/auto_online_blocks was total0 v0 m0 pages=262144
	if ! vmem_present; then
		fail "virtio-mem: no device bound to virtio_mem (rig/check.sh boots with --virtio-mem)"
		return
	fi
	was=$(cat $auto)
	echo online_movable >$auto
	total0=$(meminfo MemTotal)
	v0=$(cat "$HOTPLUG_VERIFIED") m0=$(cat "$HOTPLUG_MISMATCHES")
	vmem_resize $((1 << 30))
	check "virtio-mem: 1 GiB plugged and online (MemTotal grew by 1 GiB)" \
		wait_memtotal $((total0 + (1 << 20))) 300
	check "virtio-mem: the template path wrote all $pages struct pages ($(($(cat "$HOTPLUG_VERIFIED") - v0)) verified)" \
		test $(($(cat "$HOTPLUG_VERIFIED") - v0)) = $pages
	check "virtio-mem: verification found 0 mismatching hotplugged pages" \
		test "$(cat "$HOTPLUG_MISMATCHES")" = "$m0"
	vmem_resize 0
	check "virtio-mem: unplugged (MemTotal back)" wait_memtotal "$total0" 300
	echo "$was" >$auto
}

# While the page_ref_set tracepoint is on, every struct page must go
# through the slow path, whose set_page_count() calls emit the events.
tracepoint_fallback() {
	local ev=$TRACEFS/events/page_ref/page_ref_set/enable pfn
	pfn=$(pfn_of_blockdev pmem0)
	if [ ! -w "$ev" ]; then
		fail "tracepoint: no page_ref_set event (CONFIG_DEBUG_PAGE_REF)"
		return
	fi
	echo 1 >"$ev"
	check "tracepoint: rebind $pfn with page_ref_set on" rebind nd nd_pmem "$pfn"
	echo 0 >"$ev"
	check "tracepoint: the slow path was taken" test "$(last_path)" = slow
	check "tracepoint: no chunk traced (the slow path has none)" test "$(memmap_init_threads | tail -n1)" = 0
	check "tracepoint: page_ref_set events were emitted" grep -q page_ref_set "$TRACEFS/trace"
	echo >"$TRACEFS/trace"
	check "tracepoint: rebind $pfn with page_ref_set off" rebind nd nd_pmem "$pfn"
	check_path "tracepoint: off again"
}

# param_read_only: libnvdimm.memmap_streaming is set at boot or load only.
param_read_only() {
	local p=/sys/module/libnvdimm/parameters/memmap_streaming
	! { echo off >$p; } 2>/dev/null && [ "$(cat $p)" = auto ]
}

# bad_input KNOB [LABEL...]: each malformed value (default: those of a
# streaming policy) is refused (EINVAL; E2BIG where it is longer than a
# page) and leaves the knob as it was.
bad_input() {
	local knob=$1 before v label err
	shift
	[ $# -gt 0 ] || set -- empty 1 0 leading-space trailing-space tab non-ascii two-words upper-case 5000-chars
	before=$(cat "$knob")
	for label in "$@"; do
		case "$label" in
		empty) v= ;; 1 | 0) v=$label ;; leading-space) v=" on" ;; trailing-space) v="on " ;;
		tab) v="	off" ;; non-ascii) v="ön" ;; two-words) v="auto on" ;; upper-case) v=AUTO ;;
		5000-chars) v=$(head -c 5000 /dev/zero | tr '\0' o) ;;
		negative) v=-1 ;; fraction) v=1.5 ;; word) v=two ;;
		two-numbers) v="1 2" ;; space-number) v=" 2" ;;
		esac
		# busybox's echo reports the errno of a failed write; printf does not.
		err=$({ echo "$v" >"$knob"; } 2>&1) && err="accepted"
		case "$err" in
		*"Invalid argument"* | *"too long"*) ;;
		*)
			fail "bad input: $knob: $label: ${err:-no error}"
			echo "$before" >"$knob"
			continue
			;;
		esac
		check "bad input: $knob: $label refused, still $before" test "$(cat "$knob")" = "$before"
	done
}

# threads_check: memremap.memmap_threads is 0 (automatic) unless the
# command line sets it, and make check sets nothing: on 2 vCPUs every
# template bind above of two sections or more could split over 2 threads
# (the caller and a kworker; the verification compared each): one at
# least must have, none more (threads: the distinct tasks that ran its
# memmap_init_zone_device_chunk() calls, memmap_init_chunks). Then 1 makes
# a rebind serial: exactly one chunk, run by the caller.
THREADS_KNOB=/sys/module/memremap/parameters/memmap_threads
threads_check() {
	local pfn t
	t=$(memmap_init_threads | sort -n | uniq -c | awk '{ printf "%s%d in %d", (NR > 1 ? ", " : ""), $1, $2 }')
	check "threads: nothing on the command line sets memmap_threads" sh -c '! grep -q memmap_threads /proc/cmdline'
	check "threads: $THREADS_KNOB is 0 (automatic), the default" test "$(cat "$THREADS_KNOB")" = 0
	check "threads: some bind used 2 threads, none more (binds: $t threads)" two_threads_seen
	pfn=$(pfn_of_blockdev pmem0)
	check "threads: memmap_threads 1 written" knob_set 1
	memmap_chunks_clear
	check "threads: rebind $pfn with memmap_threads 1" rebind nd nd_pmem "$pfn"
	t=$(memmap_init_chunks)
	check "threads: that rebind ran one chunk, in the caller (tasks chunks own: '$t', want '1 1 1')" test "$t" = "1 1 1"
	check_verify "threads: memmap_threads 1"
	check "threads: memmap_threads 0 written back" knob_set 0
	bad_input "$THREADS_KNOB" empty negative fraction word two-numbers space-number 5000-chars
	threads_hotplug
}

# threads_hotplug: CPU 1 goes offline and online again, over and over,
# while pmem0 is rebound with the automatic thread count: every rebind
# works, the verification finds no mismatch, and CPU 1 ends online.
threads_hotplug() {
	local cpu1=/sys/devices/system/cpu/cpu1/online pfn i=0 bad=0 m0 cycles two
	[ -w $cpu1 ] || { fail "threads: no CPU hotplug ($cpu1)"; return; }
	pfn=$(pfn_of_blockdev pmem0)
	m0=$(cat "$VERIFY_TOTAL")
	rm -f /tmp/hotplug-stop /tmp/hotplug-cycles
	memmap_chunks_clear
	(
		n=0
		until [ -e /tmp/hotplug-stop ]; do
			echo 0 >$cpu1 && echo 1 >$cpu1 && n=$((n + 1))
		done
		echo $n >/tmp/hotplug-cycles
	) &
	while [ $i -lt 10 ]; do
		rebind nd nd_pmem "$pfn" || bad=$((bad + 1))
		i=$((i + 1))
	done
	touch /tmp/hotplug-stop
	wait
	cycles=$(cat /tmp/hotplug-cycles)
	two=$(memmap_init_threads | grep -cx 2)
	check "threads: 10 rebinds of $pfn ($two in 2 threads) while CPU 1 went offline and online $cycles times, $bad failed" \
		test "$bad" = 0 -a "${cycles:-0}" -gt 0
	check "threads: each of those rebinds used 1 or 2 threads ($(memmap_init_threads | xargs))" \
		one_or_two_threads
	check "threads: no mismatching struct page in those rebinds" test "$(cat "$VERIFY_TOTAL")" = "$m0"
	check "threads: CPU 1 online again" test "$(cat $cpu1)" = 1
}

# knob_set V: write V to the threads knob, which then reads V.
knob_set() { echo "$1" >"$THREADS_KNOB" && [ "$(cat "$THREADS_KNOB")" = "$1" ]; }

one_or_two_threads() {
	memmap_init_threads | grep -q . && ! memmap_init_threads | grep -qvx '[12]'
}

# kasan: every bind took the slow path, so no chunk was traced at all
# (each traced call counts 0 threads), and the knob reads 0, the default.
no_chunk_traced() {
	[ "$(cat "$THREADS_KNOB")" = 0 ] &&
		memmap_init_threads | grep -qx 0 && ! memmap_init_threads | grep -qvx 0
}

two_threads_seen() {
	memmap_init_threads | grep -qx 2 && ! memmap_init_threads | grep -qvx '[012]'
}

device_private() {
	local before
	before=$(memmap_init_count)
	check "private: modprobe test_hmm" modprobe test_hmm
	expect_inits "$before" "private: test_hmm maps device-private memory"
	check "private: rmmod test_hmm" rmmod test_hmm
}

log "kernel $(uname -r); $(grep -c '^processor' /proc/cpuinfo) CPUs; namespaces of $SIZE"
load_pmem_stack
leak_baseline
if [ "$KIND" != base ]; then
	# The threads of every bind from here on (memmap_init_chunks).
	check "chunk trace: function tracer on memmap_init_zone_device(_chunk) in $CHUNK_TRACE" memmap_chunks_setup
	check "fast-path verification switched on" sh -c "echo 1 >$VERIFY_CONTROL"
fi
if [ "$KIND" != kasan ]; then
	check "NFIT: labels initialised" init_nfit_labels
	check "NFIT: region0 present" test -e $ND/devices/region0
	fsdax fsdax-dev dev -r region0 -s "$SIZE"
	fsdax fsdax-mem mem -r region0 -s "$SIZE"
	devdax devdax-2m 2M -r region0 -s "$SIZE"
	devdax devdax-1g 1G -r region0 -s 2G && daxctl_cycle devdax-1g
	vns=$(ndctl list -N -r region1 | json_field dev)
	if [ -n "$vns" ]; then
		fsdax virtio-fsdax-dev dev -f -e "$vns"
	else
		fail "virtio-pmem: no namespace on region1"
	fi
else
	# Legacy e820 pmem (memmap=X!Y) needs no ACPI: one label-less
	# namespace, given each personality in turn, and onlined as devdax
	# (the guest's NUMA node gives the region the target node dax/kmem
	# needs).
	ens=$(ndctl list -N | json_field dev)
	if [ -n "$ens" ]; then
		fsdax e820-fsdax-dev dev -f -e "$ens"
		fsdax e820-fsdax-mem mem -f -e "$ens"
		devdax e820-devdax-2m 2M -f -e "$ens"
		devdax e820-devdax-1g 1G -f -e "$ens" && daxctl_cycle e820-devdax-1g
	else
		fail "e820: no legacy pmem namespace (rig/check.sh boots the KASAN guest with --e820)"
	fi
fi
if [ "$KIND" = patched ]; then
	virtio_mem_cycle
	tracepoint_fallback
	threads_check
	# Every kind of knob the series adds that takes writes, on devices
	# still present; libnvdimm's is boot-only, nd dax devices have none.
	for k in "$(ls -d $ND/devices/pfn*/memmap_streaming | head -n1)" \
		"$(ls -d $DAXBUS/devices/dax*/memmap_streaming | head -n1)"; do
		if [ -w "$k" ]; then bad_input "$k"; else fail "bad input: no knob '$k'"; fi
	done
	check "libnvdimm.memmap_streaming refuses a write at run time, still auto" param_read_only
	check "nd dax devices ($(ls -d $ND/devices/dax* | wc -l)) have no memmap_streaming" \
		sh -c "ls -d $ND/devices/dax* >/dev/null && ! ls $ND/devices/dax*/memmap_streaming 2>/dev/null"
fi
[ "$KIND" = kasan ] && check "kasan: the kernel is a KASAN build" sh -c 'dmesg | grep -q "KernelAddressSanitizer initialized"'
[ "$KIND" = kasan ] && check "kasan: no bind ran a template chunk ($(memmap_init_threads | wc -l) traced, threads: $(memmap_init_threads | sort -u | xargs)), memmap_threads reads 0" no_chunk_traced
device_private
if [ "$KIND" != base ]; then
	kunit zone_device_memmap_kunit
	kunit memcpy_streaming_kunit
	kunit padata_kunit
fi
check "kernel log: no warning, BUG or lockdep report; no kmemleak suspect" no_kernel_reports
# memmap_init_range() also ran on every altmap above (ZONE_DEVICE, hotplug).
if [ -r "$HOTPLUG_MISMATCHES" ]; then
	check "hotplug verification: $(cat "$HOTPLUG_VERIFIED") pages in all, $(cat "$HOTPLUG_MISMATCHES") mismatching (want 0)" \
		test "$(cat "$HOTPLUG_MISMATCHES")" = 0
fi
summary
