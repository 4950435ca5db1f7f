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
# the smoke suites read it, the bench only for path= (the page count it
# computes itself: nd_pfn_pages, iomem_pages):
#   memmap_init_zone_device initialised N pages in Mms, PATH path
#   memmap_init_zone_device initialised N pages in Mms              (base)
# PATH: slow, template or template+streaming. The kernel reports no thread
# count: memmap_init_chunks below counts them from a function trace.

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

# log_path: the PATH of each line on stdin (nothing for a line that reports
# none).
log_path() {
	sed -n 's/.*memmap_init_zone_device initialised [0-9]* pages in [^,]*, \([a-z+-]*\) path.*/\1/p'
}

# last_path: the path the patched kernel reports for its last call
# ("template", "slow", ...), or "-" on a kernel that reports none.
last_path() {
	local p
	p=$(memmap_init_logged 1 | log_path)
	echo "${p:--}"
}

# --- the threads of memmap_init_zone_device(), from a function trace --------

# The template path writes a range's memmap in chunks, one call of the
# static memmap_init_zone_device_chunk() each, from the calling task and
# from kworkers; a serial bind calls it exactly once, from the caller; the
# slow path never. The threads a bind used are the distinct tasks that ran
# chunks between its memmap_init_zone_device() entry and the next one.
# memmap_chunks_setup traces the entries of both functions (function
# tracer, mono clock) in a tracing instance of its own, CHUNK_TRACE, so that
# the top-level tracer (observe_memmap_init's function-graph timer) is left
# alone; memmap_chunks_clear empties it, memmap_chunks_remove takes it away.
CHUNK_TRACE=${CHUNK_TRACE:-$TRACEFS/instances/memmap_chunks}

memmap_chunks_setup() {
	[ -d "$CHUNK_TRACE" ] || mkdir "$CHUNK_TRACE" || {
		echo "# memmap_chunks_setup: cannot create the tracing instance $CHUNK_TRACE" >&2
		return 1
	}
	grep -qw function "$CHUNK_TRACE/available_tracers" || {
		echo "# memmap_chunks_setup: no function tracer in $CHUNK_TRACE" >&2
		return 1
	}
	echo nop >"$CHUNK_TRACE/current_tracer"
	# The filter first: an empty one would trace every function.
	if ! { echo memmap_init_zone_device >"$CHUNK_TRACE/set_ftrace_filter" &&
		echo memmap_init_zone_device_chunk >>"$CHUNK_TRACE/set_ftrace_filter"; } 2>/dev/null ||
		[ "$(grep -c . "$CHUNK_TRACE/set_ftrace_filter")" != 2 ]; then
		echo "# memmap_chunks_setup: memmap_init_zone_device or memmap_init_zone_device_chunk is not traceable" >&2
		echo >"$CHUNK_TRACE/set_ftrace_filter"
		return 1
	fi
	echo mono >"$CHUNK_TRACE/trace_clock" &&
		echo function >"$CHUNK_TRACE/current_tracer" &&
		echo >"$CHUNK_TRACE/trace"
}

memmap_chunks_clear() { echo >"$CHUNK_TRACE/trace"; }

memmap_chunks_remove() {
	[ -d "$CHUNK_TRACE" ] || return 0
	echo nop >"$CHUNK_TRACE/current_tracer"
	echo >"$CHUNK_TRACE/set_ftrace_filter"
	rmdir "$CHUNK_TRACE"
}

