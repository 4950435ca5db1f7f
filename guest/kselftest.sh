#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Run the series' kselftest (tools/testing/selftests/dax/memmap_streaming.sh
# and its compiled helper dax_pattern, copied into the image from the check
# tree by rig/mkinitramfs.sh) on each region given, with its destructive
# steps opted in (MEMMAP_STREAMING_TEST_REGION=regionN; without it the test
# skips), and turn its KTAP results into the suite's ok/not ok/skip
# lines. It formats fsdax namespaces with mkfs.ext4 and mounts them -o dax.
#
# Usage: kselftest.sh REGION...   (e.g. region0 region1)
. "$(dirname "$0")/lib.sh"
rig_guest_only

test=/selftests/dax/memmap_streaming.sh
[ -f "$test" ] || { fail "kselftest: $test is not in the image (is the series applied?)"; summary; exit; }
[ -x /selftests/dax/dax_pattern ] || fail "kselftest: /selftests/dax/dax_pattern is not in the image (tools/testing/selftests/dax/dax_pattern.c)"
command -v mkfs.ext4 >/dev/null || fail "kselftest: no mkfs.ext4 in the image"
load_pmem_stack
check "NFIT: labels initialised" init_nfit_labels
for region in "$@"; do
	log "kselftest memmap_streaming.sh on $region"
	MEMMAP_STREAMING_TEST_REGION=$region bash "$test" >/tmp/ktap 2>&1
	rc=$?
	sed 's/^/# | /' /tmp/ktap
	n=0
	while read -r line; do
		case "$line" in
		"1..0 # SKIP"*) skip "kselftest $region: ${line#1..0 # SKIP }" ;;
		"ok "*"# SKIP"*) skip "kselftest $region: ${line#ok [0-9]* }" ;;
		"ok "*) pass "kselftest $region: ${line#ok [0-9]* }" ;;
		"not ok "*) fail "kselftest $region: ${line#not ok [0-9]* }" ;;
		*) continue ;;
		esac
		n=$((n + 1))
	done </tmp/ktap
	[ "$n" -gt 0 ] || fail "kselftest $region: no KTAP result (exit $rc)"
	# 4 is kselftest's "skipped": acceptable only if every result said SKIP.
	case "$rc" in 0 | 4) ;; *) fail "kselftest $region: exit status $rc" ;; esac
done
summary
