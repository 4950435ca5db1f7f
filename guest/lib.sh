# SPDX-License-Identifier: GPL-2.0
# Guest-side helpers shared by the smoke suite and the bench runner. Also
# usable on a real host booted with the kernel under test (run as root).
# Sourced, never run.

TRACEFS=/sys/kernel/tracing
DYNDBG=/sys/kernel/debug/dynamic_debug/control
ND=/sys/bus/nd
DAXBUS=/sys/bus/dax

# --- observing memmap_init_zone_device() ------------------------------------

# Turn on its pr_debug line and a function-graph timer filtered to it alone
# (filtered, it costs one entry/exit hook per call, not per page), on a
# clock that is monotonic across CPUs: the caller may sleep on one CPU and
# wake up on another while threads write the memmap.
observe_memmap_init() {
	[ -w "$DYNDBG" ] && echo 'func memmap_init_zone_device +p' >"$DYNDBG"
	if [ -w "$TRACEFS/set_ftrace_filter" ]; then
		echo mono >"$TRACEFS/trace_clock"
		echo memmap_init_zone_device >"$TRACEFS/set_ftrace_filter"
		echo function_graph >"$TRACEFS/current_tracer"
		echo 1 >"$TRACEFS/options/funcgraph-tail"
		echo >"$TRACEFS/trace"
	fi
}

# With dynamic debug, each call logs one line (pr_debug, mm/mm_init.c);
# the smoke suites read it, the bench only for path= and used= (the page
# count it computes itself: nd_pfn_pages, iomem_pages):
#   memmap_init_zone_device initialised N pages in Mms (threads: T), PATH path
#   memmap_init_zone_device initialised N pages in Mms              (base)
# PATH: slow, template or template+streaming; before the series' threads
# patch, without "(threads: T)".

# memmap_init_count: how many times memmap_init_zone_device() logged so far.
memmap_init_count() {
	dmesg | grep -c 'memmap_init_zone_device initialised'
}

# memmap_init_pages N: pages of the N-th logged call (1-based).
memmap_init_pages() {
	dmesg | grep 'memmap_init_zone_device initialised' | sed -n "${1}p" |
		sed 's/.*initialised \([0-9]*\) pages.*/\1/'
}

# memmap_init_logged N: the last N lines it logged.
memmap_init_logged() {
	dmesg | grep 'memmap_init_zone_device initialised' | tail -n "$1"
}

# log_path, log_threads: the PATH, and the T threads, of each line on stdin
# (nothing for a line that reports none).
log_path() {
	sed -n 's/.*memmap_init_zone_device initialised [0-9]* pages in [^,]*, \([a-z+-]*\) path.*/\1/p'
}
log_threads() {
	sed -n 's/.*memmap_init_zone_device initialised .* (threads: \([0-9]*\)),.*/\1/p'
}

# last_path: the path the patched kernel reports for its last call
# ("template", "slow", ...), or "-" on a kernel that reports none.
last_path() {
	local p
	p=$(memmap_init_logged 1 | log_path)
	echo "${p:--}"
}

# memmap_init_threads: the threads of every logged call, one per line.
memmap_init_threads() {
	dmesg | log_threads
}

# traced_durations FUNC: microseconds of each traced call of FUNC in the
# trace buffer, one per line: a call with no traced callee ("FUNC();") or
# one with ("} /* FUNC */", with the funcgraph-tail option). A module's
# function is "FUNC [module]" there. From 1 s on, no decimals are printed.
# The buffer is TRACE_DIR's (a tracing instance; default: the top level).
traced_durations() {
	grep -E " ($1( \[[a-z0-9_]*\])?\(\);|} /\* $1( \[[a-z0-9_]*\])? \*/)" "${TRACE_DIR:-$TRACEFS}/trace" |
		sed 's/.*[ +!#*@$]\([0-9][0-9]*\(\.[0-9]*\)\{0,1\}\) us .*/\1/'
}

# memmap_init_durations: traced_durations memmap_init_zone_device since the
# last call of this function (it clears the trace buffer).
memmap_init_durations() {
	traced_durations memmap_init_zone_device
	echo >"${TRACE_DIR:-$TRACEFS}/trace"
}

# --- pages of a memmap, from sysfs and /proc/iomem (no kernel log) ----------

# nd_pfn_pages PFN NAMESPACE MAP: the struct pages memmap_init_zone_device()
# writes when nd_pmem binds the fsdax pfn device PFN (pfnX.Y) of NAMESPACE:
# with map=dev the data area only (the memmap itself lives in front of it),
# with map=mem the namespace from its start (a new pfn device has no
# start_pad) to the end of the data area (its end truncated to the
# alignment). A device-dax device's pages are its size / 4096.
nd_pfn_pages() {
	local end start
	end=$(($(cat "$ND/devices/$1/resource") + $(cat "$ND/devices/$1/size")))
	if [ "$3" = dev ]; then
		start=$(cat "$ND/devices/$1/resource")
	else
		start=$(cat "$ND/devices/$2/resource")
	fi
	echo $(((end - start) / 4096))
}

