#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Bisectability: apply patches/ one at a time in a scratch tree and, after
# each, build with W=1 the objects that patch touches (its kernel .c files, plus
# mm/mm_init.o for header-only patches), using the check kernel's config
# (make check builds it; its debug options, CONFIG_DEBUG_VM included, cover
# more code) with deferred struct page init, which selects PADATA: the
# padata patch comes before the one that makes ZONE_DEVICE select it.
# Warnings in touched files fail too: W=1 output must be clean.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

tree=$CACHE_DIR/src/each-patch
out=$BUILD_DIR/each-patch
cfg=$BUILD_DIR/check/.config
[ -f "$cfg" ] || die "no check kernel config; run rig/build-kernel.sh check first"
mkdir -p "$out"
export CCACHE_DIR=${CCACHE_DIR:-$CACHE_DIR/ccache}
kmake() { make -C "$tree" O="$out" ARCH=x86_64 CC="ccache gcc" -j"$(nproc)" "$@"; }

git -C "$BASE_SRC" worktree prune
if [ ! -d "$tree" ]; then
	step "creating scratch tree $tree"
	git -C "$BASE_SRC" worktree add -q --detach "$tree" base
fi
git -C "$tree" am --abort >/dev/null 2>&1 || true
git -C "$tree" reset -q --hard base

n=0 total=$(series_files | wc -l) failed=0
for p in $(series_files); do
	n=$((n + 1))
	git_id -C "$tree" am -q "$p" || die "patches/$(basename "$p") does not apply"
	objs=$(git -C "$tree" diff --name-only HEAD~1 -- '*.c' ':!tools/' | sed 's/\.c$/.o/')
	objs="$objs mm/mm_init.o"
	objs=$(printf '%s\n' $objs | sort -u | tr '\n' ' ')
	step "[$n/$total] $(basename "$p"): W=1 $objs"
	{ cat "$cfg"; echo CONFIG_DEFERRED_STRUCT_PAGE_INIT=y; } >"$out/.config"
	log=$out/patch-$n.log
	if ! kmake olddefconfig >"$log" 2>&1 || ! kmake W=1 $objs >>"$log" 2>&1; then
		grep -E 'error|warning' "$log" | head -n 20 >&2 || true
		echo "not ok - $(basename "$p") does not build on its own (log: $log)" >&2
		failed=$((failed + 1))
		continue
	fi
	if grep -E '^[^ ]+\.[ch]:[0-9]+:[0-9]+: warning' "$log" >&2; then
		echo "not ok - $(basename "$p") builds with W=1 warnings (log: $log)" >&2
		failed=$((failed + 1))
		continue
	fi
	info "ok - $(basename "$p")"
done
[ "$failed" = 0 ] || die "$failed of $total patches do not build cleanly on their own"
step "each of the $total patches builds on its own (W=1)"
