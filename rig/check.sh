#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make check: every stage in order, each counted as a test, then the guest
# smoke suite whose own checks are counted one by one. Ends with
# "N passed, N failed" and a non-zero status on any failure. A stage that
# fails stops the stages that depend on it; they are counted as failed.
# The guest suites run on the check kernel: the series plus the test-only
# patches of patches/test-only/ (the debug verification), with
# rig/check.config; never one of the kernels make bench measures.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

passed=0 failed=0
timings=()
logdir=$RESULTS_DIR/check
mkdir -p "$logdir"

# stage NAME CMD...: run one stage, log it, count it.
stage() {
	local name=$1 t0 rc
	shift
	t0=$(date +%s)
	step "check: $name"
	"$@" 2>&1 | tee "$logdir/$name.log"
	rc=${PIPESTATUS[0]}
	timings+=("$(printf '%-28s %5ss' "$name" $(($(date +%s) - t0)))")
	if [ "$rc" = 0 ]; then
		passed=$((passed + 1))
		echo "ok - $name"
	else
		failed=$((failed + 1))
		echo "not ok - $name (log: $logdir/$name.log)"
	fi
	return "$rc"
}

# guest_suite NAME KERNEL SCRIPT [ARGS...]: run a guest script (within
# GUEST_TIMEOUT seconds, default 1500) and count its checks. Every one gets 2 vCPUs (whatever CHECK_ACCEL is: the streaming
# path must run on an SMP guest) and the same NFIT NVDIMM and virtio-pmem
# device, unless QEMU_OPTS (qemu-run.sh options) says otherwise.
guest_suite() {
	local name=$1 kernel=$2 t0 rc p f
	shift 2
	t0=$(date +%s)
	step "check: $name (guest/$1 on the $kernel kernel)"
	# shellcheck disable=SC2086
	"$RIG_DIR/qemu-run.sh" -k "$kernel" -a "${CHECK_ACCEL:-tcg}" -c 2 ${QEMU_OPTS:---nvdimm 8G --virtio-pmem 2G} \
		-o "$logdir/$name" -t "${GUEST_TIMEOUT:-1500}" "$@"
	rc=$?
	timings+=("$(printf '%-28s %5ss' "$name" $(($(date +%s) - t0)))")
	p=$(grep -c '^ok - ' "$logdir/$name/guest.log" 2>/dev/null)
	f=$(grep -c '^not ok - ' "$logdir/$name/guest.log" 2>/dev/null)
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0}))
	# A guest that died, or a suite that failed without saying which check,
	# still counts as a failure.
	if [ "$rc" != 0 ] && [ "${f:-0}" = 0 ]; then
		failed=$((failed + 1))
		echo "not ok - $name: guest exited $rc (logs: $logdir/$name)"
	fi
}

finish() {
	echo
	echo "Stage timings:"
	printf '  %s\n' "${timings[@]}"
	echo
	echo "$passed passed, $failed failed"
	[ "$failed" = 0 ]
	exit
}

# make check-kasan: sanitizer builds must keep the slow path and still pass.
# Kept out of make check (a KASAN build takes ~25 minutes). Under TCG,
# KASAN with 5-level paging reports a wild access in early interrupt
# handling (la57=off), and ACPI methods time out (pci=noacpi routes PCI
# interrupts without them; no NVDIMM, whose labels are ACPI methods, and
# legacy e820 pmem instead, which needs no ACPI, onlined through dax/kmem
# with and without memmap_on_memory). The KASAN kernel is built
# on the check tree, with its lockdep and kmemleak, so that the smoke suite
# can switch the verification on.
if [ "${1:-}" = --kasan ]; then
	stage series-applies "$RIG_DIR/patched-tree.sh" check || finish
	stage build-kasan sh -c "'$RIG_DIR/build-kernel.sh' kasan && '$RIG_DIR/mkinitramfs.sh' kasan" || finish
	QEMU_OPTS="--cpu max,la57=off --mem 3G --e820 2G --append pci=noacpi --append memory_hotplug.memmap_on_memory=1" \
		guest_suite smoke-kasan kasan smoke.sh 1G kasan
	QEMU_OPTS="--cpu max,la57=off --mem 3G --e820 2G --append pci=noacpi" \
		GUEST_TIMEOUT=900 guest_suite online-stress-kasan kasan online-stress.sh 10 1 kasan
	finish
fi

