#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A bad libnvdimm.memmap_streaming= on the kernel command line, one boot
# per value (rig/check.sh): as with any module parameter, libnvdimm refuses
# to load and the kernel log says which value and parameter, and the
# kernel carries on without a warning.
#
# Usage: bootparam.sh   (the kernel booted with libnvdimm.memmap_streaming=BAD)
. /guest/lib.sh

v=$(tr ' ' '\n' </proc/cmdline | sed -n 's/^libnvdimm\.memmap_streaming=//p')
check "booted with libnvdimm.memmap_streaming='$v'" grep -q 'libnvdimm\.memmap_streaming=' /proc/cmdline
leak_baseline
check "modprobe libnvdimm fails" sh -c '! modprobe libnvdimm 2>/dev/null'
check "libnvdimm is not loaded" test ! -e /sys/module/libnvdimm
refused_in_log() { dmesg | grep -qF "libnvdimm: \`$v' invalid for parameter \`memmap_streaming'"; }
check "the kernel log says: \`$v' invalid for parameter \`memmap_streaming'" refused_in_log
check "kernel log: no warning, BUG or lockdep report; no kmemleak suspect" no_kernel_reports
summary