# memmap_init_chunks: for each traced memmap_init_zone_device() call, in
# order, "TASKS CHUNKS OWN": the distinct tasks (comm-pid) that ran
# memmap_init_zone_device_chunk() after its entry and before the next
# call's, the chunks they ran, and how many of those the calling task ran
# itself. A serial template bind is "1 1 1", a slow-path one "0 0 0".
# Chunks before the first traced call are not counted.
memmap_init_chunks() {
	sed -n 's/^ *\([^[]*[^[ ]\) *\[[0-9]*\] .* \(memmap_init_zone_device\(_chunk\)\{0,1\}\)\( <-.*\)\{0,1\}$/\2 \1/p' \
		"$CHUNK_TRACE/trace" |
		awk '{ task = substr($0, length($1) + 2) }
			$1 == "memmap_init_zone_device" { n++; caller[n] = task; next }
			n {
				chunks[n]++
				if (!((n " " task) in seen)) { seen[n " " task] = 1; tasks[n]++ }
				if (task == caller[n]) own[n]++
			}
			END { for (i = 1; i <= n; i++) print tasks[i] + 0, chunks[i] + 0, own[i] + 0 }'
}

# memmap_init_threads: the threads (distinct chunk tasks) of each traced
# memmap_init_zone_device() call, one per line, in order; 0 for the slow
# path.
memmap_init_threads() {
	memmap_init_chunks | cut -d' ' -f1
}

# memmap_spans_setup DIR: a function-graph trace of memmap_init_zone_device()
# in the tracing directory DIR (an instance: Linux 6.9 and later), with
# each line's absolute time (mono clock) and task, and durations that
# include sleeping (sleep-time, the default), for memmap_init_spans.
memmap_spans_setup() {
	[ -d "$1" ] || mkdir "$1" || return 1
	grep -qw function_graph "$1/available_tracers" || {
		echo "# memmap_spans_setup: no function_graph tracer in $1" >&2
		return 1
	}
	echo nop >"$1/current_tracer" &&
		echo mono >"$1/trace_clock" &&
		echo memmap_init_zone_device >"$1/set_ftrace_filter" &&
		echo function_graph >"$1/current_tracer" &&
		echo 1 >"$1/options/funcgraph-abstime" &&
		echo 1 >"$1/options/funcgraph-proc" &&
		echo 1 >"$1/options/funcgraph-tail" &&
		{ [ ! -e "$1/options/sleep-time" ] || echo 1 >"$1/options/sleep-time"; } &&
		echo >"$1/trace"
}

# memmap_init_spans [TRACE]: "START END TASK" (seconds) of each call in a
# trace that memmap_spans_setup configured: a call with a traced callee or
# interrupted on its CPU ends on a "} /* memmap_init_zone_device */" line
# stamped at its return, START = that - its duration; a leaf
# "memmap_init_zone_device();" line is stamped at its entry, END = that +
# its duration. Sorted by START.
memmap_init_spans() {
	awk -F'|' '
		function us(d) { gsub(/[^0-9.]/, "", d); return d / 1000000 }
		NF >= 4 && $4 ~ /(memmap_init_zone_device\(\);|\/\* memmap_init_zone_device \*\/)/ {
			t = $1; gsub(/ /, "", t)
			task = $2; sub(/^ *[0-9]+\) */, "", task); sub(/ *$/, "", task)
			if ($4 ~ /\(\);/) printf "%.6f %.6f %s\n", t, t + us($3), task
			else printf "%.6f %.6f %s\n", t - us($3), t, task
		}' "${1:-/dev/stdin}" | sort -n
}

# spans_overlapping: how many of the spans on stdin (memmap_init_spans)
# began before an earlier-starting one had ended.
spans_overlapping() {
	awk 'NR > 1 && $1 < end { n++ } $2 > end { end = $2 } END { print n + 0 }'
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

# region_namespaces REGION: the active namespaces of REGION (regionN), one
# "NAME MODE BYTES DEVICES" line each: MODE from the namespace's holder
# (pfnX.Y fsdax, daxX.Y devdax, bttX.Y sector, none raw), DEVICES the /dev
# nodes its data is reached through, comma-separated ("-": none now).
region_namespaces() {
	local d ns size holder mode devs
	for d in "$ND/devices/namespace${1#region}".*; do
		[ -d "$d" ] || continue
		size=$(cat "$d/size" 2>/dev/null)
		[ "${size:-0}" != 0 ] || continue
		ns=${d##*/}
		holder=$(cat "$d/holder" 2>/dev/null)
		case "$holder" in
		pfn*) mode=fsdax ;;
		dax*) mode=devdax ;;
		btt*) mode=sector ;;
		*) mode=raw ;;
		esac
		devs=$(ns_devices "$ns" "$holder" | tr '\n' , | sed 's/,$//')
		echo "$ns $mode $size ${devs:--}"
	done
}

