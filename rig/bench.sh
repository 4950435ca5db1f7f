#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bench: build (or reuse) the base kernel and the patched kernel, boot
# each in the same guest, bind every configuration REBINDS+1 times, and
# report memmap_init_zone_device()'s time per bind side by side (table on
# the terminal, results/bench.csv, results/bench.meta, results/bench.png).
# The rest of the matrix is one option away: --kernels adds part1 (patches
# 1-6, the template path without streaming), --policies "auto on off" boots
# the patched kernel once per streaming policy.
#
# Usage: rig/bench.sh [--size 16G] [--rebinds 10] [--accel "tcg-icount|tcg|kvm ..."]
#                     [--configs "fsdax-dev devdax-2m fsdax-mem private virtio-fsdax-dev online vmem"]
#                     [--kernels "base patched"] [--policies auto]
#                     [--opt size] [--threads "1 0"]
# --accel takes one accelerator or several (one boot per kernel, policy and
# accelerator, all in one report).
# --threads alternates memremap.memmap_threads over the values (1 serial,
# N at most N, 0 the kernel's automatic count) at each rebind of the nd and
# dax configurations on the kernels that have it (bench/host/bench.sh,
# BENCH_THREADS), and boots every kernel with as many vCPUs as the largest
# value, 2 at least where 0 is one of them. Without --accel it then runs
# under both tcg (multi-threaded TCG: what threads gain, noisy) and
# tcg-icount (instructions: what they cost). The comparison of serial with
# the default, on the patched kernel alone:
#   make bench KERNELS=patched POLICIES=auto CONFIGS="fsdax-dev devdax-2m" MEMMAP_THREADS="1 0"
# --opt size builds and boots the same kernels with -Os
# (CONFIG_CC_OPTIMIZE_FOR_SIZE, rig/size.config) in a build root of their own.
# The patched kernel boots once per streaming policy, set for every device
# with libnvdimm.memmap_streaming= (the initial value of every new nd pfn and
# dax device, which a dax-bus device inherits from its nd dax device: fsdax
# and devdax alike; a series without the knob boots once, policy "-").
set -euo pipefail
. "$(dirname "$0")/lib.sh"

size=16G rebinds=10 accels='' kernels="base patched" policies=auto threads=
configs="fsdax-dev devdax-2m fsdax-mem private virtio-fsdax-dev online vmem"
while [ $# -gt 0 ]; do
	case "$1" in
	--size) size=$2; shift ;;
	--rebinds) rebinds=$2; shift ;;
	--accel) accels=$2; shift ;;
	--configs) configs=$2; shift ;;
	--kernels) kernels=$2; shift ;;
	--policies) policies=$2; shift ;;
	--threads) threads=$2; shift ;;
	--opt) [ "$2" = size ] || die "--opt takes size"; export KERNEL_OPT=size; shift ;;
	-h | --help) sed -n '3,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown option $1 (see --help)" ;;
	esac
	shift
done
case "$size" in *[0-9]G) ;; *) die "--size takes whole GiB, e.g. 16G" ;; esac
case "$rebinds" in '' | *[!0-9]*) die "--rebinds takes a number" ;; esac
for k in $kernels; do
	case "$k" in base | part1 | patched) ;;
	*) die "unknown kernel '$k' (base part1 patched)" ;;
	esac
done
for c in $configs; do
	case "$c" in fsdax-dev | devdax-2m | fsdax-mem | private | virtio-fsdax-dev | online | vmem) ;;
	*) die "unknown configuration '$c' (fsdax-dev devdax-2m fsdax-mem private virtio-fsdax-dev online vmem)" ;;
	esac
done
cpus=1 # with --threads only
for t in $threads; do
	case "$t" in '' | *[!0-9]*) die "--threads takes numbers of 0 (automatic) or more, e.g. \"1 0\"" ;; esac
	# 0: as many threads as the node has CPUs; 2 vCPUs to have a choice.
	[ "$t" != 0 ] || t=2
	[ "$t" -le "$cpus" ] || cpus=$t
done
if [ -z "$accels" ]; then
	accels=tcg-icount
	[ -z "$threads" ] || accels="tcg tcg-icount"
fi
for a in $accels; do
	case "$a" in tcg | tcg-icount | kvm | auto) ;;
	*) die "unknown accelerator '$a' (tcg-icount tcg kvm auto)" ;;
	esac
