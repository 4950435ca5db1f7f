#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Keep the build tree of the patched kernel equal to base + patches/. It is a
# worktree of the base kept apart from ./linux, so that builds test exactly
# what patches/ holds; it is only re-applied when patches/ changed.
#
# Usage: rig/patched-tree.sh [patched|part1|check]
#   patched  base + every patch of patches/series (the default)
#   part1    base + the first PART1_PATCHES (rig/lib.sh): the series without
#            streaming stores, which "make bench" compares against
#   check    base + every patch of patches/series + patches/test-only/*.patch
#            (in name order): the kernel "make check" tests, with the debug
#            verification that never goes upstream nor into "make bench"
set -euo pipefail
. "$(dirname "$0")/lib.sh"

variant=${1:-patched}
case "$variant" in
patched) tree=$PATCHED_SRC count='' extra='' ;;
part1) tree=$PART1_SRC count=$PART1_PATCHES extra='' ;;
check) tree=$CHECK_SRC count='' extra=test-only ;;
*) die "usage: $0 [patched|part1|check]" ;;
esac
state=$CACHE_DIR/src/$variant

[ -d "$BASE_SRC/.git" ] || die "no base tree; run 'make base' first"
if [ "$variant" = check ]; then
	test_only=$(test_only_files)
	[ -n "$test_only" ] || die "no test-only patches (patches/test-only/NNNN-*.patch): the check kernel needs the debug verification"
fi
stamp=$(series_stamp "$count" ${extra:+"$extra"})
if [ -d "$tree" ] && [ "$(cat "$state.stamp" 2>/dev/null)" = "$stamp" ] &&
	git -C "$tree" diff --quiet HEAD; then
	info "$variant tree matches patches/${extra:+ and patches/test-only/} ($(git -C "$tree" rev-list --count base..HEAD) patches)"
	exit 0
fi
git -C "$BASE_SRC" worktree prune
if [ ! -d "$tree" ]; then
	step "creating $variant tree $tree"
	git -C "$BASE_SRC" worktree add -q --detach "$tree" base
else
	step "resetting $variant tree to base"
	git -C "$tree" am --abort >/dev/null 2>&1 || true
	# Remember content and mtime of every file the old series touched, so
	# that files whose content comes back the same keep their mtime and make
	# does not rebuild what depends on them (say, only a commit message
	# changed).
	git -C "$tree" diff --name-only base HEAD | while read -r f; do
		[ -f "$tree/$f" ] || continue
		printf '%s %s %s\n' "$(git -C "$tree" hash-object "$f")" \
			"$(stat -c %Y "$tree/$f")" "$f"
	done >"$state.mtimes"
	git -C "$tree" reset -q --hard base
fi
rm -f "$state.stamp"
step "applying patches/series${count:+ (the first $count: part 1)}"
apply_series "$tree" "$count"
if [ "$variant" = check ]; then
	step "applying the test-only patches (patches/test-only/)"
	# shellcheck disable=SC2086
	apply_patches "$tree" $test_only
fi
# The kernels make bench measures never carry the debug verification.
if [ "$variant" != check ] && git -C "$tree" grep -q DEBUG_ZONE_DEVICE_MEMMAP -- mm; then
	die "patches/series adds CONFIG_DEBUG_ZONE_DEVICE_MEMMAP: the debug verification belongs in patches/test-only/"
fi
if [ "$variant" = part1 ] && git -C "$tree" grep -q memcpy_streaming -- mm include; then
	die "the first $count patches already use memcpy_streaming: PART1_PATCHES in rig/lib.sh no longer ends part 1"
fi
if [ -f "$state.mtimes" ]; then
	kept=0
	while read -r blob mtime f; do
		[ -f "$tree/$f" ] || continue
		[ "$(git -C "$tree" hash-object "$f")" = "$blob" ] || continue
		touch -m -d "@$mtime" "$tree/$f"
		kept=$((kept + 1))
	done <"$state.mtimes"
	rm -f "$state.mtimes"
	info "$kept unchanged files keep their timestamps"
fi
echo "$stamp" >"$state.stamp"
