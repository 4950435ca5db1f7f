#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The series' KUnit suites alone, in a guest whose CPUs rig/check.sh sets
# (one vCPU; two with CPU 1 isolated): they compare bytes, not thread
# counts, so they must pass with whatever threads the kernel gives them.
# First checks that the guest has the CPUs it was booted for.
#
# Usage: kunit.sh ONLINE [ISOLATED]   what /sys/devices/system/cpu/online
#                                     and .../isolated must read
. /guest/lib.sh

cpus=/sys/devices/system/cpu
check "online CPUs: '$(cat $cpus/online)', want '$1'" test "$(cat $cpus/online)" = "$1"
check "isolated CPUs: '$(cat $cpus/isolated)', want '${2:-}'" test "$(cat $cpus/isolated)" = "${2:-}"
leak_baseline
kunit zone_device_memmap_kunit
sed 's/^/# | /' /tmp/kunit-zone_device_memmap_kunit
# Every parameter ran but the PUD-order page of the two-range fault case,
# which is larger than a range.
skipped() { grep '# SKIP' /tmp/kunit-zone_device_memmap_kunit | grep -v 'larger than a range'; }
check "zone_device_memmap: no parameter skipped$(skipped | head -n1 | sed 's/^ */: /')" test -z "$(skipped)"
kunit memcpy_streaming_kunit
kunit padata_kunit
check "kernel log: no warning, BUG or lockdep report; no kmemleak suspect" no_kernel_reports
summary
