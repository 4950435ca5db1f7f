#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Create ./linux, a git worktree of the base with patches/ (then
# patches/test-only/) applied as commits on branch "series". Edit and commit there (git commit --amend, rebase -i),
# then run rig/export-series.sh to regenerate patches/.
#
# Usage: rig/worktree.sh [--reset]   --reset throws ./linux away and starts over
set -euo pipefail
. "$(dirname "$0")/lib.sh"

wt=$TOP_DIR/linux
[ -d "$BASE_SRC/.git" ] || die "no base tree; run 'make base' first"
if [ -e "$wt" ]; then
	if [ "${1:-}" != --reset ]; then
		info "$wt already exists (branch $(git -C "$wt" rev-parse --abbrev-ref HEAD)); use --reset to recreate it from patches/"
		exit 0
	fi
	git -C "$wt" diff --quiet HEAD 2>/dev/null || die "$wt has uncommitted changes; commit or stash them before --reset"
	git -C "$BASE_SRC" worktree remove --force "$wt"
fi
git -C "$BASE_SRC" worktree prune
step "creating worktree $wt (branch series, from tag base)"
git -C "$BASE_SRC" worktree add -q -B series "$wt" base
apply_series "$wt"
# The test-only patches go on top, so that "make export" writes them back.
# shellcheck disable=SC2046
apply_patches "$wt" $(test_only_files)
step "worktree ready: $(git -C "$wt" rev-list --count base..HEAD) patches on branch series"
