#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bench-native: build memmap-replay with the host compiler and run it on
# anonymous memory, on a file in the page cache of the filesystem that holds
# the rig's pmem backing files (what QEMU's memory-backend-file gives the
# guest's NVDIMM), and on each --dest (a devdax device, or a directory on a
# DAX filesystem); then print the table (results/native/native.txt), the CSV
# (results/native/native.csv), and this run's stream/cached beside the
# committed runs of bench/native/results/. --save copies the table and CSV
# there as <cpu>_<kernel>.{txt,csv}, to be committed as they are.
# No kernel build; root only for a --dest that needs it. A --dest that is a
# file or a device is overwritten.
#
# Usage: bench/native/run.sh [--size 1600M] [--runs 5] [--threads 1,2] [--dest PATH]... [--save]
set -euo pipefail
. "$(dirname "$0")/../../rig/lib.sh"

out=$RESULTS_DIR/native
args=() dests=(anon "$CACHE_DIR/pmem") save=0
committed=$TOP_DIR/bench/native/results
while [ $# -gt 0 ]; do
	case "$1" in
	--size | --runs | --threads) [ $# -ge 2 ] || die "$1 needs a value"; args+=("$1" "$2"); shift ;;
	--dest) [ $# -ge 2 ] || die "--dest needs a path"; dests+=("$2"); shift ;;
	--save) save=1 ;;
	-h | --help) sed -n '3,14s/^# \{0,1\}//p' "$0"; exit 0 ;;
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
	[ "$d" = anon ] || [ -d "$d" ] || warn "$d is overwritten: its first MiBs (the memmap size) are now the test pattern"
	"$out/memmap-replay" "${args[@]}" --dest "$d" >"$out/$n.raw" ||
		die "memmap-replay failed on $d (its output: $out/$n.raw)"
done
step "bench-native: report"
"$(dirname "$0")/report.py" --csv "$out/native.csv" --compare "$committed" "$out"/*.raw |
	tee "$out/report.txt"
sed '/^$/,$d' "$out/report.txt" >"$out/native.txt"
info "table: $out/native.txt, CSV: $out/native.csv"
if [ "$save" = 1 ]; then
	name=$(sed -n '3s/^\([^,]*\),\([^,]*\),.*/\1_\2/p' "$out/native.csv" |
		tr '[:upper:]' '[:lower:]' | tr -c 'a-z0-9._\n-' '-')
	[ -n "$name" ] || die "no CPU and kernel in $out/native.csv"
	cp "$out/native.txt" "$committed/$name.txt"
	cp "$out/native.csv" "$committed/$name.csv"
	info "saved as $committed/$name.{txt,csv}: commit them as they are"
fi
