#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Online/offline stress of onlined memory's memmap (memmap_init_range()
# writing it from the template, onlined pages freed without a second walk
# of their tails): the 1G devdax device of a 2G namespace (align 1G), or
# of the e820 pmem, is added as System RAM (dax/kmem)
# with its memory blocks offline, then BLOCKS of them are onlined movable
# and offlined again, CYCLES times, while background tasks read their
# /proc/kpageflags, write /proc/sys/vm/compact_memory, allocate and free
# tmpfs, page cache and anonymous memory (which lands in ZONE_MOVABLE
# first, so offlining migrates it), and, where the kernel has
# CONFIG_MEMORY_FAILURE, soft-offline pages through
# /sys/devices/system/memory/soft_offline_page in the next block of the
# device, onlined once and kept online (a block holding a hwpoisoned page
# cannot be onlined again, -EHWPOISON, and unpoisoning needs the page
# online: soft-offlined pages never enter a cycled block). The kpageflags
# reader and compaction hold still while a block goes offline (WALKERS).
#
# Every online and offline must return 0 within OP_TIMEOUT seconds and
# leave MemTotal exactly the blocks' size above or back where it was; after
# each online no page of the blocks may read as slab, hwpoisoned, missing,
# PageOffline, page table or reserved in /proc/kpageflags, and after each
# offline every pfn must read 0 (offline). The check kernel's verification
# (test-only patch) must have compared every onlined struct page with the
# slow path and found no difference (KIND kasan: no template write at all);
# every background task must have run; the kernel log must hold no BUG,
# WARNING, bad page, page dump, KASAN or lockdep report, kmemleak no
# suspect. A failed online or offline stops the cycles.
#
# Usage: online-stress.sh [CYCLES [BLOCKS [KIND [ONLINE]]]]
#                                          (default 100 1 patched online_movable)
# KIND patched: an NFIT region0 with 2G free (rig/qemu-run.sh --nvdimm 3G),
# whose namespaces it destroys; kasan: legacy e820 pmem (--e820 2G), whose
# namespace it reconfigures. ONLINE online_kernel is a negative control, by
# hand: the blocks join ZONE_NORMAL, where kernel allocations land, and the
# checks must fail.
. "$(dirname "$0")/lib.sh"
rig_guest_only

CYCLES=${1:-100}
BLOCKS=${2:-1}
KIND=${3:-patched}
ONLINE=${4:-online_movable}
case "$KIND" in
patched | kasan) ;;
*) echo "online-stress.sh: unknown kernel kind '$KIND' (patched, kasan)"; exit 2 ;;
esac
OP_TIMEOUT=120
MEM=/sys/devices/system/memory
SOFT=$MEM/soft_offline_page
run=/tmp/online-stress
t0=$(date +%s)
# The KPF_* bits no onlined movable page may have: slab, hwpoison,
# nopage, offline, pgtable, reserved.
BAD_BITS="7 19 20 23 26 32"

elapsed() { echo $(($(date +%s) - t0)); }

# note MESSAGE: log the first 10 problems of the cycles.
notes=0
note() {
	notes=$((notes + 1))
	[ "$notes" -gt 10 ] || log "$*"
}

# set_state BLOCK STATE: write STATE to memoryBLOCK/state, within
# OP_TIMEOUT seconds (SIGTERM makes a stuck offline_pages() give up with
# EINTR); on failure, prints why.
set_state() {
	local t e rc
	t=$(date +%s)
	e=$(timeout "$OP_TIMEOUT" sh -c 'echo "$1" >"$2"' sh "$2" "$MEM/memory$1/state" 2>&1)
	rc=$?
	[ "$rc" = 0 ] && return 0
	if [ $(($(date +%s) - t)) -ge "$OP_TIMEOUT" ]; then
		echo "did not finish in ${OP_TIMEOUT}s: a page stayed busy"
	else
		echo "${e#*: }"
	fi
	return 1
}

load_pmem_stack
leak_baseline
[ ! -e "$VERIFY_CONTROL" ] || check "fast-path verification switched on" sh -c "echo 1 >$VERIFY_CONTROL"
if [ "$KIND" = patched ]; then
	check "NFIT: labels initialised" init_nfit_labels
	json=$(ndctl create-namespace -r region0 -s 2G -m devdax -a 1G)
else
	ens=$(ndctl list -N | json_field dev)
	json=${ens:+$(ndctl create-namespace -f -e "$ens" -m devdax -a 1G)}
