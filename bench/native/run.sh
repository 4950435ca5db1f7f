#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bench-native: build memmap-replay with the host compiler and run it on
# anonymous memory, on a file in the page cache of the filesystem that holds
# the rig's pmem backing files (what QEMU's memory-backend-file gives the
# guest's NVDIMM), and on each --dest (a devdax device, or a directory on a
# DAX filesystem); then print the table and write results/native/native.csv.
# No kernel build, no root.
#
# Usage: bench/native/run.sh [--size 1600M] [--runs 5] [--threads 1,2] [--dest PATH]...
set -euo pipefail
. "$(dirname "$0")/../../rig/lib.sh"

out=$RESULTS_DIR/native
args=() dests=(anon "$CACHE_DIR/pmem")
while [ $# -gt 0 ]; do
	case "$1" in
	--size | --runs | --threads) [ $# -ge 2 ] || die "$1 needs a value"; args+=("$1" "$2"); shift ;;
	--dest) [ $# -ge 2 ] || die "--dest needs a path"; dests+=("$2"); shift ;;
	-h | --help) sed -n '3,10s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) die "unknown option $1 (see --help)" ;;
	esac
	shift
done

need_cmd make cc python3
mkdir -p "$out" "$CACHE_DIR/pmem"
step "bench-native: building memmap-replay"
make -s -C "$(dirname "$0")" O="$out"
rm -f "$out"/*.raw
n=0
for d in "${dests[@]}"; do
	n=$((n + 1))
	step "bench-native: destination $n of ${#dests[@]}: $d"
	"$out/memmap-replay" "${args[@]}" --dest "$d" >"$out/$n.raw" ||
		die "memmap-replay failed on $d (its output: $out/$n.raw)"
done
step "bench-native: report"
"$(dirname "$0")/report.py" --csv "$out/native.csv" "$out"/*.raw
info "CSV: $out/native.csv"