# iomem_pages NAME: the pages of every top-level or nested /proc/iomem range
# named NAME (test_hmm's device-private chunks are "hmm_dmirror"); IOMEM
# names another file. Needs root: others read zeros.
iomem_pages() {
	sed -n "s/^ *\([0-9a-f]*\)-\([0-9a-f]*\) : $1\$/\1 \2/p" "${IOMEM:-/proc/iomem}" | {
		n=0
		while read -r lo hi; do
			n=$((n + (0x$hi - 0x$lo + 1) / 4096))
		done
		echo $n
	}
}

# --- virtio-mem ----------------------------------------------------------------

# vmem_present: the virtio_mem driver is bound to a device.
vmem_present() {
	modprobe virtio_mem 2>/dev/null
	ls /sys/bus/virtio/drivers/virtio_mem/virtio* >/dev/null 2>&1
}

# vmem_resize BYTES: have rig/qemu-run.sh set the requested size of its
# virtio-mem device (a line on the script's output); the guest's virtio_mem
# driver then plugs or unplugs memory to match.
vmem_resize() { echo "@vmem-resize $1"; }

# wait_memtotal KB [SECS]: wait (default 600 s) until MemTotal is KB.
wait_memtotal() {
	local n=0
	while [ "$(meminfo MemTotal)" != "$1" ]; do
		[ "$n" -lt "${2:-600}" ] || return 1
		sleep 1
		n=$((n + 1))
	done
}

# --- TAP-like result reporting -----------------------------------------------

_passed=0 _failed=0 _skipped=0
pass() { _passed=$((_passed + 1)); echo "ok - $*"; }
fail() { _failed=$((_failed + 1)); echo "not ok - $*"; }
skip() { _skipped=$((_skipped + 1)); echo "skip - $*"; }

# check DESCRIPTION CMD...: pass if CMD succeeds.
check() {
	local d=$1
	shift
	if "$@"; then pass "$d"; else fail "$d"; fi
}

summary() {
	echo "$_passed passed, $_failed failed, $_skipped skipped"
	[ "$_failed" = 0 ]
}

log() { echo "# $*"; }

# kunit MODULE: load a KUnit module, count each of its test cases, keep
# its KTAP results in /tmp/kunit-MODULE and unload it.
kunit() {
	local r n=0
	if ! modprobe "$1"; then
		fail "kunit: modprobe $1"
		return
	fi
	: >"/tmp/kunit-$1"
	for r in /sys/kernel/debug/kunit/*/results; do
		[ -r "$r" ] || continue
		cat "$r" >>"/tmp/kunit-$1"
		while read -r line; do
			case "$line" in
			*"# SKIP"*) skip "kunit: $(basename "$(dirname "$r")"): ${line#ok [0-9]* }"; n=$((n + 1)) ;;
			"ok "*) pass "kunit: $(basename "$(dirname "$r")"): ${line#ok [0-9]* }"; n=$((n + 1)) ;;
			"not ok "*) fail "kunit: $(basename "$(dirname "$r")"): ${line#not ok [0-9]* }"; n=$((n + 1)) ;;
			esac
		done <<EOT
$(sed -n 's/^    \(\(not \)\{0,1\}ok [0-9]\)/\1/p' "$r")
EOT
	done
	[ "$n" -gt 0 ] || fail "kunit: $1 reported no test case"
	rmmod "$1"
}

# --- namespaces and devices --------------------------------------------------

load_pmem_stack() {
	local m
	for m in nfit nd_e820 virtio_pmem nd_pmem dax_pmem device_dax kmem; do
		modprobe "$m" || echo "# modprobe $m failed"
	done
}

# json_field KEY: first "KEY":"value" (or number) of the JSON on stdin.
json_field() {
	sed -n "s/.*\"$1\":\"\{0,1\}\([^\",}]*\).*/\1/p" | head -n1
}

# pfn_of_blockdev pmemN: the nd device (pfnX.Y) nd_pmem binds for an fsdax
# namespace.
pfn_of_blockdev() {
	basename "$(readlink -f "/sys/block/$1/device")"
}

# rebind BUS DRIVER DEVICE: unbind and bind again.
rebind() {
	echo "$3" >"/sys/bus/$1/drivers/$2/unbind" &&
		echo "$3" >"/sys/bus/$1/drivers/$2/bind"
}

