#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# make check's run of the README's base-vs-patched host bench procedure
# (bench/host/bench.sh), word for word but scaled down (3 rebinds of 1G),
# under both labels on the one kernel it boots, in a guest that stands for
# a plain host: booted with rig.plain=1 (init mounts proc, sysfs, devtmpfs,
# debugfs and tracefs and prepares nothing else: no tracer, no dynamic
# debug), with two NFIT regions (rig/qemu-run.sh --nvdimm 3G --nvdimm 1G).
#
# First the host as its operator finds it: the platform's drivers loaded
# (udev's work on a host: nfit, and nd_pmem for the namespace already
# there), labelled DIMMs, and region1 holding a namespace with data,
# which the bench is never given. Then bench.sh must refuse every run that
# would change a region BENCH_DESTROY does not name (and any name that is
# not regionN: all, a number), every run that lacks a prerequisite, naming
# it, and every run whose region holds a namespace in use (open by a
# process, a mounted filesystem), before it changes anything; three runs
# killed (its test hook BENCH_TEST_KILL_AT) with its tracing set up, with a
# device unbound, and with a device online as System RAM must each leave
# the host as they found it; the procedure's runs must work, print what they
# destroy, label each record with its device's own memmap_streaming (the pfn
# seed set to off before step 2, as a udev policy would), take the kernel's
# path from the pr_debug line bench.sh turned on itself, agree with the
# kernel's page counts, and put back the tracing and dynamic debug;
# region1's namespace and bytes must be intact at the end. The raw files go
# to the host as "@raw-file NAME LINE" lines, where
# rig/host-bench-report.sh runs the procedure's last step.
. "$(dirname "$0")/lib.sh"
rig_guest_only

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

BENCH=bench/host/bench.sh
refused "BENCH_DESTROY=1" "BENCH_DESTROY names '1', which is not a region name" \
	env BENCH_DESTROY=1 $BENCH fsdax-dev 3 1G region0
refused "BENCH_DESTROY=all" "BENCH_DESTROY names 'all', which is not a region name" \
	env BENCH_DESTROY=all $BENCH fsdax-dev 3 1G region0
refused "REGION all" "REGION 'all' is not a region name" \
	env BENCH_DESTROY=all $BENCH fsdax-dev 3 1G all
refused "VREGION=all" "VREGION 'all' is not a region name" \
	env BENCH_DESTROY="region0 all" VREGION=all $BENCH fsdax-dev+virtio-fsdax-dev 3 1G region0
refused "without BENCH_DESTROY" "does not name region0" \
	env -u BENCH_DESTROY $BENCH fsdax-dev 3 1G region0
refused "BENCH_DESTROY=region1 for region0" "does not name region0" \
	env BENCH_DESTROY=region1 $BENCH fsdax-dev 3 1G region0
refused "virtio-fsdax-dev without VREGION" "needs VREGION=regionN" \
	env BENCH_DESTROY=region0 $BENCH virtio-fsdax-dev 3 1G region0
refused "VREGION=region1 not in BENCH_DESTROY" "does not name region1" \
	env BENCH_DESTROY=region0 VREGION=region1 $BENCH fsdax-dev+virtio-fsdax-dev 3 1G region0
refused "without ndctl" "missing ndctl: install ndctl" \
	env PATH=/bin:/sbin BENCH_DESTROY=region0 $BENCH fsdax-dev 3 1G region0
refused "a SIZE larger than the region" "missing room for 64G in region0" \
	env BENCH_DESTROY=region0 $BENCH fsdax-dev 3 64G region0
refused "a region that is not there" "missing the region region7" \
	env BENCH_DESTROY=region7 $BENCH fsdax-dev 3 1G region7
umount /sys/kernel/tracing
refused "without tracefs" "missing tracefs at /sys/kernel/tracing: mount -t tracefs" \
	env BENCH_DESTROY=region0 $BENCH fsdax-dev 3 1G region0
mount -t tracefs tracefs /sys/kernel/tracing

# In use: region1's namespace open by a process (even with region1 named),
# and a filesystem mounted from a namespace of region0.
# shellcheck disable=SC2217 # held open, never read
sleep 600 <"/dev/$blk" &
opener=$!
refused "region1 with /dev/$blk open by a process" "region1 is in use: /dev/$blk is open or mapped by process $opener" \
	env BENCH_DESTROY=region1 $BENCH fsdax-dev 3 256M region1
kill $opener
wait $opener 2>/dev/null
mounted=
if json=$(ndctl create-namespace -r region0 -s 512M -m fsdax -M dev); then
	fsblk=$(echo "$json" | json_field blockdev)
	mkdir -p /mnt/fs
	if mkfs.ext4 -q -F "/dev/$fsblk" && mount "/dev/$fsblk" /mnt/fs; then
		mounted=1
		refused "region0 with /dev/$fsblk mounted" "region0 is in use: /dev/$fsblk is mounted on /mnt/fs" \
			env BENCH_DESTROY=region0 $BENCH fsdax-dev 3 1G region0
		umount /mnt/fs
	fi