fi
dax=$(echo "$json" | json_field chardev)
ns=$(echo "$json" | json_field dev)
if [ -z "$dax" ]; then
	fail "a devdax namespace of 2G, align 1G: none created (KIND $KIND needs $([ "$KIND" = patched ] && echo "rig/qemu-run.sh --nvdimm 3G" || echo "--e820 2G"))"
	summary
	exit
fi
to_system_ram() { daxctl reconfigure-device -m system-ram --no-online "$dax" >/dev/null; }
mem_total0=$(meminfo MemTotal)
if ! check "$ns: /dev/$dax added as System RAM, not onlined (daxctl reconfigure-device -m system-ram --no-online)" to_system_ram; then
	summary
	exit
fi

bsz=$((0x$(cat $MEM/block_size_bytes)))
ppb=$((bsz / 4096))
start=$(($(cat "$DAXBUS/devices/$dax/resource")))
first=$(((start + bsz - 1) / bsz))
nblk=$(((start + $(daxdev_size "$dax")) / bsz - first))
cyc='' b=$first
while [ "$b" -lt $((first + BLOCKS)) ]; do cyc="$cyc $b" b=$((b + 1)); done
cyc=${cyc# }
names=$(for b in $cyc; do printf 'memory%s ' "$b"; done)
names=${names% }
pblk=$((first + BLOCKS))
pfn0=$((first * ppb)) npages=$((BLOCKS * ppb))
# blocks_offline: more blocks than BLOCKS, every one offline.
blocks_offline() {
	[ "$nblk" -gt "$BLOCKS" ] || return 1
	for b in $(seq "$first" $((first + nblk - 1))); do
		[ "$(cat "$MEM/memory$b/state")" = offline ] || return 1
	done
}
check "$dax: $nblk memory blocks of $((bsz >> 20)) MiB from memory$first, all offline; cycling $BLOCKS ($cyc)" blocks_offline

soft=0
if [ ! -e "$SOFT" ]; then
	skip "soft_offline_page: the kernel has no CONFIG_MEMORY_FAILURE ($SOFT is missing), no page is soft-offlined during the cycles"
elif err=$(set_state "$pblk" online_movable); then
	soft=1
	pass "soft_offline_page: memory$pblk onlined movable for it, kept online through the cycles"
else
	fail "soft_offline_page: onlining memory$pblk for it failed ($err)"
fi
# The reader covers the soft-offline block too.
rpages=$(((BLOCKS + soft) * ppb))

# --- background tasks ------------------------------------------------------------

# bg NAME PAUSE CMD...: until $run.stop exists, run CMD and sleep PAUSE
# seconds, over and over; then write "RUNS FAILED" to $run.NAME. A task
# whose NAME is in WALKERS holds still while $run.quiet exists, and says
# so by copying its content (a generation number) to $run.NAME.quiet.
bg() {
	local name="$1" pause="$2" n=0 bad=0 g
	shift 2
	while [ ! -e $run.stop ]; do
		case " $WALKERS " in
		*" $name "*)
			while g=$(cat $run.quiet 2>/dev/null) && [ ! -e $run.stop ]; do
				echo "$g" >"$run.$name.quiet"
				sleep 0.05
			done ;;
		esac
		"$@" || bad=$((bad + 1))
		n=$((n + 1))
		sleep "$pause"
	done
	echo "$n $bad" >"$run.$name"
}

# bg_result NAME: "RUNS FAILED" of a task that ended, "0 killed-..." of one
# that did not say (the kernel killed it inside CMD: see the report).
bg_result() { cat "$run.$1" 2>/dev/null || echo "0 killed-in-the-kernel"; }

# The pfn walkers (the kpageflags reader, compaction) hold still while a
# block goes offline: pfn_to_online_page() does not keep a block online,
# and offlining poisons its memmap (DEBUG_VM), so a walker that found the
# block online may then read poisoned struct pages (an Oops in
# set_pfnblock_bit() from isolate_migratepages_block() in one run, after
# 113 cycles). They run through every online and while the block is online.
WALKERS="reader compactor"
gen=0
walkers_quiet() {
	local w t
	gen=$((gen + 1))
	echo "$gen" >$run.quiet
	t=$(date +%s)
	for w in $WALKERS; do
		while [ "$(cat "$run.$w.quiet" 2>/dev/null)" != "$gen" ]; do
			if [ $(($(date +%s) - t)) -ge 60 ]; then
				note "the $w task did not hold still within 60s (killed? see the kernel log)"
				break
			fi
			sleep 0.05
		done
	done
}
walkers_go() { rm -f $run.quiet; }

