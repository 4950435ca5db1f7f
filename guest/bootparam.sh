#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A bad libnvdimm.memmap_streaming, one boot per value (rig/check.sh): on
# the kernel command line, or with no value at all as a modprobe option
# (kmod passes no valueless option from the command line): a typo in a
# performance hint must not cost the namespaces. libnvdimm loads, warns
# once naming the value, keeps auto, and the regions and namespaces
# appear as they do without it.
#
# Usage: bootparam.sh            (booted with libnvdimm.memmap_streaming=BAD)
#        bootparam.sh novalue    (modprobe libnvdimm memmap_streaming)
. /guest/lib.sh

leak_baseline
if [ "${1:-}" = novalue ]; then
	v=
	check "modprobe libnvdimm memmap_streaming works" modprobe libnvdimm memmap_streaming
else
	v=$(tr ' ' '\n' </proc/cmdline | sed -n 's/^libnvdimm\.memmap_streaming=//p')
	check "booted with libnvdimm.memmap_streaming='$v'" grep -q 'libnvdimm\.memmap_streaming=' /proc/cmdline
	check "modprobe libnvdimm works" modprobe libnvdimm
fi
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