fi
check "setup: a filesystem on region0 mounted and unmounted" test -n "$mounted"
ndctl destroy-namespace -f all -r region0 >/dev/null 2>&1
check "setup: region0 empty again" test -z "$(region_namespaces region0)"

# --- interrupted runs: killed at each point, the host as it was --------------

# host_state: what an interrupted run must leave as it found it.
host_state() {
	ndctl list -N
	meminfo MemTotal
	for d in /sys/bus/dax/drivers/kmem/dax*; do [ ! -e "$d" ] || echo "kmem: ${d##*/}"; done
	ls "$TRACEFS/instances"
	cat "$TRACEFS/current_tracer"
	grep -c '^#### all functions enabled ####$' "$TRACEFS/set_ftrace_filter"
	grep "memmap_init_zone_device =p" $DDCTL || true
}

# interrupted POINT WANT ARGS...: bench.sh killed at POINT (its test hook)
# exits 143, says WANT, names nothing it could not put back, and leaves
# host_state as it was.
interrupted() {
	local point=$1 want=$2 before out rc
	shift 2
	before=$(host_state)
	out=$(env BENCH_TEST_KILL_AT="$point" BENCH_DESTROY=region0 "$@" 2>&1 >/dev/null)
	rc=$?
	echo "$out" | sed 's/^/# | /'
	check "killed at $point: exit 143 (got $rc)" test "$rc" = 143
	case "$out" in
	*"BENCH_TEST_KILL_AT=$point"*) pass "killed at $point: the test hook fired there" ;;
	*) fail "killed at $point: the test hook did not fire" ;;
	esac
	case "$out" in
	*"$want"*) pass "killed at $point: says '$want'" ;;
	*) fail "killed at $point: does not say '$want'" ;;
	esac
	case "$out" in
	*"could not"*) fail "killed at $point: could not put back something" ;;
	*) pass "killed at $point: names nothing it could not put back" ;;
	esac
	if [ "$(host_state)" = "$before" ]; then
		pass "killed at $point: the host is as before (namespaces, MemTotal, kmem, tracing, dynamic debug)"
	else
		fail "killed at $point: the host changed"
		host_state | sed 's/^/# after: /'
		echo "$before" | sed 's/^/# before: /'
	fi
}

interrupted traced "put back what it changed" $BENCH fsdax-dev 1 512M region0
interrupted unbound "to nd_pmem again" $BENCH fsdax-dev 1 512M region0
interrupted online "back to devdax (it was online as System RAM)" \
	env ONLINE_SIZE=2G $BENCH online 0 2G region0

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

# labelled LABEL CONFIG POLICY: every record of CONFIG says policy=POLICY.
labelled() {
	local n
	n=$(grep "^@bind config=$2 " "$1.raw" | grep -vc " policy=$3 ")
	check "$1 run: every $2 record is labelled policy=$3 ($n not)" test "$n" = 0
}

# The README's procedure; its last step (bench/report.py base.raw
# patched.raw) runs on the host. REGION: the README's placeholder, filled.
REGION=region0
# A namespace of region0 before step 1, which it must name before it
# destroys it.
ndctl create-namespace -r region0 -s 256M -m devdax -a 2M >/dev/null ||
	fail "setup: a devdax namespace in region0 for step 1 to destroy"
log "README step 1, on the base kernel (here: the check kernel)"
{
	BENCH_DESTROY=$REGION BENCH_KERNEL=base bench/host/bench.sh fsdax-dev+devdax-2m 3 1G $REGION >base.raw
} 2>/tmp/base.err
ran base $?
check "base run: named the namespace it destroyed first" \
	grep -q "will destroy namespace0.[0-9]* in region0: devdax, 256 MiB, /dev/dax0" /tmp/base.err
labelled base fsdax-dev auto
labelled base devdax-2m auto
# As a udev site policy would: off on the pfn seed that step 2's fsdax-dev
# namespace is created from; the module default stays auto.
seed=$(cat "$ND/devices/region0/pfn_seed")
check "setup: region0's pfn seed $seed set to off" sh -c "echo off >$ND/devices/$seed/memmap_streaming"
log "README step 2, on the patched kernel (here: the same check kernel)"
{
	BENCH_DESTROY=$REGION BENCH_KERNEL=patched bench/host/bench.sh fsdax-dev+devdax-2m 3 1G $REGION >patched.raw
} 2>/tmp/patched.err
ran patched $?
labelled patched fsdax-dev off
labelled patched devdax-2m auto

check "after: region1's data is intact" pattern_check "/dev/$blk" "$bytes" 21
for f in base.raw patched.raw; do
	sed "s/^/@raw-file $f /" $f
done
summary
