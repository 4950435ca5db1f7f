#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bench-native: build memmap-replay with the host compiler and run it on
# anonymous memory, on a file in the page cache of the filesystem that holds
# the rig's pmem backing files (what QEMU's memory-backend-file gives the
# guest's NVDIMM), and on each --dest; then print the table
# (results/native/native.txt), the CSV (results/native/native.csv), the
# verdicts (bench/native/report.py: does streaming pay, per memory and
# thread count; do threads pay), and this run's stream/cached beside the
# committed runs of bench/native/results/. --save copies the table, the CSV
# and the per-run data (.raw, which the verdicts are computed from) there as
# <cpu>_<kernel>.{txt,csv,raw}, to be committed as they are.
#
# A --dest that is a directory gets a new file (on a DAX filesystem: the
# device's media, nothing overwritten). A --dest that is an existing file or
# a block or character device (/dev/daxX.Y, /dev/pmemN) is overwritten, so it
# is refused unless BENCH_NATIVE_OVERWRITE names that very path; one that is
# mounted, held, swapped on, open or mapped by a process, or onlined, is
# refused always. Every --dest is checked before anything runs. No kernel
# build; root only for a --dest that needs it.
#
# Usage: [BENCH_NATIVE_OVERWRITE=PATH] bench/native/run.sh [--size 1600M] [--runs 10]
#            [--threads 1,2] [--dest PATH]... [--save]
set -euo pipefail
. "$(dirname "$0")/../../rig/lib.sh"

out=$RESULTS_DIR/native
args=() dests=(anon "$CACHE_DIR/pmem") mine=() save=0
committed=$TOP_DIR/bench/native/results
while [ $# -gt 0 ]; do
	case "$1" in
	--size | --runs | --threads) [ $# -ge 2 ] || die "$1 needs a value"; args+=("$1" "$2"); shift ;;
	--dest) [ $# -ge 2 ] || die "--dest needs a path"; dests+=("$2") mine+=("$2"); shift ;;
	--save) save=1 ;;
	-h | --help) sed -n '3,24s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) die "unknown option $1 (see --help)" ;;
	esac
	shift
done

need_cmd make cc python3

# check_dest PATH: PATH may be written (see the header); dies otherwise,
# before anything ran.
check_dest() {
	local d=$1 real kind='' what name users
	[ "$d" != anon ] || return 0
	[ -e "$d" ] || die "DEST $d: no such file, directory or device"
	[ ! -d "$d" ] || return 0
	real=$(readlink -f "$d")
	if [ -b "$real" ]; then
		kind=block what='a block device'
	elif [ -c "$real" ]; then
		kind=char what='a character device'
	else
		what='an existing file'
	fi
	if [ -n "$kind" ]; then
		# The kernel's name of the device, wherever its node is.
		name=$(sed -n 's/^DEVNAME=//p' "/sys/dev/$kind/$((0x$(stat -c %t "$real"))):$((0x$(stat -c %T "$real")))/uevent" 2>/dev/null)
		users=$(sh -c '. "$1/guest/lib.sh" && dev_users "$2"' sh "$TOP_DIR" "${name:-${real#/dev/}}")
		[ -z "$users" ] ||
			die "DEST $d is in use, refused whatever BENCH_NATIVE_OVERWRITE says: $(echo "$users" | tr '\n' ';' | sed 's/;$//')"
	fi
	[ -n "${BENCH_NATIVE_OVERWRITE:-}" ] && [ "$(readlink -f "$BENCH_NATIVE_OVERWRITE")" = "$real" ] ||
		die "DEST $d is $what: bench-native would overwrite its first $(size_bytes) bytes. Give a directory instead (a new file there; on a DAX filesystem: DEST=/mnt/pmem-fs), or, for a spare device or file whose data you agree to lose, name it again: BENCH_NATIVE_OVERWRITE=$d"
}
# size_bytes: --size in bytes (1600M by default).
size_bytes() {
	local v=1600M i
	for ((i = 0; i < ${#args[@]}; i++)); do
		[ "${args[i]}" != --size ] || v=${args[i + 1]}
	done
	numfmt --from=iec "$v" 2>/dev/null || echo "$v"
}
for d in "${mine[@]}"; do
	check_dest "$d"
done
mkdir -p "$out" "$CACHE_DIR/pmem"
step "bench-native: building memmap-replay"
make -s -C "$(dirname "$0")" O="$out"
rm -f "$out"/*.raw
n=0
for d in "${dests[@]}"; do
	n=$((n + 1))
	step "bench-native: destination $n of ${#dests[@]}: $d"
	over=()
	if [ "$d" != anon ] && [ ! -d "$d" ]; then
		warn "$d is overwritten (BENCH_NATIVE_OVERWRITE names it): its first MiBs (the memmap size) are now the test pattern"
		over=(--overwrite)
	fi
	"$out/memmap-replay" "${args[@]}" "${over[@]}" --dest "$d" >"$out/$n.raw" ||
		die "memmap-replay failed on $d (its output: $out/$n.raw)"
done
step "bench-native: report"
"$(dirname "$0")/report.py" --csv "$out/native.csv" --txt "$out/native.txt" \
	--compare "$committed" "$out"/[0-9]*.raw | tee "$out/report.txt"
info "table: $out/native.txt, CSV: $out/native.csv"
if [ "$save" = 1 ]; then
	name=$(sed -n '3s/^\([^,]*\),\([^,]*\),.*/\1_\2/p' "$out/native.csv" |
		tr '[:upper:]' '[:lower:]' | tr -c 'a-z0-9._\n-' '-')
	[ -n "$name" ] || die "no CPU and kernel in $out/native.csv"
	cp "$out/native.txt" "$committed/$name.txt"
	cp "$out/native.csv" "$committed/$name.csv"
	cat "$out"/[0-9]*.raw >"$committed/$name.raw"
	info "saved as $committed/$name.{txt,csv,raw}: commit them as they are"
fi
