#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Keep the build tree of the patched kernel equal to base + patches/. It is a
# worktree of the base kept apart from ./linux, so that builds test exactly
# what patches/ holds; it is only re-applied when patches/ changed.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ -d "$BASE_SRC/.git" ] || die "no base tree; run 'make base' first"
stamp=$(series_stamp)
if [ -d "$PATCHED_SRC" ] && [ "$(cat "$CACHE_DIR/src/patched.stamp" 2>/dev/null)" = "$stamp" ] &&
	git -C "$PATCHED_SRC" diff --quiet HEAD; then
	info "patched tree matches patches/ ($(git -C "$PATCHED_SRC" rev-list --count base..HEAD) patches)"
	exit 0
fi
git -C "$BASE_SRC" worktree prune
if [ ! -d "$PATCHED_SRC" ]; then
	step "creating patched tree $PATCHED_SRC"
	git -C "$BASE_SRC" worktree add -q --detach "$PATCHED_SRC" base
else
	step "resetting patched tree to base"
	git -C "$PATCHED_SRC" am --abort >/dev/null 2>&1 || true
	# Remember content and mtime of every file the old series touched, so
	# that files whose content comes back the same keep their mtime and make
	# does not rebuild what depends on them (say, only a commit message
	# changed).
	git -C "$PATCHED_SRC" diff --name-only base HEAD | while read -r f; do
		[ -f "$PATCHED_SRC/$f" ] || continue
		printf '%s %s %s\n' "$(git -C "$PATCHED_SRC" hash-object "$f")" \
			"$(stat -c %Y "$PATCHED_SRC/$f")" "$f"
	done >"$CACHE_DIR/src/patched.mtimes"
	git -C "$PATCHED_SRC" reset -q --hard base
fi
rm -f "$CACHE_DIR/src/patched.stamp"
step "applying patches/series"
apply_series "$PATCHED_SRC"
if [ -f "$CACHE_DIR/src/patched.mtimes" ]; then
	kept=0
	while read -r blob mtime f; do
		[ -f "$PATCHED_SRC/$f" ] || continue
		[ "$(git -C "$PATCHED_SRC" hash-object "$f")" = "$blob" ] || continue
		touch -m -d "@$mtime" "$PATCHED_SRC/$f"
		kept=$((kept + 1))
	done <"$CACHE_DIR/src/patched.mtimes"
	rm -f "$CACHE_DIR/src/patched.mtimes"
	info "$kept unchanged files keep their timestamps"
fi
echo "$stamp" >"$CACHE_DIR/src/patched.stamp"
