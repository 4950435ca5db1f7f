#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# make check's run of the README's base-vs-patched host bench procedure,
# word for word but scaled down (3 rebinds of 1G), under both labels on the
# one kernel it boots, in a guest that stands for a plain host: booted with
# rig.plain=1 (init mounts proc, sysfs, devtmpfs, debugfs and tracefs and
# prepares nothing else: no tracer, no dynamic debug), with two NFIT regions
# (rig/qemu-run.sh --nvdimm 2G --nvdimm 1G).
#
# First the host as its operator finds it: the platform's drivers loaded
# (udev's work on a host: nfit, and nd_pmem for the namespace already
# there), labelled DIMMs, and region1 holding a namespace with data,
# which the bench is never given. Then bench.sh must refuse every run that
# would change a region BENCH_DESTROY does not name and every run that
# lacks a prerequisite, naming it, before it changes anything; the
# procedure's runs must work, take the kernel's path from the pr_debug line
# bench.sh turned on itself, agree with the kernel's page counts, and put
# back the tracing and dynamic debug; region1's namespace and bytes must be
# intact at the end. The raw files go to the host as "@raw-file NAME LINE"
# lines, where rig/host-bench-report.sh runs the procedure's last step.
. /guest/lib.sh

# The top of the checkout: guest/ is there.
cd / || exit 1
for m in nfit nd_pmem; do
	modprobe $m || fail "setup: modprobe $m"
done
check "setup: NFIT labels initialised" init_nfit_labels
ndctl list -R | sed 's/^/# /'
# Raw: region1's start, right after region0's label-trimmed NVDIMM, is not
# aligned to the 16M an fsdax or devdax namespace needs.
if json=$(ndctl create-namespace -r region1 -s 512M -m raw); then
	blk=$(echo "$json" | json_field blockdev)
	bytes=$(blockdev_size "$blk")
	check "setup: region1 holds data (a raw namespace: /dev/$blk)" pattern_write "/dev/$blk" "$bytes" 21
else
	fail "setup: ndctl create-namespace -r region1"
fi
region1=$(ndctl list -N -r region1)
DDCTL=/proc/dynamic_debug/control

# lacks TEXT FILE: no line of FILE holds TEXT.
lacks() { ! grep -qF -- "$1" "$2"; }

# refused DESC WANT CMD...: CMD exits 2, says WANT, and changes no namespace.
refused() {
	local d="$1" want="$2" out rc ns
	shift 2
	ns=$(ndctl list -N)
	out=$("$@" 2>&1 >/dev/null)
	rc=$?
	echo "$out" | sed 's/^/# | /'
	check "refuses $d: exit 2 (got $rc)" test "$rc" = 2
	case "$out" in
	*"$want"*) pass "refuses $d: says '$want'" ;;
	*) fail "refuses $d: does not say '$want'" ;;
	esac
	check "refuses $d: no namespace changed" test "$(ndctl list -N)" = "$ns"
}

refused "BENCH_DESTROY=1" "BENCH_DESTROY=1 no longer agrees" \
	env BENCH_DESTROY=1 guest/bench.sh fsdax-dev 3 1G region0
refused "without BENCH_DESTROY" "does not name region0" \
	env -u BENCH_DESTROY guest/bench.sh fsdax-dev 3 1G region0
refused "BENCH_DESTROY=region1 for region0" "does not name region0" \
	env BENCH_DESTROY=region1 guest/bench.sh fsdax-dev 3 1G region0
refused "virtio-fsdax-dev without VREGION" "needs VREGION=regionN" \
	env BENCH_DESTROY=region0 guest/bench.sh virtio-fsdax-dev 3 1G region0
refused "VREGION=region1 not in BENCH_DESTROY" "does not name region1" \
	env BENCH_DESTROY=region0 VREGION=region1 guest/bench.sh fsdax-dev+virtio-fsdax-dev 3 1G region0
refused "without ndctl" "missing ndctl: install ndctl" \
	env PATH=/bin:/sbin BENCH_DESTROY=region0 guest/bench.sh fsdax-dev 3 1G region0
refused "a SIZE larger than the region" "missing room for 64G in region0" \
	env BENCH_DESTROY=region0 guest/bench.sh fsdax-dev 3 64G region0
refused "a region that is not there" "missing the region region7" \
	env BENCH_DESTROY=region7 guest/bench.sh fsdax-dev 3 1G region7
umount /sys/kernel/tracing
refused "without tracefs" "missing tracefs at /sys/kernel/tracing: mount -t tracefs" \
	env BENCH_DESTROY=region0 guest/bench.sh fsdax-dev 3 1G region0
mount -t tracefs tracefs /sys/kernel/tracing

# ran LABEL RC: the run under LABEL worked and put back what it changed.
ran() {
	local n
	sed 's/^/# | /' "/tmp/$1.err"
	check "$1 run: exit 0 (got $2)" test "$2" = 0
	for c in fsdax-dev devdax-2m; do
		n=$(grep -c "^@bind config=$c kernel=$1 " "$1.raw")
		check "$1 run: $c has 4 records (got $n)" test "$n" = 4
	done
	check "$1 run: every record has a path (from the pr_debug line bench.sh turned on)" \
		lacks " path=- " "$1.raw"
	check "$1 run: its page counts are the kernel's (no warning)" \
		lacks "# warning" "/tmp/$1.err"
	check "$1 run: its tracing instance is gone" test ! -e "$TRACEFS/instances/memmap-bench"
	check "$1 run: the top-level tracer is still nop" test "$(cat "$TRACEFS/current_tracer")" = nop
	check "$1 run: the top-level function filter is still empty" \
		grep -q '^#### all functions enabled ####$' "$TRACEFS/set_ftrace_filter"
	check "$1 run: the pr_debug of memmap_init_zone_device() is off again" \
		lacks "memmap_init_zone_device =p" $DDCTL
	check "$1 run: region1's namespace is as it was" test "$(ndctl list -N -r region1)" = "$region1"
}

check "before: the pr_debug of memmap_init_zone_device() is off" \
	lacks "memmap_init_zone_device =p" $DDCTL

# The README's procedure; its last step (bench/report.py base.raw
# patched.raw) runs on the host.
log "README step 1, on the base kernel (here: the check kernel)"
{
	BENCH_DESTROY=region0 BENCH_KERNEL=base guest/bench.sh fsdax-dev+devdax-2m 3 1G region0 >base.raw
} 2>/tmp/base.err
ran base $?
log "README step 2, on the patched kernel (here: the same check kernel)"
{
	BENCH_DESTROY=region0 BENCH_KERNEL=patched guest/bench.sh fsdax-dev+devdax-2m 3 1G region0 >patched.raw
} 2>/tmp/patched.err
ran patched $?

check "after: region1's data is intact" pattern_check "/dev/$blk" "$bytes" 21
for f in base.raw patched.raw; do
	sed "s/^/@raw-file $f /" $f
done
summary