done
gib=${size%G}
# "online" and "vmem" online 8 GiB (or all of a smaller --size).
vmem_opt=()
case " $configs " in *" vmem "*) vmem_opt=(--virtio-mem "$((gib < 8 ? gib : 8))G") ;; esac
# map=mem keeps 64 bytes of memmap per 4 KiB page in guest RAM.
mem_mib=$(((2048 + gib * 1024 / 64 + 511) / 512 * 512))
# Each rebind of the nd and dax configurations runs once per thread value.
nthreads=$(echo "$threads" | wc -w)
timeout=$((900 + gib * (rebinds * (nthreads > 1 ? nthreads : 1) + 1) * 6))

raw=$RESULTS_DIR/raw
mkdir -p "$raw"
rm -f "$raw"/*.raw

step "bench: kernels [$kernels], configs [$configs], $size namespaces, $rebinds rebinds, [$accels]${threads:+, memmap_threads [$threads] on $cpus vCPUs}"
"$RIG_DIR/fetch-base.sh"
for k in $kernels; do
	[ "$k" = base ] || "$RIG_DIR/patched-tree.sh" "$k"
done
for k in $kernels; do
	"$RIG_DIR/build-kernel.sh" "$k"
	"$RIG_DIR/mkinitramfs.sh" "$k"
done

host_meta() {
	local k=$1 accel=$2
	echo "@meta base=$BASE_PKG $BASE_DEB_VERSION"
	echo "@meta ${k}_release=$(cat "$BUILD_DIR/$k/include/config/kernel.release")"
	echo "@meta ${k}_config_sha256=$(sha256sum "$BUILD_DIR/$k/.config" | cut -c1-16)"
	[ "$k" = patched ] && echo "@meta series_sha256=$(series_stamp | cut -c1-16) ($(series_files | wc -l) patches)"
	[ "$k" = part1 ] && echo "@meta part1_series_sha256=$(series_stamp "$PART1_PATCHES" | cut -c1-16) (patches 1-$PART1_PATCHES)"
	echo "@meta accel=$accel"
	[ -z "$threads" ] || echo "@meta memmap_threads=$threads (alternating; 0: automatic), $cpus vCPUs"
	echo "@meta cc_optimize=${KERNEL_OPT:-performance}"
	echo "@meta qemu=$(qemu-system-x86_64 --version | head -n1)"
	echo "@meta host_cpu=$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n1)"
	echo "@meta guest=${mem_mib} MiB RAM, NFIT NVDIMM and virtio-pmem of $size each${vmem_opt:+, virtio-mem of ${vmem_opt[1]}}"
}

# run_one KERNEL POLICY ACCEL: one boot, every configuration, into $raw.
run_one() {
	local k=$1 policy=$2 accel=$3 name=$1 append='' t=-
	if [ "$policy" != - ]; then
		name=$k-$policy
		append="libnvdimm.memmap_streaming=$policy"
	fi
	# One accelerator keeps the names of before.
	[ "$accels" = "$accel" ] || name=$name-$accel
	[ -z "$threads" ] || ! has_threads_knob "$k" || t=$(echo "$threads" | tr -s ' ' '+')
	step "bench: $k kernel, policy $policy, $accel"
	host_meta "$k" "$accel" >"$raw/$name.raw"
	"$RIG_DIR/qemu-run.sh" -k "$k" -a "$accel" ${threads:+-c "$cpus"} -m "${mem_mib}M" \
		--nvdimm "$((gib * 1024 + 1024))M" --virtio-pmem "$size" "${vmem_opt[@]}" -t "$timeout" \
		--append "$append" -o "$RESULTS_DIR/bench-$name" rig-bench.sh "$k" "$policy" "$accel" \
		"$(echo $configs | tr ' ' '+')" "$rebinds" "$size" "$t" ||
		die "the $name guest failed; see $RESULTS_DIR/bench-$name/guest.log and console.log"
	grep -E '^@(bind|meta) ' "$RESULTS_DIR/bench-$name/guest.log" >>"$raw/$name.raw"
}

# has_threads_knob KERNEL: its tree has memremap.memmap_threads (the
# series' patch 19).
has_threads_knob() {
	[ "$1" != base ] && grep -qs memmap_threads "$CACHE_DIR/src/$1/mm/mm_init.c"
}

for a in $accels; do
	for k in $kernels; do
		if [ "$k" = patched ] && grep -rqs memmap_streaming "$PATCHED_SRC/drivers/nvdimm/"; then
			for p in $policies; do run_one "$k" "$p" "$a"; done
		else
			run_one "$k" - "$a"
		fi
	done
done

step "bench: report"
"$TOP_DIR/bench/report.py" --csv "$RESULTS_DIR/bench.csv" --meta "$RESULTS_DIR/bench.meta" \
	--plot "$RESULTS_DIR/bench.png" "$raw"/*.raw

# Beside the guest's instruction counts, what the same store loop does on
# this host's own CPU and memory.
"$TOP_DIR/bench/native/run.sh"
