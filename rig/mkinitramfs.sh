#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the guest initramfs for one kernel variant from Debian packages
# installed on this host (busybox-static, ndctl, daxctl, udev, kmod) and
# their shared libraries, the variant's modules, the guest/ scripts and
# pmemtool. Output: $BUILD_DIR/<variant>/initramfs.cpio.gz
#
# Usage: rig/mkinitramfs.sh base|part1|patched|kasan
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
# udevadm acts as the daemon when called as systemd-udevd.
mkdir -p "$root/lib/systemd"
ln -sf "$(command -v udevadm)" "$root/lib/systemd/systemd-udevd"
for a in modprobe insmod rmmod lsmod depmod modinfo; do
	ln -sf "$(command -v kmod)" "$root/sbin/$a"
done
echo 'root:x:0:0:root:/root:/bin/sh' >"$root/etc/passwd"
echo 'root:x:0:' >"$root/etc/group"

cp -a "$out/modroot/lib/modules" "$root/lib/"
# The kernel tree's own selftests that the guest runs, where the tree has them.
case "$variant" in base) src=$BASE_SRC ;; part1) src=$PART1_SRC ;; *) src=$PATCHED_SRC ;; esac
for f in kselftest/ktap_helpers.sh mm/memmap_streaming.sh; do
	[ -f "$src/tools/testing/selftests/$f" ] || continue
	mkdir -p "$root/selftests/$(dirname "$f")"
	cp "$src/tools/testing/selftests/$f" "$root/selftests/$f"
done
install -m 0755 "$TOP_DIR/guest/init" "$root/init"
install -m 0644 "$TOP_DIR"/guest/*.sh "$root/guest/"
gcc -static -O2 -Wall -o "$root/bin/pmemtool" "$TOP_DIR/guest/pmemtool.c"
# The site policy rules, installed where a distribution package would.
install -m 0644 "$TOP_DIR"/udev/*.rules "$root/usr/lib/udev/rules.d/"
install -m 0755 "$TOP_DIR/udev/memmap-streaming-policy" "$root/usr/lib/udev/"

(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0 | gzip -1) >"$out/initramfs.cpio.gz.tmp"
mv "$out/initramfs.cpio.gz.tmp" "$out/initramfs.cpio.gz"
info "initramfs: $out/initramfs.cpio.gz ($(du -h "$out/initramfs.cpio.gz" | cut -f1))"
