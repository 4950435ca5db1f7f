#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Make sure the host has what the rig needs (Debian packages). As root it
# installs what is missing; otherwise it prints the apt-get command to run.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# command:package pairs
need=(
	gcc:gcc make:make flex:flex bison:bison bc:bc ccache:ccache perl:perl
	cpio:cpio xz:xz-utils gzip:gzip git:git python3:python3 gnuplot:gnuplot-nox
	qemu-system-x86_64:qemu-system-x86 busybox:busybox-static ndctl:ndctl
	daxctl:daxctl udevadm:udev kmod:kmod truncate:coreutils
)
# packages checked by a file: those without a command of their own
# (python3-ply and python3-git: checkpatch's SPDX check, run with Debian's
# /usr/bin/python3), and e2fsprogs, whose mkfs.ext4 (for the guest's
# kselftest) is in /sbin, which a normal user's PATH may lack
libs=(libelf-dev:/usr/include/libelf.h libssl-dev:/usr/include/openssl/ssl.h
	python3-ply:/usr/lib/python3/dist-packages/ply python3-git:/usr/lib/python3/dist-packages/git
	e2fsprogs:/sbin/mkfs.ext4)

missing=()
for pair in "${need[@]}"; do
	command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
done
for pair in "${libs[@]}"; do
	[ -e "${pair#*:}" ] || missing+=("${pair%%:*}")
done
# busybox must be the static one (the initramfs has no libc of its own).
{ ldd /bin/busybox 2>&1 || true; } | grep -q 'not a dynamic' || missing+=(busybox-static)
[ ${#missing[@]} -eq 0 ] && exit 0

mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
if [ "$(id -u)" != 0 ]; then
	die "missing packages: ${missing[*]}
  install them with: sudo apt-get install -y ${missing[*]}"
fi
step "installing ${missing[*]}"
apt-get update -q >/dev/null || die "apt-get update failed"
DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null ||
	die "apt-get install ${missing[*]} failed"