read_kpageflags() {
	dd if=/proc/kpageflags of=/dev/null bs=4096 skip=$((pfn0 / 512)) count=$((rpages / 512)) 2>/dev/null
}

compact() { echo 1 >/proc/sys/vm/compact_memory; }

# 32 MiB of tmpfs written and read back, and dd's own 16 MiB buffer
# (anonymous memory, faulted in by the read from /dev/zero).
allocate() {
	{ dd if=/dev/zero of=$run.load bs=1M count=32 && cat $run.load >/dev/null &&
		dd if=/dev/zero of=/dev/null bs=16M count=2; } 2>/dev/null
	rm -f $run.load
}

# soft_offline_next: the next of distinct pages of the soft-offline block
# (7919 is prime to its page count), by physical address.
sn=0
soft_offline_next() {
	sn=$((sn + 1))
	echo $(((pblk * ppb + sn * 7919 % ppb) * 4096)) >"$SOFT" 2>/dev/null
}

# --- the cycles ----------------------------------------------------------------

# cycle I: online the blocks, check, offline them, check. Returns 1 when an
# online or offline failed (the cycles stop).
memtotal_bad=0 kpf_bad=0 zone_bad=0 onlined=0 done=0
cycle() {
	local b err got bad
	for b in $cyc; do
		if ! err=$(set_state "$b" "$ONLINE"); then
			note "cycle $1: onlining memory$b failed ($err)"
			return 1
		fi
		onlined=$((onlined + 1))
		[ "$(cat "$MEM/memory$b/valid_zones")" = Movable ] || {
			zone_bad=$((zone_bad + 1))
			note "cycle $1: memory$b online in zone '$(cat "$MEM/memory$b/valid_zones")', not Movable"
		}
	done
	got=$(meminfo MemTotal)
	[ "$got" = $((total0 + npages * 4)) ] || {
		memtotal_bad=$((memtotal_bad + 1))
		note "cycle $1: MemTotal $got kB after onlining, want $((total0 + npages * 4))"
	}
	# shellcheck disable=SC2086 # one argument a bit
	bad=$(kpageflags_bits "$pfn0" "$npages" $BAD_BITS)
	[ -z "$bad" ] || {
		kpf_bad=$((kpf_bad + 1))
		note "cycle $1: after onlining, pages with KPF bits (bit=pages) $bad"
	}
	walkers_quiet
	for b in $cyc; do
		if ! err=$(set_state "$b" offline); then
			walkers_go
			note "cycle $1: offlining memory$b failed ($err)"
			return 1
		fi
	done
	walkers_go
	got=$(meminfo MemTotal)
	[ "$got" = "$total0" ] || {
		memtotal_bad=$((memtotal_bad + 1))
		note "cycle $1: MemTotal $got kB after offlining, want $total0"
	}
	bad=$(kpageflags_bits "$pfn0" "$npages" any)
	[ -z "$bad" ] || {
		kpf_bad=$((kpf_bad + 1))
		note "cycle $1: after offlining, $bad pfns do not read 0 (offline)"
	}
	done=$((done + 1))
}

total0=$(meminfo MemTotal)
v0=$(cat "$HOTPLUG_VERIFIED" 2>/dev/null)
m0=$(cat "$HOTPLUG_MISMATCHES" 2>/dev/null)
rm -f $run.stop $run.quiet
bg reader 0.2 read_kpageflags &
p1=$!
bg compactor 2 compact &
p2=$!
bg loader 0.2 allocate &
p3=$!
p4=
if [ "$soft" = 1 ]; then
	bg soft 0.2 soft_offline_next &
	p4=$!
fi
log "[$(elapsed)s] $CYCLES cycles of $names ($((npages >> 8)) MiB): $ONLINE, offline"
i=0
while [ "$i" -lt "$CYCLES" ]; do
	i=$((i + 1))
	cycle "$i" || break
	if [ "$i" = 1 ] || [ $((i % 10)) = 0 ]; then log "[$(elapsed)s] cycle $i of $CYCLES"; fi
done
touch $run.stop
# shellcheck disable=SC2086
wait $p1 $p2 $p3 $p4
# After a failed cycle, its blocks go offline for the teardown.
for b in $cyc; do
	[ "$(cat "$MEM/memory$b/state")" = offline ] || set_state "$b" offline >/dev/null
done

check "$done of $CYCLES cycles: every online and offline of $names returned 0 within ${OP_TIMEOUT}s (if not, the lines above say which and why; for a busy page, see the page dump and the 'migrating pfn' or 'isolate' lines in console.log)" \
	test "$done" = "$CYCLES"