# not_destroyed REGION: the namespaces a destroy left, but for the raw
# namespace of a label-less region (virtio-pmem, memmap= pmem), which never
# goes away: destroying it makes it raw again.
not_destroyed() {
	region_namespaces "$1" | while read -r ns mode _; do
		[ "$mode" = raw ] && grep -qx DEVTYPE=nd_namespace_io "$ND/devices/$ns/uevent" 2>/dev/null && continue
		echo "$ns"
	done
}

# ns_devices NAMESPACE [HOLDER]: its block devices (pmemN, pmemNs) and its
# dax-bus devices (daxX.Y, a child of the nd dax HOLDER), one per line.
ns_devices() {
	local d x
	for d in "$ND/devices/$1" ${2:+"$ND/devices/$2"}; do
		for x in "$d"/block/* "$d"/dax[0-9]*.[0-9]*; do
			[ -e "$x" ] && echo "${x##*/}"
		done
	done
}

# dev_users NAME: who uses /dev/NAME, one reason per line (nothing: no
# one): mounted, held by another block device, swap, onlined as System
# RAM (a dax-bus device bound to kmem), open or mapped by a process. PROC
# and SYSBLOCK name other /proc and /sys/class/block (tests).
dev_users() {
	local proc=${PROC:-/proc} sb=${SYSBLOCK:-/sys/class/block} majmin h drv
	if [ -e "$sb/$1/dev" ]; then
		majmin=$(cat "$sb/$1/dev")
		awk -v d="$majmin" '$3 == d { print "mounted on " $5; exit }' "$proc/self/mountinfo" 2>/dev/null |
			sed "s|^|/dev/$1 is |"
		h=$(ls "$sb/$1/holders" 2>/dev/null | tr '\n' ' ')
		[ -z "$h" ] || echo "/dev/$1 is held by ${h% }"
		! grep -q "^/dev/$1 " "$proc/swaps" 2>/dev/null || echo "/dev/$1 is swap"
	fi
	drv=$(readlink "$DAXBUS/devices/$1/driver" 2>/dev/null)
	[ "${drv##*/}" != kmem ] || echo "$1 is online as System RAM (daxctl offline-memory $1, then daxctl reconfigure-device -m devdax $1)"
	# Processes: an open file (fd) or a mapping (maps) of /dev/NAME, each
	# kind in one command: a loaded host has hundreds of processes.
	# ls names each directory before its entries, but for a single one.
	for h in "$proc"/[0-9]*/fd; do break; done
	h=${h%/fd}
	{
		# shellcheck disable=SC2010 # ls -l shows each fd's target
		ls -l "$proc"/[0-9]*/fd 2>/dev/null | awk -v dev="/dev/$1" -v p="${h##*/}" '
			/:$/ { p = $0; sub(/\/fd:$/, "", p); sub(/.*\//, "", p); next }
			$NF == dev && $(NF - 1) == "->" { print p }'
		grep -l " /dev/$1\$" "$proc"/[0-9]*/maps 2>/dev/null | sed 's|.*/\([0-9]*\)/maps$|\1|'
	} | sort -un | while read -r h; do
		[ "$h" != $$ ] || continue
		echo "/dev/$1 is open or mapped by process $h ($(cat "$proc/$h/comm" 2>/dev/null))"
	done
}

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

# no_page_reports: what no_kernel_reports does not match: a bad page state
# ("BUG: Bad page state" aside, "Bad page map"), a page dump (dump_page():
# VM_BUG_ON_PAGE, a failed migration or isolation while offlining), a
# "kernel BUG at" or an oops, KASAN, and lockdep switching itself off;
# prints what it found. Lines matching the extended regular expression
# IGNORE, if given, are not counted.
no_page_reports() {
	local r
	r=$(dmesg | grep -E '[Bb]ad page|page dumped because|kernel BUG at|Oops|KASAN|lockdep is turned off' |
		grep -vE "${1:-^\$}")
	[ -z "$r" ] && return 0
	echo "$r" | head -n 20 | sed 's/^/# /'
	return 1
}

# --- /proc/kpageflags ----------------------------------------------------------

# kpageflags_bits PFN COUNT BIT...: for each BIT (a KPF_* number,
# include/uapi/linux/kernel-page-flags.h and include/linux/
# kernel-page-flags.h; "any" for a value that is not 0) set in the
# /proc/kpageflags value of at least one of the COUNT pfns from PFN (both
# multiples of 512), "BIT=PAGES", space-separated on one line; an empty line
# when none is. An offline pfn reads 0. KPAGEFLAGS names another file
# (tests).
kpageflags_bits() {
	local pfn=$1 count=$2
	shift 2
	dd if="${KPAGEFLAGS:-/proc/kpageflags}" bs=4096 skip=$((pfn / 512)) count=$((count / 512)) 2>/dev/null |
		od -Ad -tx8 | awk -v bits="$*" '
		# od prints 16 bytes a line, and "*" for lines repeating the one
		# before, up to the offset of the next line.
		function bit(h, k,   d) {
			d = index("0123456789abcdef", substr(h, 16 - int(k / 4), 1)) - 1
			return int(d / p2[k % 4]) % 2
		}
		function tally(times,   i, j) {
			for (i = 1; i <= nb; i++)
				for (j = 1; j <= nv; j++)
					if (b[i] == "any" ? v[j] !~ /^0+$/ : bit(v[j], b[i]))
						n[i] += times
		}
		BEGIN { nb = split(bits, b, " "); p2[0] = 1; p2[1] = 2; p2[2] = 4; p2[3] = 8 }
		$1 == "*" { star = 1; next }
		{
			# Decimal, whatever the leading zeros (busybox awk: octal).
			o = $1
			sub(/^0+/, "", o)
			o += 0
			if (star) tally((o - off) / 16 - 1)
			star = 0
			off = o
			nv = 0
			for (i = 2; i <= NF; i++) v[++nv] = $i
			tally(1)
		}
		END {
			s = ""
			for (i = 1; i <= nb; i++) if (n[i]) s = s (s == "" ? "" : " ") b[i] "=" n[i]
			print s
		}'
}

# --- the rig's guest only ------------------------------------------------------

# guest/init creates RIG_GUEST_MARK; nothing else does. A script that
# destroys what it did not create (init_nfit_labels, destroy-namespace all)
# calls rig_guest_only first, so that on any other machine it stops before
# it changes anything.
RIG_GUEST_MARK=/run/memmap-fast-rig-guest
rig_guest_only() {
	[ -e "$RIG_GUEST_MARK" ] && return 0
	echo "$(basename "$0"): runs only in the rig's QEMU guest (rig/qemu-run.sh), where it may destroy every namespace and label; it refuses to run here ($RIG_GUEST_MARK is missing). On a host, use bench/host/bench.sh." >&2
	exit 2
}

# init_nfit_labels: give every NFIT DIMM an empty label area, so that
# regions can hold several namespaces. Destroys every NFIT namespace: the
# rig's guest only.
init_nfit_labels() {
	rig_guest_only
	ndctl disable-region all >/dev/null &&
		ndctl init-labels -f all >/dev/null &&
		ndctl enable-region all >/dev/null
}
