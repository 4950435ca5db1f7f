#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make check's test of the README's apply command: rig/apply-series.sh on a
# fresh copy of the base that is not a git tree (as Debian's linux-source
# tarball unpacks), after which every file the series touches must equal
# the patched tree's (rig/patched-tree.sh, which make check runs first).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ -d "$PATCHED_SRC" ] || die "no patched tree; run rig/patched-tree.sh first"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
step "unpacking the base into $tmp"
git -C "$BASE_SRC" archive base | tar -x -C "$tmp"
step "rig/apply-series.sh $tmp"
"$RIG_DIR/apply-series.sh" "$tmp"
bad=0 n=0
for f in $(git -C "$PATCHED_SRC" diff --name-only base HEAD); do
	n=$((n + 1))
	cmp -s "$tmp/$f" "$PATCHED_SRC/$f" || { echo "$f differs from the patched tree" >&2; bad=$((bad + 1)); }
done
[ "$bad" = 0 ] || die "$bad of $n files differ"
step "the README's apply command gives the patched tree's $n files"