blockdev_size() { echo $(($(cat "/sys/block/$1/size") * 512)); }
daxdev_size() { cat "$DAXBUS/devices/$1/size"; }

# With this many bytes written at the start and at the end of the data area.
PATTERN_LEN=$((4 << 20))

# map_align /dev/X: the mapping granularity pmemtool must use (device-dax
# maps only whole multiples of its alignment).
map_align() {
	case "$1" in
	/dev/dax*) cat "$DAXBUS/devices/${1#/dev/}/align" ;;
	*) echo 1 ;;
	esac
}

# pattern_write DEV SIZE SEED / pattern_check DEV SIZE SEED: a pattern in
# the first and the last PATTERN_LEN bytes of DEV.
pattern_write() {
	local a
	a=$(map_align "$1")
	pmemtool write "$1" 0 $PATTERN_LEN "$3" "$a" &&
		pmemtool write "$1" $(($2 - PATTERN_LEN)) $PATTERN_LEN "$3" "$a"
}
pattern_check() {
	local a
	a=$(map_align "$1")
	pmemtool check "$1" 0 $PATTERN_LEN "$3" "$a" &&
		pmemtool check "$1" $(($2 - PATTERN_LEN)) $PATTERN_LEN "$3" "$a"
}

# The debug verification of the fast path: the test-only patch
# (patches/test-only/), in the check and kasan kernels only.
VERIFY_CONTROL=/sys/kernel/debug/zone_device_memmap/verify
VERIFY_RESULT=/sys/kernel/debug/zone_device_memmap/last_mismatches
VERIFY_TOTAL=/sys/kernel/debug/zone_device_memmap/total_mismatches
# Totals of the same check on hotplugged memory (memmap_init_range()).
HOTPLUG_VERIFIED=/sys/kernel/debug/zone_device_memmap/hotplug_verified
HOTPLUG_MISMATCHES=/sys/kernel/debug/zone_device_memmap/hotplug_mismatches

# --- kernel reports ------------------------------------------------------------

meminfo() { sed -n "s/^$1: *\([0-9]*\) kB/\1/p" /proc/meminfo; }

# mem_snapshot: "MemFree SUnreclaim Percpu" in kB, after dropping caches.
mem_snapshot() {
	sync
	echo 3 >/proc/sys/vm/drop_caches
	echo "$(meminfo MemFree) $(meminfo SUnreclaim) $(meminfo Percpu)"
}

KMEMLEAK=/sys/kernel/debug/kmemleak

# check_resources "BEFORE" TOL_FREE TOL_SUNRECLAIM TOL_PERCPU: MemFree,
# SUnreclaim and Percpu (kB; BEFORE from mem_snapshot) are back within the
# tolerances, in kB.
check_resources() {
	# shellcheck disable=SC2046,SC2086
	set -- $1 $(mem_snapshot) "$2" "$3" "$4"
	log "kB before/after: MemFree $1/$4, SUnreclaim $2/$5, Percpu $3/$6"
	check "MemFree within $7 kB (lost $(($1 - $4)))" test $(($1 - $4)) -le "$7"
	check "SUnreclaim within $8 kB (grew $(($5 - $2)))" test $(($5 - $2)) -le "$8"
	check "Percpu within $9 kB (grew $(($6 - $3)))" test $(($6 - $3)) -le "$9"
}

# leak_baseline: what kmemleak suspects so far is not ours (boot).
leak_baseline() { [ -w $KMEMLEAK ] && echo clear >$KMEMLEAK; true; }

# no_kernel_reports: no warning, BUG (KASAN included) or lockdep report in
# the kernel log and, where the kernel has kmemleak, no object leaked since
# leak_baseline (two scans, as kmemleak advises); prints what it found.
no_kernel_reports() {
	local r
	if [ -w $KMEMLEAK ]; then
		echo scan >$KMEMLEAK
		echo scan >$KMEMLEAK
		log "kmemleak: scanned twice"
	fi
	[ -e /proc/lockdep ] && log "lockdep: on ($(grep -c . /proc/lockdep) lock classes)"
	r=$({
		dmesg | grep -E 'WARNING:|BUG:|Call Trace|circular locking|possible .*deadlock'
		[ -r $KMEMLEAK ] && grep 'unreferenced object' $KMEMLEAK
	})
	[ -z "$r" ] && return 0
	echo "$r" | head -n 20 | sed 's/^/# /'
	return 1
}

# init_nfit_labels: give every NFIT DIMM an empty label area, so that
# regions can hold several namespaces. Destroys every NFIT namespace.
init_nfit_labels() {
	ndctl disable-region all >/dev/null &&
		ndctl init-labels -f all >/dev/null &&
		ndctl enable-region all >/dev/null
}