stage unit-tests python3 -m unittest discover -s "$TOP_DIR/tests" -p 'test_*.py'
stage base-fetch-checksum "$RIG_DIR/fetch-base.sh" || finish
stage series-applies "$RIG_DIR/patched-tree.sh" || finish
stage apply-command "$RIG_DIR/check-apply.sh"
stage test-only-applies "$RIG_DIR/patched-tree.sh" check || finish
stage checkpatch-strict "$RIG_DIR/checkpatch.sh"
stage build-check sh -c "'$RIG_DIR/build-kernel.sh' check && '$RIG_DIR/mkinitramfs.sh' check" || finish
# The series built into a tinyconfig kernel with ZONE_DEVICE but without
# DEVICE_PRIVATE, memcpy_streaming's KUnit suite built in, must link;
# vmlinux only, on the patched tree.
stage build-linkcheck "$RIG_DIR/build-kernel.sh" linkcheck
# memmap_on_memory is boot-only; dax devices still choose it one by one.
# memremap.memmap_threads at its default, 0 (automatic): 2 threads per
# memmap of two sections or more on the 2 vCPUs.
QEMU_OPTS="--nvdimm 8G --virtio-pmem 2G --virtio-mem 2G --append memory_hotplug.memmap_on_memory=1" \
	guest_suite smoke-check check smoke.sh 1G patched
# 1,000 memmap initialisations in one boot, with concurrent policy writes
# and DAX reads; ~8 minutes under TCG on 2 cores with lockdep and kmemleak.
QEMU_OPTS="--nvdimm 8G --virtio-pmem 2G" \
	GUEST_TIMEOUT=2400 guest_suite stress check stress.sh 1000
# Online/offline cycles of the same memory block of a devdax device
# (dax/kmem, movable), while other tasks read its /proc/kpageflags, write
# compact_memory (and soft_offline_page, where the kernel has
# MEMORY_FAILURE) and allocate: every cycle must work and leave its pages
# as the allocator and the kernel log expect.
QEMU_OPTS="--nvdimm 3G" GUEST_TIMEOUT=1200 guest_suite online-stress check online-stress.sh 100 1
# The NVDIMM on node 1 of two: the threads are node 1's CPUs.
QEMU_OPTS="--two-nodes -c 3 --nvdimm 2G" guest_suite numa check numa.sh
# A helper that cannot start (its only CPU taken by a SCHED_FIFO task):
# binds timed with padata's cancellation and, test-only, without it.
QEMU_OPTS="--nvdimm 2G" guest_suite padata-cancel check cancel.sh
# Faults after a memmap was written (test-only fault injection): probes
# failed right after memremap_pages(), and KUnit's two-range pgmaps whose
# second range fails.
guest_suite fault check fault.sh
# The automatic thread count (memremap.memmap_threads=0) where it has one
# thread to give: every rebind must be serial (one chunk, in the caller).
# CPU 1 isolated from scheduling domains, also once written back into the
# workqueue cpumask (a 1G fsdax map=dev namespace);
QEMU_OPTS="--nvdimm 2G --append isolcpus=domain,1" GUEST_TIMEOUT=900 \
	guest_suite serial-isolcpus check serial.sh isolcpus
# a deduplicated vmemmap, devdax map=mem aligned to 1G: two compound pages,
# 256 struct pages written; the positive control, aligned to 2M, 2 threads.
QEMU_OPTS="--nvdimm 4G" GUEST_TIMEOUT=900 guest_suite serial-dedup check serial.sh dedup
# Four namespaces of four kinds bound at once (ndctl enable-namespace all,
# then the bind files written together until two memmaps overlapped),
# each in 2 threads: all bound, verified, data intact, no report.
QEMU_OPTS="--nvdimm 8G" GUEST_TIMEOUT=1200 guest_suite concurrent-binds check concurrent.sh 1G
# KUnit alone where the template path gets one CPU: a single vCPU, and two
# with CPU 1 isolated from scheduling domains.
QEMU_OPTS="-c 1" guest_suite kunit-1cpu check kunit.sh 0
QEMU_OPTS="--append isolcpus=domain,1" guest_suite kunit-isolcpus check kunit.sh 0-1 1
# A bad module parameter, one boot per value: a word and an empty value on
# the kernel command line, no value at all as a modprobe option.
for v in junk ''; do
	QEMU_OPTS="--nvdimm 8G --virtio-pmem 2G --append libnvdimm.memmap_streaming=$v" \
		guest_suite "boot-param-${v:-empty}" check bootparam.sh
done
QEMU_OPTS="--nvdimm 8G --virtio-pmem 2G" guest_suite boot-param-novalue check bootparam.sh novalue
guest_suite udev-policy check udev.sh
guest_suite kselftest check kselftest.sh region0 region1
# The README's host bench procedure, word for word, under both labels, on a
# guest whose init prepares nothing (rig.plain=1), with region1 holding data
# the bench must leave alone, its refusals (names, namespaces in use) and
# three runs killed at the points it must put back (region0 of 3G: the
# killed "online" run onlines 1G of a 2G align=1G devdax); then the
# README's report.py step on its files.
QEMU_OPTS="--nvdimm 3G --nvdimm 1G --append rig.plain=1" GUEST_TIMEOUT=900 \
	guest_suite host-bench check host-bench.sh
stage host-bench-report "$RIG_DIR/host-bench-report.sh" "$logdir/host-bench"
stage each-patch-builds "$RIG_DIR/build-each-patch.sh"
finish
