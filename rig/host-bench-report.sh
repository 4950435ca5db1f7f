#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make check: the last step of the README's host bench procedure,
# "bench/report.py base.raw patched.raw", on the raw files that
# guest/host-bench.sh sent as "@raw-file NAME LINE" lines. The report must
# work and give every row of the patched label a ratio against the base.
#
# Usage: rig/host-bench-report.sh DIR   (DIR/guest.log: the host-bench guest's log)
set -uo pipefail
. "$(dirname "$0")/lib.sh"

dir=${1:?usage: rig/host-bench-report.sh DIR}
for f in base.raw patched.raw; do
	sed -n "s/^@raw-file $f //p" "$dir/guest.log" >"$dir/$f"
	grep -q '^@bind ' "$dir/$f" || die "no @bind record of $f in $dir/guest.log"
done
# As the README has it, from a directory holding the two files.
cd "$dir" || exit 1
"$TOP_DIR/bench/report.py" base.raw patched.raw | tee report.txt
rc=${PIPESTATUS[0]}
[ "$rc" = 0 ] || die "bench/report.py base.raw patched.raw exited $rc"
grep -q '^accel=host: wall-clock time' report.txt || die "the report has no accel=host table"
# The ratios, from the same files as CSV: every row of the patched label
# has one against base.
"$TOP_DIR/bench/report.py" --csv ratios.csv base.raw patched.raw >/dev/null || die "report.py --csv failed"
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
	$col["kernel"] == "patched" { n++; if ($col["ratio_vs_base"] !~ /^[0-9]+\.[0-9]+$/) bad = 1
		printf "    %s patched: ratio_vs_base %s\n", $col["config"], $col["ratio_vs_base"] }
	END { exit bad || n != 2 }' ratios.csv ||
	die "want 2 rows labelled patched (fsdax-dev, devdax-2m), each with a ratio against base"
info "every patched row has a ratio against base"
