#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bench-profile: where the guest instructions of onlining go, base
# against the series. One -icount boot per kernel, in the guest make bench
# uses (same RAM, NVDIMM, virtio-pmem and virtio-mem), runs
# guest/rig-profile.sh: the onlining command, the offlining command and a
# virtio-mem plug, once untraced and once per function traced alone; then
# bench/profile.py splits each operation's instructions per page by
# function (results/profile/: profile.csv, profile.txt, profile.md,
# profile.meta).
#
# Usage: rig/bench-profile.sh [--kernels "base patched"] [--size 16G] [--save]
# --size is make bench's SIZE: the guest is the same, and the operations
# online 8 GiB (or all of a smaller SIZE), as make bench's do.
# The kernels are make bench's ($BUILD_DIR/KERNEL): one that is built is
# used as it is, never rebuilt (the meta says what it was built from); one
# that is not is built as make bench builds it. --save copies the result
# to bench/latest/profile/, the committed run.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

size=16G kernels="base patched" save=
while [ $# -gt 0 ]; do
	case "$1" in
	--size) size=$2; shift ;;
	--kernels) kernels=$2; shift ;;
	--save) save=1 ;;
	-h | --help) sed -n '3,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown option $1 (see --help)" ;;
	esac
	shift
done
case "$size" in *[0-9]G) ;; *) die "--size takes whole GiB, e.g. 16G" ;; esac
for k in $kernels; do
	case "$k" in base | part1 | patched) ;;
	*) die "unknown kernel '$k' (base part1 patched)" ;;
	esac
done
# What each operation's split names: issue 27's functions, and what the
# offlining, the memory block devices and the dax drivers around them call.
funcs="memmap_init_range __free_pages_core __free_pages_ok online_pages
	offline_pages set_zone_contiguous device_online device_offline
	memory_subsys_online memory_subsys_offline create_memory_block_devices
	remove_memory_block_devices arch_add_memory arch_remove_memory
	dev_dax_kmem_probe dev_dax_kmem_remove dev_dax_probe memunmap_pages
	memmap_init_zone_device"
gib=${size%G}
op_gib=$((gib < 8 ? gib : 8))
# As rig/bench.sh sizes its guest.
mem_mib=$(((2048 + gib * 1024 / 64 + 511) / 512 * 512))
out=$RESULTS_DIR/profile
mkdir -p "$out/raw"
rm -f "$out"/raw/*.raw

step "bench-profile: kernels [$kernels], ${op_gib}G onlined, -icount, one pass per function"
for k in $kernels; do
	if [ -f "$BUILD_DIR/$k/arch/x86/boot/bzImage" ]; then
		info "$k: using the kernel built in $BUILD_DIR/$k (not rebuilt)"
	else
		"$RIG_DIR/fetch-base.sh"
		[ "$k" = base ] || "$RIG_DIR/patched-tree.sh" "$k"
		"$RIG_DIR/build-kernel.sh" "$k"
	fi
	"$RIG_DIR/mkinitramfs.sh" "$k"
done

# tree_meta KERNEL: what its kernel was built from.
tree_meta() {
	local k=$1 src=$CACHE_DIR/src/$1 n stamp
	echo "@meta base=$BASE_PKG $BASE_DEB_VERSION"
	echo "@meta ${k}_release=$(cat "$BUILD_DIR/$k/include/config/kernel.release")"
	echo "@meta ${k}_config_sha256=$(sha256sum "$BUILD_DIR/$k/.config" | cut -c1-16)"
	echo "@meta ${k}_built=$(date -u -r "$BUILD_DIR/$k/arch/x86/boot/bzImage" +%FT%TZ)"
	[ "$k" != base ] || return 0
	n=$(git -C "$src" rev-list --count base..HEAD 2>/dev/null) || n='?'
	stamp=$(cat "$src.stamp" 2>/dev/null) || stamp='?'
	echo "@meta ${k}_tree=$n patches, tree stamp ${stamp:0:16}"
	if [ "$stamp" = "$(series_stamp "$([ "$k" = part1 ] && echo "$PART1_PATCHES")" 2>/dev/null)" ]; then
		echo "@meta ${k}_series=the checkout's patches/ ($(series_stamp | cut -c1-16))"
	else
		echo "@meta ${k}_series=NOT the checkout's patches/ (make bench rebuilds it)"
	fi
}

for k in $kernels; do
	step "bench-profile: $k kernel"
	{
		tree_meta "$k"
		echo "@meta accel=tcg-icount"
		echo "@meta qemu=$(qemu-system-x86_64 --version | head -n1)"
		echo "@meta host_cpu=$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n1)"
		echo "@meta guest=${mem_mib} MiB RAM, 1 vCPU, NFIT NVDIMM and virtio-pmem of $size each, virtio-mem of ${op_gib}G"
	} >"$out/raw/$k.raw"
	"$RIG_DIR/qemu-run.sh" -k "$k" -a tcg-icount -m "${mem_mib}M" \
		--nvdimm "$((gib * 1024 + 1024))M" --virtio-pmem "$size" --virtio-mem "${op_gib}G" \
		-t 3600 -o "$out/guest-$k" rig-profile.sh "$k" "${op_gib}G" "$(echo $funcs | tr ' ' '+')" ||
		die "the $k guest failed; see $out/guest-$k/guest.log and console.log"
	grep -E '^@(prof|prof-untraceable|meta) ' "$out/guest-$k/guest.log" >>"$out/raw/$k.raw"
done

step "bench-profile: report"
"$TOP_DIR/bench/profile.py" --csv "$out/profile.csv" --meta "$out/profile.meta" \
	--markdown-out "$out/profile.md" "$out"/raw/*.raw | tee "$out/profile.txt"
if [ -n "$save" ]; then
	mkdir -p "$TOP_DIR/bench/latest/profile"
	cp "$out"/profile.{csv,md,txt,meta} "$TOP_DIR/bench/latest/profile/"
	info "saved to bench/latest/profile/ (its table goes into bench/README.md: profile.md)"
fi
