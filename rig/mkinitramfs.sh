#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the guest initramfs for one kernel variant from Debian packages
# installed on this host (busybox-static, ndctl, daxctl, udev, kmod,
# e2fsprogs' mkfs.ext4) and their shared libraries, the variant's modules,
# the guest/ scripts, the host bench (bench/host/bench.sh), pmemtool, nstime, rt-hog, and the variant's tree's own selftests
# (dax/memmap_streaming.sh and its dax_pattern helper) where it has them.
# Output: $BUILD_DIR/<variant>/initramfs.cpio.gz
#
# Usage: rig/mkinitramfs.sh base|part1|patched|check|kasan
set -euo pipefail
. "$(dirname "$0")/lib.sh"

variant=${1:-}
out=$BUILD_DIR/$variant
[ -f "$out/arch/x86/boot/bzImage" ] || die "no $variant kernel; run rig/build-kernel.sh $variant first"
need_cmd cpio gzip ldd gcc
BUSYBOX=/bin/busybox
[ -x "$BUSYBOX" ] && "$BUSYBOX" --list >/dev/null 2>&1 || die "no static busybox; apt-get install busybox-static"
{ ldd "$BUSYBOX" 2>&1 || true; } | grep -q 'not a dynamic' || die "$BUSYBOX is not static; apt-get install busybox-static"
for b in ndctl daxctl udevadm kmod; do
	command -v "$b" >/dev/null || die "$b not found; apt-get install ndctl daxctl udev kmod"
done
# mkfs.ext4 lives in /sbin, which a normal user's PATH may lack.
MKFS_EXT4=$(PATH=$PATH:/sbin:/usr/sbin command -v mkfs.ext4) || die "mkfs.ext4 not found; apt-get install e2fsprogs"

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,etc,proc,sys,dev,tmp,run,root,lib,lib64,usr/bin,usr/sbin,usr/lib/udev/rules.d,guest}

cp "$BUSYBOX" "$root/bin/busybox"
for a in $("$BUSYBOX" --list); do
	[ -e "$root/bin/$a" ] || ln -s busybox "$root/bin/$a"
done

# copy_bin FILE: a dynamically linked program and every library it needs.
copy_bin() {
	local f=$1 lib
	mkdir -p "$root$(dirname "$f")"
	cp -L "$f" "$root$f"
	for lib in $(ldd "$f" | grep -o '/[^ ]*'); do
		[ -e "$root$lib" ] && continue
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
}
for b in ndctl daxctl udevadm kmod bash; do
	copy_bin "$(command -v "$b")"
done
# The kselftest formats fsdax namespaces as ext4 (mounted -o dax).
copy_bin "$MKFS_EXT4"
[ ! -f /etc/mke2fs.conf ] || cp /etc/mke2fs.conf "$root/etc/"
# udevadm acts as the daemon when called as systemd-udevd.
mkdir -p "$root/lib/systemd"
ln -sf "$(command -v udevadm)" "$root/lib/systemd/systemd-udevd"
for a in modprobe insmod rmmod lsmod depmod modinfo; do
	ln -sf "$(command -v kmod)" "$root/sbin/$a"
done
echo 'root:x:0:0:root:/root:/bin/sh' >"$root/etc/passwd"
echo 'root:x:0:' >"$root/etc/group"
# mke2fs looks for mounted filesystems there.
ln -s /proc/mounts "$root/etc/mtab"

cp -a "$out/modroot/lib/modules" "$root/lib/"
# The kernel tree's own selftests that the guest runs, where the tree has them.
case "$variant" in
base) src=$BASE_SRC ;;
part1) src=$PART1_SRC ;;
check | kasan) src=$CHECK_SRC ;;
*) src=$PATCHED_SRC ;;
esac
st=$src/tools/testing/selftests
for f in kselftest/ktap_helpers.sh dax/memmap_streaming.sh; do
	[ -f "$st/$f" ] || continue
	mkdir -p "$root/selftests/$(dirname "$f")"
	cp "$st/$f" "$root/selftests/$f"
done
if [ -f "$st/dax/dax_pattern.c" ]; then
	info "building selftests/dax/dax_pattern from $st/dax/dax_pattern.c"
	mkdir -p "$root/selftests/dax"
	gcc -static -O2 -Wall -I "$st" -o "$root/selftests/dax/dax_pattern" "$st/dax/dax_pattern.c" ||
		die "the kselftest helper $st/dax/dax_pattern.c does not build (gcc -static -O2 -Wall)"
fi
install -m 0755 "$TOP_DIR/guest/init" "$root/init"
# With the checkout's modes and layout: from /, the host bench runs as
# "bench/host/bench.sh", as the README has it, and finds guest/lib.sh.
for f in "$TOP_DIR"/guest/*.sh; do
	if [ -x "$f" ]; then install -m 0755 "$f" "$root/guest/"; else install -m 0644 "$f" "$root/guest/"; fi
done
mkdir -p "$root/bench/host"
install -m 0755 "$TOP_DIR/bench/host/bench.sh" "$root/bench/host/"
gcc -static -O2 -Wall -o "$root/bin/pmemtool" "$TOP_DIR/guest/pmemtool.c"
gcc -static -O2 -Wall -o "$root/bin/nstime" "$TOP_DIR/bench/host/nstime.c"
gcc -static -O2 -Wall -o "$root/bin/rt-hog" "$TOP_DIR/guest/rt-hog.c"
# The site policy and its installer, laid out as in the repository: the
# udev suite installs it with /guest/rig/install-udev.sh as make install-udev does.
mkdir -p "$root/guest/rig" "$root/guest/udev"
install -m 0755 "$TOP_DIR/rig/install-udev.sh" "$root/guest/rig/"
install -m 0644 "$TOP_DIR"/udev/* "$root/guest/udev/"

(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0 | gzip -1) >"$out/initramfs.cpio.gz.tmp"
mv "$out/initramfs.cpio.gz.tmp" "$out/initramfs.cpio.gz"
info "initramfs: $out/initramfs.cpio.gz ($(du -h "$out/initramfs.cpio.gz" | cut -f1))"