check "MemTotal $((npages * 4)) kB above $total0 kB after each online, back after each offline ($memtotal_bad wrong)" test "$memtotal_bad" = 0
check "every onlined block in ZONE_MOVABLE ($zone_bad not)" test "$zone_bad" = 0
check "kpageflags: no onlined page slab, hwpoisoned, missing, PageOffline, page table or reserved, every offlined pfn 0 ($kpf_bad cycles wrong)" \
	test "$kpf_bad" = 0
if [ -n "$v0" ] && [ "$KIND" = kasan ]; then
	check "verification: the slow path wrote every onlined struct page (no template write verified, $(($(cat "$HOTPLUG_VERIFIED") - v0)))" \
		test "$(cat "$HOTPLUG_VERIFIED")" = "$v0"
elif [ -n "$v0" ]; then
	check "verification: the template path wrote all $((onlined * ppb)) onlined struct pages of the cycles ($(($(cat "$HOTPLUG_VERIFIED") - v0)) verified)" \
		test $(($(cat "$HOTPLUG_VERIFIED") - v0)) = $((onlined * ppb))
fi
[ -z "$m0" ] || check "verification: 0 mismatching onlined struct pages ($(($(cat "$HOTPLUG_MISMATCHES") - m0)))" \
	test "$(cat "$HOTPLUG_MISMATCHES")" = "$m0"
read -r n bad <<EOT
$(bg_result reader)
EOT
check "kpageflags reader: $n passes over the blocks, $bad failed" test "$n" -gt 0 -a "$bad" = 0
read -r n bad <<EOT
$(bg_result compactor)
EOT
check "compact_memory: $n writes, $bad failed" test "$n" -gt 0 -a "$bad" = 0
read -r n bad <<EOT
$(bg_result loader)
EOT
check "allocation load (tmpfs, page cache, anonymous): $n passes, $bad failed" test "$n" -gt 0 -a "$bad" = 0
if [ "$soft" = 1 ]; then
	read -r n bad <<EOT
$(bg_result soft)
EOT
	ok=$((n - bad))
	hw=$(kpageflags_bits $((pblk * ppb)) "$ppb" 19)
	check "soft_offline_page: $n writes into memory$pblk, $ok pages soft-offlined, hwpoisoned: ${hw#19=}" \
		test "$ok" -gt 0 -a "${hw#19=}" = "$ok"
	soft_block_offline() { err=$(set_state "$pblk" offline) || { log "$err"; return 1; }; }
	check "memory$pblk (hwpoisoned pages) offline" soft_block_offline
fi
to_devdax() { daxctl reconfigure-device -m devdax "$dax" >/dev/null && [ "$(meminfo MemTotal)" = "$mem_total0" ]; }
check "$dax back to devdax (daxctl reconfigure-device -m devdax), MemTotal back to $mem_total0 kB" to_devdax
# While a block goes offline, do_migrate_range() dumps a page it could not
# isolate or migrate at that moment (a page the allocator just handed out,
# one compaction holds) and offline_pages() tries again: those dumps are
# counted, not failed, since every offline must have succeeded within
# OP_TIMEOUT seconds; any other dump is a report.
BUSY_DUMPS='page dumped because: (isolation failed|migration failure)$'

# no_reports: no_kernel_reports and no_page_reports; after a report, the
# kernel log around the first one.
no_reports() {
	local r=0
	no_kernel_reports || r=1
	no_page_reports "$BUSY_DUMPS" || r=1
	[ "$r" = 0 ] || dmesg | grep -vE "$BUSY_DUMPS" |
		grep -m1 -B4 -A24 -E 'WARNING:|BUG:|[Bb]ad page|page dumped because|kernel BUG at|Oops|KASAN|lockdep is turned off|Call Trace' |
		sed 's/^/# | /'
	return $r
}
log "offlining: $(dmesg | grep -cE "$BUSY_DUMPS") pages dumped as busy for a moment ($(dmesg | grep -cE 'isolation failed$') not isolated, $(dmesg | grep -cE 'migration failure$') not migrated; ratelimited), then offlined"
check "kernel log: no BUG, WARNING, bad page, page dump, KASAN or lockdep report; no kmemleak suspect" no_reports
log "online-stress: $done cycles in $(elapsed)s"
[ "$KIND" != patched ] || ndctl destroy-namespace -f "$ns" >/dev/null 2>&1
summary
