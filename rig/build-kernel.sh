#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build one guest kernel out of tree: tinyconfig + rig/kernel.config (+ the
# variant's extra fragments), bzImage and modules, with ccache. Skips make
# entirely when neither the source tree nor the config changed since the
# last successful build.
#
# Usage: rig/build-kernel.sh base|part1|patched|check|kasan|linkcheck
#   base       the unpacked base tree
#   part1      base + part 1 of patches/ (rig/patched-tree.sh part1)
#   patched    base + patches/ (rig/patched-tree.sh keeps it in sync)
#   check      base + patches/ + patches/test-only/ (rig/patched-tree.sh
#              check) with rig/check.config: the kernel make check tests
#   kasan      the check tree with rig/check.config and rig/kasan.config
#   linkcheck  the patched tree from tinyconfig + rig/linkcheck.config alone
#              (no kernel.config): the KUnit suites built in, without
#              DEVICE_PRIVATE; vmlinux only, to show that it links
# The variants with the series add rig/part1.config, and those with all of
# it rig/patched.config (the symbols each part adds).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

variant=${1:-}
part1=("$RIG_DIR/kernel.config" "$RIG_DIR/part1.config")
check=("${part1[@]}" "$RIG_DIR/patched.config" "$RIG_DIR/check.config")
# What make builds, and the file that shows it was built.
targets=(bzImage modules) image=arch/x86/boot/bzImage
case "$variant" in
base) src=$BASE_SRC fragments=("$RIG_DIR/kernel.config") ;;
part1) src=$PART1_SRC fragments=("${part1[@]}") ;;
patched) src=$PATCHED_SRC fragments=("${part1[@]}" "$RIG_DIR/patched.config") ;;
check) src=$CHECK_SRC fragments=("${check[@]}") ;;
kasan) src=$CHECK_SRC fragments=("${check[@]}" "$RIG_DIR/kasan.config") ;;
linkcheck) src=$PATCHED_SRC fragments=("$RIG_DIR/linkcheck.config") targets=(vmlinux) image=vmlinux ;;
*) die "usage: $0 base|part1|patched|check|kasan|linkcheck" ;;
esac
[ "${KERNEL_OPT:-}" = size ] && fragments+=("$RIG_DIR/size.config")
need_cmd make gcc flex bison bc ccache
[ -d "$src" ] || die "source tree $src missing; run 'make base' (base), 'make tree' (patched, linkcheck) or rig/patched-tree.sh part1|check"

out=$BUILD_DIR/$variant
mkdir -p "$out"
log=$out/build.log

# What the build depends on: the tree's commit and state, and the fragments.
stamp=$({
	git -C "$src" rev-parse HEAD
	git -C "$src" status --porcelain --untracked-files=no
	cat "${fragments[@]}"
} | sha256sum | cut -d' ' -f1)
if [ -f "$out/$image" ] && [ "$(cat "$out/.rig-stamp" 2>/dev/null)" = "$stamp" ]; then
	info "$variant kernel is up to date ($out)"
	exit 0
fi
rm -f "$out/.rig-stamp"

export CCACHE_DIR=${CCACHE_DIR:-$CACHE_DIR/ccache}
export KBUILD_BUILD_TIMESTAMP='2026-01-01' KBUILD_BUILD_USER=rig KBUILD_BUILD_HOST=rig
kmake() { make -C "$src" O="$out" ARCH=x86_64 CC="ccache gcc" -j"$(nproc)" "$@"; }

frag_hash=$(cat "${fragments[@]}" | sha256sum | cut -d' ' -f1)
if [ "$(cat "$out/.rig-config" 2>/dev/null)" != "$frag_hash" ] || [ ! -f "$out/.config" ]; then
	step "configuring $variant: tinyconfig + $(for f in "${fragments[@]}"; do basename "$f"; done | paste -sd+)"
	kmake tinyconfig >"$log" 2>&1 || die "tinyconfig failed; see $log"
	"$src/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" "${fragments[@]}" >>"$log" 2>&1 ||
		die "merge_config failed; see $log"
	kmake olddefconfig >>"$log" 2>&1 || die "olddefconfig failed; see $log"
	# Every requested symbol must have stuck.
	# The last fragment that names a symbol decides its value.
	bad=$(cat "${fragments[@]}" |
		sed -n 's/^\(CONFIG_[A-Za-z0-9_]*\)=\(.*\)/\1 \2/p; s/^# \(CONFIG_[A-Za-z0-9_]*\) is not set/\1 /p' |
		awk '{ v[$1] = $2 } END { for (s in v) print s, v[s] }' |
		while read -r sym val; do
			got=$(sed -n "s/^$sym=//p" "$out/.config")
			[ "$got" = "$val" ] || echo "$sym=$val (got '${got:-unset}')"
		done)
	[ -z "$bad" ] || die "config symbols did not stick (missing dependency?):
$bad"
	echo "$frag_hash" >"$out/.rig-config"
fi

step "building $variant kernel (${targets[*]}) in $out (log: $log)"
# objects of a full build, for the progress lines (unmeasured for linkcheck)
case "$variant" in linkcheck) full= ;; *) full=1350 ;; esac
t0=$(date +%s)
n0=$(grep -c '^  CC' "$log" 2>/dev/null || true)
(
	kmake "${targets[@]}" >>"$log" 2>&1
	echo $? >"$out/.rig-rc"
) &
pid=$!
while kill -0 "$pid" 2>/dev/null; do
	sleep 20
	n=$(grep -c '^  CC' "$log" || true)
	info "$variant: $((n - n0)) objects compiled, $(($(date +%s) - t0))s${full:+ (a full build is ~$full)}"
done
wait "$pid" || true
if [ "$(cat "$out/.rig-rc")" != 0 ]; then
	grep -E 'error|Error' "$log" | head -n 20 >&2 || true
	die "$variant kernel build failed; see $log"
fi
if [[ " ${targets[*]} " == *" modules "* ]]; then
	rm -rf "$out/modroot"
	kmake INSTALL_MOD_PATH="$out/modroot" INSTALL_MOD_STRIP=1 modules_install >>"$log" 2>&1 ||
		die "modules_install failed; see $log"
fi
echo "$stamp" >"$out/.rig-stamp"
step "$variant kernel built in $(($(date +%s) - t0))s: $(make -s -C "$src" O="$out" kernelrelease 2>/dev/null)"
