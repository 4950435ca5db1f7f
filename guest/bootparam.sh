#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A bad libnvdimm.memmap_streaming on the kernel command line, one boot
# per value (rig/check.sh), no value included: a typo in a performance
# hint must not cost the namespaces. libnvdimm loads, warns once naming
# the value, keeps auto, and the regions and namespaces appear as they do
# without it.
#
# Usage: bootparam.sh   (the kernel booted with libnvdimm.memmap_streaming[=BAD])
. /guest/lib.sh

# Given as "libnvdimm.memmap_streaming" without "=", it has no value: the
# warning shows an empty one.
v=$(tr ' ' '\n' </proc/cmdline | sed -n 's/^libnvdimm\.memmap_streaming=\{0,1\}//p')
check "booted with libnvdimm.memmap_streaming='$v'" grep -q 'libnvdimm\.memmap_streaming' /proc/cmdline
leak_baseline
check "modprobe libnvdimm works" modprobe libnvdimm
check "libnvdimm.memmap_streaming reads auto" \
	test "$(cat /sys/module/libnvdimm/parameters/memmap_streaming 2>/dev/null)" = auto
warned() { dmesg | grep -qF "libnvdimm.memmap_streaming=$v: not auto, on or off; ignored"; }
check "the kernel log says: libnvdimm.memmap_streaming=$v: not auto, on or off; ignored" warned
load_pmem_stack
# The NFIT NVDIMM and the virtio-pmem device of rig/check.sh's guests.
check "both regions are there" test "$(ndctl list -R | grep -c '"dev":"region')" = 2
check "the virtio-pmem namespace is there" sh -c 'ndctl list -N | grep -q "\"dev\":\"namespace"'
check "kernel log: no warning, BUG or lockdep report; no kmemleak suspect" no_kernel_reports
summary
